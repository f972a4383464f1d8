; Symbols shared by javascript and typescript (inherited by both, after their own patterns):
; use only nodes and fields that the javascript, typescript and tsx grammars all have.

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
