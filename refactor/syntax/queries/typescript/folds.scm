; Shared by typescript and typescriptreact (TSX): use only nodes both grammars have
; (so no jsx_* nodes; a parenthesised JSX block still folds).
[
  (class_body)
  (interface_body)
  (enum_body)
  (object_type)
  (statement_block)
  (switch_body)
  (switch_case)
  (switch_default)
  (object)
  (array)
  (object_pattern)
  (array_pattern)
  (arguments)
  (formal_parameters)
  (type_arguments)
  (type_parameters)
  (parenthesized_expression)
  (named_imports)
  (export_clause)
  (template_string)
] @fold

(comment) @fold.comment

(program
  (import_statement)+ @fold.imports)
