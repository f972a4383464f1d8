[
  (compound_statement)
  (declaration_list)
  (field_declaration_list)
  (enumerator_list)
  (initializer_list)
  (parameter_list)
  (argument_list)
  (template_argument_list)
  (case_statement)
  (raw_string_literal)
  (preproc_if)
  (preproc_ifdef)
  (preproc_else)
  (preproc_elif)
] @fold

(comment) @fold.comment

(preproc_include)+ @fold.imports
