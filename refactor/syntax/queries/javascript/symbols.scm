; Document symbols: @symbol.<kind> is the definition, @name its name.
; When several patterns capture the same node, the first one here wins.

(class_declaration
  name: (identifier) @name
  (class_heritage)? @detail) @symbol.class

(function_declaration
  name: (identifier) @name
  parameters: (formal_parameters) @detail) @symbol.function

(generator_function_declaration
  name: (identifier) @name
  parameters: (formal_parameters) @detail) @symbol.function

; Class members and object-literal methods.
(method_definition
  name: (property_identifier) @name
  (#eq? @name "constructor")
  parameters: (formal_parameters) @detail) @symbol.constructor

(method_definition
  ["get" "set"]
  name: (_) @name) @symbol.property

(method_definition
  name: (_) @name
  parameters: (formal_parameters) @detail) @symbol.method

(field_definition
  property: (_) @name) @symbol.field

(pair
  key: (_) @name
  value: [
    (function_expression parameters: (formal_parameters) @detail)
    (arrow_function parameters: (formal_parameters)? @detail)
  ]) @symbol.method

; export default class { … } / function () { … } / () => …, named "default".
(export_statement
  "default" @name
  value: (class)) @symbol.class

(export_statement
  "default" @name
  value: [
    (function_expression parameters: (formal_parameters) @detail)
    (arrow_function parameters: (formal_parameters)? @detail)
  ]) @symbol.function

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

; Other top-level bindings.
(program
  (lexical_declaration
    kind: "const"
    (variable_declarator
      name: (identifier) @name) @symbol.constant))

(program
  (export_statement
    (lexical_declaration
      kind: "const"
      (variable_declarator
        name: (identifier) @name) @symbol.constant)))

(program
  [(lexical_declaration
     (variable_declarator
       name: (identifier) @name) @symbol.variable)
   (variable_declaration
     (variable_declarator
       name: (identifier) @name) @symbol.variable)
   (export_statement
     [(lexical_declaration
        (variable_declarator
          name: (identifier) @name) @symbol.variable)
      (variable_declaration
        (variable_declarator
          name: (identifier) @name) @symbol.variable)])])
