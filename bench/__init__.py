"""Benchmarks: claude-lsp against jedi-language-server, pylsp (and basedpyright, ruff)."""
