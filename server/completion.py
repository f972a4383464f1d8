"""``textDocument/inlineCompletion`` (LSP 3.18), behind ``claudeLsp.completion.enable``.

Concurrency model
-----------------
Each request is its own handler task on the loop. It first waits ``DEBOUNCE_SECONDS``;
at most one request per document is in flight: a new one for the same document, a
keystroke in it (``didChange``) or ``$/cancelRequest`` cancels the older one, whose
request then fails with RequestCancelled. The model runs with the completion model (the
newest Haiku by default). An answer computed for an older version of the document is
never returned: the version is noted when the request is read (``arrived``), because the
handler task starts only after the messages read with it, which may include the next
keystroke. Answers are cached by a hash of the model and the text around the cursor.
The repository map contributes related definitions only when it is already built.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from refactor.text import line_offset, line_starts
from server.ai_run import AiFailed

if TYPE_CHECKING:
    from server.app import ClaudeLanguageServer
    from server.documents import OpenDocument

log = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.075
CACHE_SIZE = 256
SNIPPET_CHARS = 1_500


class Completions:
    def __init__(self, ls: ClaudeLanguageServer) -> None:
        self.ls = ls
        self.cache: OrderedDict[str, str] = OrderedDict()
        self.inflight: dict[str, asyncio.Task[object]] = {}
        self.versions: dict[int, int | None] = {}  # id(params) -> version at arrival
        self._model: str | None = None

    def arrived(self, params: lsp.InlineCompletionParams) -> None:
        """Called as the request is read, before any later message is handled."""
        if len(self.versions) > 64:  # requests cancelled before their handler ran
            self.versions.clear()
        doc = self.ls.documents.get(params.text_document.uri)
        self.versions[id(params)] = None if doc is None else doc.version

    def keystroke(self, doc: OpenDocument) -> None:
        task = self.inflight.pop(doc.uri, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def model(self) -> str:
        if (chosen := self.ls.settings.completion.model) is not None:
            return chosen
        if self._model is None:
            from agent.client import default_model

            self._model = await asyncio.to_thread(default_model, "haiku")
        return self._model

    async def complete(self, params: lsp.InlineCompletionParams) -> lsp.InlineCompletionList | None:
        from agent.completion import around, complete, context_key, prompt

        uri = params.text_document.uri
        doc = self.ls.documents.get(uri)
        asked_on = self.versions.pop(id(params), doc and doc.version)
        if doc is None or not self.ls.settings.completion.enable:
            return None
        if doc.version != asked_on:
            return None  # the document changed after the request was made
        task = asyncio.current_task()
        assert task is not None
        self.keystroke(doc)  # the previous request for this document is stale
        self.inflight[uri] = task
        try:
            await asyncio.sleep(DEBOUNCE_SECONDS)
            try:
                await self.ls.ai.check_readable(uri, doc.path, "Completion")
            except AiFailed as refused:
                log.info("no inline completion: %s", refused.message)
                return None
            version, text = doc.version, doc.text
            if version != asked_on:
                return None
            columns = self.ls.documents.columns(doc)
            position = columns.from_client(params.position)
            offset = line_offset(text, line_starts(text), position.line, position.character)
            prefix, suffix = around(text, min(offset, len(text)))
            model = await self.model()
            shown = _relative(Path(doc.path), self.ls.chats.root())
            key = context_key(shown, prefix, suffix, model)
            insert = self.cache.get(key)
            if insert is None:
                snippets = await self.ls.repo_map.render_if_built([Path(doc.path)], SNIPPET_CHARS)
                client = await self.ls.chats.client()
                request = prompt(shown, prefix, suffix, snippets)
                insert, _cost = await complete(client, model, self.ls.ai.costs, request)
                self.cache[key] = insert
                if len(self.cache) > CACHE_SIZE:
                    self.cache.popitem(last=False)
            else:
                self.cache.move_to_end(key)
            current = self.ls.documents.get(uri)
            if current is not doc or doc.version != version or not insert:
                return None  # stale or empty: never shown
            span = lsp.Range(params.position, params.position)
            return lsp.InlineCompletionList(
                items=[lsp.InlineCompletionItem(insert_text=insert, range=span)]
            )
        finally:
            if self.inflight.get(uri) is task:
                del self.inflight[uri]


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


async def inline_completion(
    ls: ClaudeLanguageServer, params: lsp.InlineCompletionParams
) -> lsp.InlineCompletionList | None:
    return await ls.completions.complete(params)


def register(server: ClaudeLanguageServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_INLINE_COMPLETION, lsp.InlineCompletionOptions())(
        inline_completion
    )
    server.documents.on_change.append(server.completions.keystroke)
