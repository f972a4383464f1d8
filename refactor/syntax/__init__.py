"""Tree-sitter syntax features: parsing, syntax errors, symbols, folding, selection."""
