; Document symbols: @symbol.<kind> is the definition, @name its name.
; When several patterns capture the same node, the first one here wins.

(class_declaration
  name: (identifier) @name) @symbol.class

(record_declaration
  name: (identifier) @name
  parameters: (formal_parameters) @detail) @symbol.class

(interface_declaration
  name: (identifier) @name) @symbol.interface

(annotation_type_declaration
  name: (identifier) @name) @symbol.interface

(enum_declaration
  name: (identifier) @name) @symbol.enum

(enum_constant
  name: (identifier) @name) @symbol.enummember

(constructor_declaration
  name: (identifier) @name
  parameters: (formal_parameters) @detail) @symbol.constructor

(compact_constructor_declaration
  name: (identifier) @name) @symbol.constructor

(method_declaration
  name: (identifier) @name
  parameters: (formal_parameters) @detail) @symbol.method

(annotation_type_element_declaration
  type: (_) @detail
  name: (identifier) @name) @symbol.method

; static final fields are constants, as in jdtls.
(field_declaration
  (modifiers) @_modifiers
  (#match? @_modifiers "\\bstatic\\b")
  (#match? @_modifiers "\\bfinal\\b")
  type: (_) @detail
  declarator: (variable_declarator
    name: (identifier) @name) @symbol.constant)

(field_declaration
  type: (_) @detail
  declarator: (variable_declarator
    name: (identifier) @name) @symbol.field)

(constant_declaration
  type: (_) @detail
  declarator: (variable_declarator
    name: (identifier) @name) @symbol.constant)
