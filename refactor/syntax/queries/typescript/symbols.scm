; inherits: ecma
; Document symbols: @symbol.<kind> is the definition, @name its name.
; When several patterns capture the same node, the first one here wins.
; Shared by typescript and typescriptreact (TSX): use only nodes both grammars have.
; ecma/symbols.scm (functions, methods, object-literal methods, export default) is appended.

(class_declaration
  name: (type_identifier) @name
  (class_heritage)? @detail) @symbol.class

(abstract_class_declaration
  name: (type_identifier) @name
  (class_heritage)? @detail) @symbol.class

(interface_declaration
  name: (type_identifier) @name
  (extends_type_clause)? @detail) @symbol.interface

(type_alias_declaration
  name: (type_identifier) @name) @symbol.typeparameter

(enum_declaration
  name: (identifier) @name) @symbol.enum

(enum_body
  [(property_identifier) (string)] @name @symbol.enummember)

(enum_body
  (enum_assignment
    name: (_) @name) @symbol.enummember)

(internal_module
  name: (_) @name) @symbol.namespace

(module
  name: (_) @name) @symbol.module

(function_signature
  name: (identifier) @name
  parameters: (formal_parameters) @detail) @symbol.function

(abstract_method_signature
  name: (_) @name
  parameters: (formal_parameters) @detail) @symbol.method

(public_field_definition
  name: (_) @name
  type: (type_annotation)? @detail) @symbol.field

; Members of interfaces and of named object types (not inline parameter types).
(interface_body
  [(property_signature
     name: (_) @name
     type: (type_annotation)? @detail) @symbol.property
   (method_signature
     name: (_) @name
     parameters: (formal_parameters) @detail) @symbol.method
   (construct_signature
     "new" @name
     parameters: (formal_parameters) @detail) @symbol.constructor])

(type_alias_declaration
  value: (object_type
    [(property_signature
       name: (_) @name
       type: (type_annotation)? @detail) @symbol.property
     (method_signature
       name: (_) @name
       parameters: (formal_parameters) @detail) @symbol.method]))

; const f = () => {} / function () {} / class {} anywhere.
(variable_declarator
  name: (identifier) @name
  value: [
    (arrow_function parameters: (formal_parameters)? @detail)
    (function_expression parameters: (formal_parameters) @detail)
    (generator_function parameters: (formal_parameters) @detail)
  ]) @symbol.function

(variable_declarator
  name: (identifier) @name
  value: (class)) @symbol.class

; Other bindings at the top level and directly in a namespace.
(program
  [(lexical_declaration
     kind: "const"
     (variable_declarator
       name: (identifier) @name
       type: (type_annotation)? @detail) @symbol.constant)
   (export_statement
     (lexical_declaration
       kind: "const"
       (variable_declarator
         name: (identifier) @name
         type: (type_annotation)? @detail) @symbol.constant))])

(internal_module
  body: (statement_block
    [(lexical_declaration
       kind: "const"
       (variable_declarator
         name: (identifier) @name
         type: (type_annotation)? @detail) @symbol.constant)
     (export_statement
       (lexical_declaration
         kind: "const"
         (variable_declarator
           name: (identifier) @name
           type: (type_annotation)? @detail) @symbol.constant))]))

(program
  [(lexical_declaration
     (variable_declarator
       name: (identifier) @name
       type: (type_annotation)? @detail) @symbol.variable)
   (variable_declaration
     (variable_declarator
       name: (identifier) @name
       type: (type_annotation)? @detail) @symbol.variable)
   (export_statement
     [(lexical_declaration
        (variable_declarator
          name: (identifier) @name
          type: (type_annotation)? @detail) @symbol.variable)
      (variable_declaration
        (variable_declarator
          name: (identifier) @name
          type: (type_annotation)? @detail) @symbol.variable)])])
