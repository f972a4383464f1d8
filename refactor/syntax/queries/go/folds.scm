[
  (block)
  (literal_value)
  (field_declaration_list)
  (interface_type)
  (import_spec_list)
  (const_declaration)
  (var_spec_list)
  (type_declaration "(")
  (parameter_list)
  (argument_list)
  (expression_switch_statement)
  (type_switch_statement)
  (select_statement)
  (expression_case)
  (type_case)
  (default_case)
  (communication_case)
  (raw_string_literal)
] @fold

(comment) @fold.comment

(source_file
  (import_declaration)+ @fold.imports)
