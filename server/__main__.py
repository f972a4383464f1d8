"""The ``claude-lsp`` command.

``claude-lsp`` serves LSP over stdio (``--tcp``/``--ws`` for sockets);
``claude-lsp check`` runs the diagnostics headless; ``chat``, ``fix`` and ``rename`` are
added by their feature areas. Heavy modules are imported only by the subcommand that
needs them: stdout belongs to JSON-RPC and start-up must stay fast.
"""

from __future__ import annotations

import argparse
import logging
import sys

from server import __version__

SUBCOMMANDS = ("check", "chat", "fix", "rename", "review", "commit-message", "mcp", "trust")


class OneLineFormatter(logging.Formatter):
    """Log records on one line each; tracebacks only at DEBUG level."""

    def __init__(self, verbose: bool) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        if self._verbose:
            return super().format(record)
        record = logging.makeLogRecord(record.__dict__)
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            message = f"{message} ({type(exc).__name__}: {exc})"
        record.msg, record.args = _one_line(message), None
        record.exc_info = record.exc_text = None
        record.stack_info = None
        return super().format(record)


def _one_line(message: str) -> str:
    """First line, plus the last line of an embedded traceback (pygls embeds them)."""
    lines = [line for line in message.splitlines() if line.strip()]
    if len(lines) <= 1:
        return message.strip()
    if any("Traceback (most recent call last)" in line for line in lines):
        return f"{lines[0]} ({lines[-1].strip()})"
    return " | ".join(line.strip() for line in lines)


def setup_logging(level: str, log_file: str | None) -> None:
    numeric = getattr(logging, level.upper(), logging.WARNING)
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8")
        if log_file
        else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(OneLineFormatter(verbose=numeric <= logging.DEBUG))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)


def _address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host, int(port)


def server_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claude-lsp",
        description="claude-lsp language server. Serves LSP over stdio unless --tcp or --ws is "
        "given. Subcommands: " + ", ".join(SUBCOMMANDS) + " (see `claude-lsp SUBCOMMAND --help`).",
    )
    parser.add_argument("--version", action="version", version=f"claude-lsp {__version__}")
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument("--stdio", action="store_true", help="serve over stdio (default)")
    transport.add_argument("--tcp", type=_address, metavar="HOST:PORT", help="serve over TCP")
    transport.add_argument("--ws", type=_address, metavar="HOST:PORT", help="serve over WebSocket")
    add_logging_options(parser)
    return parser


def add_logging_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--log-file", metavar="PATH", help="log there instead of stderr")
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["debug", "info", "warning", "error"],
        help="log level (default: warning)",
    )


def serve(argv: list[str]) -> int:
    args = server_parser().parse_args(argv)
    setup_logging(args.log_level, args.log_file)
    from server import compile_cache

    cache = compile_cache.install()
    from server.app import create_server

    server = create_server()
    server.compile_cache = cache
    if args.tcp:
        server.start_tcp(*args.tcp)
    elif args.ws:
        server.start_ws(*args.ws)
    else:
        server.start_io()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else None
    if command == "check":
        from server.check import main as check_main

        return check_main(argv[1:])
    if command in ("fix", "rename"):
        from refactor.python import fix

        return (fix.fix_main if command == "fix" else fix.rename_main)(argv[1:])
    if command in ("review", "commit-message"):
        from agent import ai_cli

        run = ai_cli.review_main if command == "review" else ai_cli.commit_message_main
        return run(argv[1:])
    if command == "chat":
        from agent.cli import main as chat_main

        return int(chat_main(argv[1:]))
    if command == "mcp":
        from agent.mcp_cli import main as mcp_main

        return mcp_main(argv[1:])
    if command == "trust":
        return trust_main(argv[1:])
    return serve(argv)


def trust_main(argv: list[str]) -> int:
    """``claude-lsp trust [FOLDER]``: the user trusts the repository in FOLDER."""
    from pathlib import Path

    from agent.trust import trust

    parser = argparse.ArgumentParser(
        prog="claude-lsp trust",
        description="Trust a folder (default: the current one) as Claude Code's trust "
        "dialog does: its .claude settings' hooks, env, sandbox section, additional "
        "directories, bypassPermissions mode and project MCP approvals then apply.",
    )
    parser.add_argument("folder", nargs="?", default=".", type=Path)
    args = parser.parse_args(argv)
    folder = args.folder.resolve()
    if not folder.is_dir():
        print(f"claude-lsp trust: {folder} is not a folder", file=sys.stderr)
        return 2
    try:
        written = trust(folder)
    except (OSError, ValueError) as exc:
        print(f"claude-lsp trust: {exc}", file=sys.stderr)
        return 1
    print(f"Trusted {folder} (recorded in {written}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
