; inherits: ecma
; Shared by typescript and typescriptreact (TSX): use only nodes both grammars have
; (so no jsx_* nodes; a parenthesised JSX block still folds).
[
  (interface_body)
  (enum_body)
  (object_type)
  (type_arguments)
  (type_parameters)
] @fold
