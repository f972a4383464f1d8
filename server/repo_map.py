"""The repository map in the server: one `refactor.repomap.RepoMap` per server, owned
by one worker thread (it is not thread-safe), built the first time an AI task wants it,
updated when files change (watched-file events, saves).

The event loop never waits for it: a task awaits the first build for at most
``FIRST_BUILD_WAIT`` seconds and otherwise goes without the map.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

if TYPE_CHECKING:
    from refactor.repomap import RepoMap
    from server.app import ClaudeLanguageServer

log = logging.getLogger(__name__)

FIRST_BUILD_WAIT = 5.0


class RepoMapService:
    def __init__(self, ls: ClaudeLanguageServer) -> None:
        self.ls = ls
        self._executor: ThreadPoolExecutor | None = None
        self._built: asyncio.Future[RepoMap] | None = None

    def _start(self) -> asyncio.Future[RepoMap]:
        if self._built is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="repomap")
            root = self.ls.chats.root()
            loop = asyncio.get_running_loop()
            self._built = loop.run_in_executor(self._executor, _build, root)
        return self._built

    async def render(self, focus: list[Path], max_chars: int) -> str:
        built = self._start()
        try:
            repo = await asyncio.wait_for(asyncio.shield(built), FIRST_BUILD_WAIT)
        except TimeoutError:
            log.info("repository map not built yet: this request goes without it")
            return ""
        except Exception as exc:  # a failed build: no map, the task goes on
            log.warning("repository map failed: %s", exc)
            return ""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, repo.render, focus, max_chars)

    async def render_if_built(self, focus: list[Path], max_chars: int) -> str:
        """The map if it is ready, else "" (and the build starts): for completions."""
        built = self._start()
        if not built.done() or built.exception() is not None:
            return ""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, built.result().render, focus, max_chars)

    def files_changed(self, paths: list[Path]) -> None:
        built = self._built
        if built is None or not built.done() or built.exception() is not None:
            return  # not built yet: the build reads the files as they are
        assert self._executor is not None
        self._executor.submit(built.result().update, paths)

    def watched(self, events: list[lsp.FileEvent]) -> None:
        self.files_changed([Path(p) for e in events if (p := to_fs_path(e.uri))])

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


def _build(root: Path) -> RepoMap:
    """Load the previous run's map, re-read what changed since, save it again."""
    import hashlib

    from platformdirs import user_cache_path

    from refactor.repomap import RepoMap

    name = hashlib.sha256(str(root).encode("utf-8", "surrogatepass")).hexdigest()[:24]
    cache = user_cache_path("claude-lsp") / "repomap" / f"{name}.pickle"
    repo = RepoMap(root)
    loaded = repo.load(cache)
    read = repo.refresh()
    log.info("repository map of %s: %d files from cache, %d read", root, loaded, read)
    if read:
        try:
            repo.save(cache)
        except OSError as exc:
            log.warning("could not save the repository map: %s", exc)
    return repo
