"""``claude-lsp mcp list``: the MCP servers configured for a project, their state and
tools. Approved servers are started to list their tools, then stopped; project servers
that are not approved yet are shown as such and not started."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TextIO


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="claude-lsp mcp", description="MCP servers")
    sub = parser.add_subparsers(dest="action", required=True)
    listing = sub.add_parser("list", help="configured servers, their state and tools")
    listing.add_argument("--cwd", type=Path, help="project directory (default: current)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    cwd = (args.cwd or Path.cwd()).resolve()
    return asyncio.run(list_servers(cwd, sys.stdout, sys.stderr))


async def list_servers(cwd: Path, out: TextIO, err: TextIO) -> int:
    from agent.builder import project_settings
    from agent.fsport import FileSystemPort
    from agent.mcp import McpServers
    from agent.mcp_config import load_mcp_configs

    settings = project_settings(cwd)
    if note := settings.untrusted_note(cwd):
        err.write(f"warning: {note}.\n")
    configs = load_mcp_configs(cwd)
    if not configs:
        out.write("No MCP servers configured (.mcp.json, ~/.claude.json).\n")
        return 0
    port = FileSystemPort([cwd], False, out, err)
    servers = McpServers(configs, settings, cwd, port)
    try:
        await servers.tools()
        out.write(servers.describe() + "\n")
    finally:
        await servers.close()
    return 0
