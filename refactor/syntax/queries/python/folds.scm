[
  (class_definition)
  (function_definition)
  (if_statement)
  (elif_clause)
  (else_clause)
  (for_statement)
  (while_statement)
  (try_statement)
  (except_clause)
  (finally_clause)
  (with_statement)
  (match_statement)
  (case_clause)
  (dictionary)
  (list)
  (set)
  (tuple)
  (argument_list)
  (parameters)
  (string)
] @fold

(comment) @fold.comment

(module
  [(import_statement) (import_from_statement)]+ @fold.imports)
