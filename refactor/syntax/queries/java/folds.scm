[
  (class_body)
  (interface_body)
  (enum_body)
  (annotation_type_body)
  (block)
  (constructor_body)
  (switch_block)
  (switch_block_statement_group)
  (switch_rule)
  (array_initializer)
  (element_value_array_initializer)
  (argument_list)
  (formal_parameters)
  (string_literal)
] @fold

(block_comment) @fold.comment

(program
  (import_declaration)+ @fold.imports)
