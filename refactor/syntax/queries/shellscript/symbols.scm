; Document symbols: functions, and variables assigned at the top level
; (readonly ones are constants).

(function_definition
  name: (word) @name) @symbol.function

(program
  (declaration_command
    "readonly"
    (variable_assignment
      name: (variable_name) @name
      value: (_)? @detail) @symbol.constant))

(program
  (declaration_command
    (variable_assignment
      name: (variable_name) @name
      value: (_)? @detail) @symbol.variable))

(program
  (variable_assignment
    name: (variable_name) @name
    value: (_)? @detail) @symbol.variable)
