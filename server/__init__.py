"""claude-lsp's LSP glue on pygls. Only protocol code lives here; the work is in
``refactor/`` and ``agent/``."""

__version__ = "0.1.0"
