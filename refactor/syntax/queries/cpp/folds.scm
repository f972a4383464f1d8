; inherits: c
[
  (declaration_list)
  (template_argument_list)
  (raw_string_literal)
] @fold
