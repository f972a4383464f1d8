; Folds shared by javascript and typescript: use only nodes that the javascript, typescript
; and tsx grammars all have (so no jsx_* nodes).
[
  (class_body)
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
  (parenthesized_expression)
  (named_imports)
  (export_clause)
  (template_string)
] @fold

(comment) @fold.comment

(program
  (import_statement)+ @fold.imports)
