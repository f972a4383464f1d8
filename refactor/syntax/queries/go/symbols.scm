; Document symbols: @symbol.<kind> is the definition, @name its name.
; When several patterns capture the same node, the first one here wins.
; Methods stay at the top level, as in gopls; their detail is the receiver.

(function_declaration
  name: (identifier) @name
  parameters: (parameter_list) @detail) @symbol.function

(method_declaration
  receiver: (parameter_list) @detail
  name: (field_identifier) @name) @symbol.method

(type_spec
  name: (type_identifier) @name
  type: (struct_type)) @symbol.struct

(type_spec
  name: (type_identifier) @name
  type: (interface_type)) @symbol.interface

(type_spec
  name: (type_identifier) @name
  type: (_) @detail) @symbol.class

(type_alias
  name: (type_identifier) @name
  type: (_) @detail) @symbol.typeparameter

(field_declaration
  name: (field_identifier) @name
  type: (_) @detail) @symbol.field

(method_elem
  name: (field_identifier) @name
  parameters: (parameter_list) @detail) @symbol.method

; Package-level constants and variables.
(source_file
  (const_declaration
    (const_spec
      name: (identifier) @name
      type: (_)? @detail) @symbol.constant))

(source_file
  (var_declaration
    [(var_spec
       name: (identifier) @name
       type: (_)? @detail) @symbol.variable
     (var_spec_list
       (var_spec
         name: (identifier) @name
         type: (_)? @detail) @symbol.variable)]))
