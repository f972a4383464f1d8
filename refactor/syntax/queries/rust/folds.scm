[
  (block)
  (declaration_list)
  (field_declaration_list)
  (ordered_field_declaration_list)
  (enum_variant_list)
  (field_initializer_list)
  (match_block)
  (parameters)
  (arguments)
  (type_arguments)
  (type_parameters)
  (use_list)
  (array_expression)
  (tuple_expression)
  (token_tree)
  (macro_definition)
  (where_clause)
  (raw_string_literal)
] @fold

(block_comment) @fold.comment

(source_file
  [(use_declaration) (extern_crate_declaration)]+ @fold.imports)
