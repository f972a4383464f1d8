[
  (compound_statement)
  (subshell)
  (if_statement)
  (elif_clause)
  (else_clause)
  (do_group)
  (case_statement)
  (case_item)
  (heredoc_body)
  (array)
  (raw_string)
  (string)
] @fold

(comment) @fold.comment
