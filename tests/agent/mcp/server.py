"""A real stdio MCP server for the tests, on the official SDK.

``server.py calc``: tools ``add`` and ``write_note`` (writes a file, so the test sees it
ran), ``crash`` (the process dies mid-call), ``hang`` (never answers), ``whoami`` (the
``X-User`` header of the request, over HTTP), a prompt ``review`` and resources
``notes://today`` (text), ``notes://pixel`` (a PNG), ``notes://slow`` (never answers)
and ``notes://day/{day}`` (a template). ``server.py silent``: reads its input and
never answers anything.
``server.py notemplates``: calc without ``resources/templates/list``; ``noresources``:
without resources at all.
``server.py http PORT`` / ``server.py sse PORT``: the calc server over streamable HTTP
(``/mcp``) or SSE (``/sse``) on 127.0.0.1.
Each start appends a line to ``$MCP_TEST_LOG`` when set, so tests can count restarts.
"""

import base64
import os
import sys
import time
from pathlib import Path

PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


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
    from mcp.server.mcpserver import Context, MCPServer

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

    @app.tool(description="Who is calling (the X-User header).")
    def whoami(ctx: Context) -> str:
        headers = ctx.headers or {}
        return f"user={headers.get('x-user', '(none)')}"

    @app.resource("notes://today", description="Today's notes.", mime_type="text/plain")
    def today() -> str:
        return "Buy milk.\nShip the release."

    @app.resource("notes://pixel", description="A tiny image.", mime_type="image/png")
    def pixel() -> bytes:
        return PIXEL

    @app.resource("notes://slow", description="Never answers.")
    def slow() -> str:
        time.sleep(3600)
        return "unreachable"

    @app.resource("notes://day/{day}", description="Notes of one day.")
    def day(day: str) -> str:
        return f"Notes of {day}."

    @app.prompt(description="Review a file carefully.")
    def review(file: str, focus: str = "bugs") -> str:
        return f"Review {file} carefully, looking for {focus}."

    if mode == "notemplates":  # an older server: resources but no resources/templates/list
        app._lowlevel_server._request_handlers.pop("resources/templates/list")
    if mode == "noresources":  # tools only: no resources capability
        for method in ("resources/list", "resources/read", "resources/templates/list"):
            app._lowlevel_server._request_handlers.pop(method)
    if mode in ("http", "sse"):
        port = int(sys.argv[2])
        if mode == "http":
            app.run("streamable-http", host="127.0.0.1", port=port)
        else:
            app.run("sse", host="127.0.0.1", port=port)
    else:
        app.run()


if __name__ == "__main__":
    main()
