"""The claude-lsp engine: syntax (tree-sitter) and refactors. Never imports LSP types."""
