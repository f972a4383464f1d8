"""The loopback Anthropic Messages API (tests/agent/fake_api.py) for the VS Code e2e tests.

Prints ``{"url": ...}`` on the first line of stdout, then reads commands from stdin,
one JSON object a line:

- ``{"script": [step, ...]}`` queues replies; a step is ``{"content": [block, ...],
  "delay": seconds}`` with blocks ``{"text": str, "chunks": n}`` or
  ``{"tool": name, "input": {...}}``; answered with ``{"queued": n}``.
- ``{"requests": true}`` answers ``{"requests": [...]}``: every ``/v1/messages`` request so
  far, with the credential header it carried, its last user message's blocks and the
  text of all its user messages, the model and the tool ``tool_choice`` asked for.
- ``{"clear": true}`` drops the replies still queued; answered with ``{"dropped": n}``.

Exits when stdin closes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse  # noqa: E402


def step(data: dict[str, Any]) -> Reply:
    blocks: list[Text | ToolUse] = []
    for block in data["content"]:
        if "text" in block:
            blocks.append(Text(block["text"], chunks=int(block.get("chunks", 2))))
        else:
            blocks.append(ToolUse(block["tool"], block["input"]))
    return Reply(blocks, delay=float(data.get("delay", 0.0)))


def summary(fake: FakeAnthropic) -> list[dict[str, Any]]:
    out = []
    for recorded in fake.requests:
        if recorded.path != "/v1/messages":
            continue
        messages = recorded.body.get("messages") or [{}]
        last = messages[-1].get("content")
        out.append(
            {
                "credential": recorded.headers.get("x-api-key")
                or recorded.headers.get("authorization", ""),
                "lastUser": last if isinstance(last, list) else [{"type": "text", "text": last}],
                "userTexts": [text for m in messages if m.get("role") == "user" for text in _texts(m)],
                "model": recorded.body.get("model", ""),
                "tool": (recorded.body.get("tool_choice") or {}).get("name", ""),
            }
        )
    return out


def _texts(message: dict[str, Any]) -> list[str]:
    content = message.get("content")
    if isinstance(content, str):
        return [content]
    return [b["text"] for b in content or [] if b.get("type") == "text"]


def main() -> None:
    fake = FakeAnthropic().start()
    print(json.dumps({"url": fake.url}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        if "script" in command:
            fake.script(*(step(s) for s in command["script"]))
            print(json.dumps({"queued": len(command["script"])}), flush=True)
        elif command.get("clear"):
            with fake.lock:
                dropped = len(fake.steps)
                fake.steps.clear()
            print(json.dumps({"dropped": dropped}), flush=True)
        elif command.get("requests"):
            print(json.dumps({"requests": summary(fake)}), flush=True)
    fake.stop()


if __name__ == "__main__":
    main()
