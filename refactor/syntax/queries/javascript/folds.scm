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
  (jsx_element)
  (jsx_self_closing_element)
] @fold

(comment) @fold.comment

(program
  (import_statement)+ @fold.imports)
