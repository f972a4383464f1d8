; Document symbols: @symbol.<kind> is the definition, @name its name.
(class_definition
  name: (identifier) @name
  superclasses: (argument_list)? @detail) @symbol.class

(function_definition
  name: (identifier) @name
  parameters: (parameters) @detail) @symbol.function

(module
  (expression_statement
    (assignment
      left: (identifier) @name) @symbol.variable))

(class_definition
  body: (block
    (expression_statement
      (assignment
        left: (identifier) @name) @symbol.field)))
