; inherits: ecma
; Document symbols: @symbol.<kind> is the definition, @name its name.
; When several patterns capture the same node, the first one here wins.
; ecma/symbols.scm (functions, methods, object-literal methods, export default) is appended.

(class_declaration
  name: (identifier) @name
  (class_heritage)? @detail) @symbol.class

(field_definition
  property: (_) @name) @symbol.field

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
