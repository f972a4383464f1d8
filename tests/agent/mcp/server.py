"""A real stdio MCP server for the tests, on the official SDK.

``server.py calc``: tools ``add`` and ``write_note`` (writes a file, so the test sees it
ran), ``crash`` (the process dies mid-call), ``hang`` (never answers) and a prompt
``review``. ``server.py silent``: reads its input and never answers anything.
Each start appends a line to ``$MCP_TEST_LOG`` when set, so tests can count restarts.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "calc"
    log = os.environ.get("MCP_TEST_LOG")
    if log:
        with open(log, "a") as f:
            f.write(f"start {mode} {os.getpid()}\n")
    print(f"test server {mode} starting", file=sys.stderr, flush=True)
    if mode == "silent":
        for _ in sys.stdin:
            pass
        time.sleep(3600)
        return
    from mcp.server.mcpserver import MCPServer

    app = MCPServer("calc")

    @app.tool(description="Add two integers.")
    def add(a: int, b: int) -> str:
        return str(a + b)

    @app.tool(description="Write a note file in the server's folder.")
    def write_note(name: str, text: str) -> str:
        Path(name).write_text(text)
        return f"wrote {name}"

    @app.tool(description="Crash the server.")
    def crash() -> str:
        print("about to crash", file=sys.stderr, flush=True)
        os._exit(3)

    @app.tool(description="Never answer.")
    def hang() -> str:
        time.sleep(3600)
        return "unreachable"

    @app.prompt(description="Review a file carefully.")
    def review(file: str, focus: str = "bugs") -> str:
        return f"Review {file} carefully, looking for {focus}."

    app.run()


if __name__ == "__main__":
    main()
