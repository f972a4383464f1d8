; inherits: c
; Document symbols: @symbol.<kind> is the definition, @name its name.
; When several patterns capture the same node, the first one here wins.
; "Top level" includes preprocessor conditionals, so headers with include guards work.
; Methods declared or defined in a class body nest under it; out-of-line definitions keep
; their qualified name (Registry<T>::add), as in clangd.
; c/symbols.scm is appended after these patterns (typedefs, enumerators, global variables,
; macros); the C++ forms here (qualified names, references, constexpr) win over its C forms.

(namespace_definition
  name: (_) @name) @symbol.namespace

(namespace_definition
  !name
  "namespace" @name) @symbol.namespace

(class_specifier
  name: (_) @name
  body: (_)) @symbol.class

; A member function named after its class is a constructor.
([(class_specifier
    name: (type_identifier) @_class
    body: (field_declaration_list
      [(function_definition
         declarator: (function_declarator
           declarator: (identifier) @name
           parameters: (parameter_list) @detail))
       (declaration
         declarator: (function_declarator
           declarator: (identifier) @name
           parameters: (parameter_list) @detail))] @symbol.constructor))
  (struct_specifier
    name: (type_identifier) @_class
    body: (field_declaration_list
      [(function_definition
         declarator: (function_declarator
           declarator: (identifier) @name
           parameters: (parameter_list) @detail))
       (declaration
         declarator: (function_declarator
           declarator: (identifier) @name
           parameters: (parameter_list) @detail))] @symbol.constructor))]
 (#eq? @name @_class))

(function_definition
  declarator: [
    (function_declarator
      declarator: (_) @name
      parameters: (parameter_list) @detail)
    (pointer_declarator
      declarator: (function_declarator
        declarator: (_) @name
        parameters: (parameter_list) @detail))
    (pointer_declarator
      declarator: (pointer_declarator
        declarator: (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail)))
    (reference_declarator
      (function_declarator
        declarator: (_) @name
        parameters: (parameter_list) @detail))
  ]) @symbol.function

; Method declarations in a class body.
(field_declaration
  declarator: [
    (function_declarator
      declarator: (_) @name
      parameters: (parameter_list) @detail)
    (pointer_declarator
      declarator: (function_declarator
        declarator: (_) @name
        parameters: (parameter_list) @detail))
    (pointer_declarator
      declarator: (pointer_declarator
        declarator: (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail)))
    (reference_declarator
      (function_declarator
        declarator: (_) @name
        parameters: (parameter_list) @detail))
  ]) @symbol.function

; Prototypes at the top level. (and constructors/destructors declared in a class).
(translation_unit
  (declaration
    declarator: [
      (function_declarator
        declarator: (_) @name
        parameters: (parameter_list) @detail)
      (pointer_declarator
        declarator: (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
      (pointer_declarator
        declarator: (pointer_declarator
          declarator: (function_declarator
            declarator: (_) @name
            parameters: (parameter_list) @detail)))
      (reference_declarator
        (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
    ]) @symbol.function)

(preproc_if
  (declaration
    declarator: [
      (function_declarator
        declarator: (_) @name
        parameters: (parameter_list) @detail)
      (pointer_declarator
        declarator: (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
      (pointer_declarator
        declarator: (pointer_declarator
          declarator: (function_declarator
            declarator: (_) @name
            parameters: (parameter_list) @detail)))
      (reference_declarator
        (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
    ]) @symbol.function)

(preproc_ifdef
  (declaration
    declarator: [
      (function_declarator
        declarator: (_) @name
        parameters: (parameter_list) @detail)
      (pointer_declarator
        declarator: (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
      (pointer_declarator
        declarator: (pointer_declarator
          declarator: (function_declarator
            declarator: (_) @name
            parameters: (parameter_list) @detail)))
      (reference_declarator
        (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
    ]) @symbol.function)

(preproc_else
  (declaration
    declarator: [
      (function_declarator
        declarator: (_) @name
        parameters: (parameter_list) @detail)
      (pointer_declarator
        declarator: (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
      (pointer_declarator
        declarator: (pointer_declarator
          declarator: (function_declarator
            declarator: (_) @name
            parameters: (parameter_list) @detail)))
      (reference_declarator
        (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
    ]) @symbol.function)

(preproc_elif
  (declaration
    declarator: [
      (function_declarator
        declarator: (_) @name
        parameters: (parameter_list) @detail)
      (pointer_declarator
        declarator: (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
      (pointer_declarator
        declarator: (pointer_declarator
          declarator: (function_declarator
            declarator: (_) @name
            parameters: (parameter_list) @detail)))
      (reference_declarator
        (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
    ]) @symbol.function)

(declaration_list
  (declaration
    declarator: [
      (function_declarator
        declarator: (_) @name
        parameters: (parameter_list) @detail)
      (pointer_declarator
        declarator: (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
      (pointer_declarator
        declarator: (pointer_declarator
          declarator: (function_declarator
            declarator: (_) @name
            parameters: (parameter_list) @detail)))
      (reference_declarator
        (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
    ]) @symbol.function)

(template_declaration
  (declaration
    declarator: [
      (function_declarator
        declarator: (_) @name
        parameters: (parameter_list) @detail)
      (pointer_declarator
        declarator: (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
      (pointer_declarator
        declarator: (pointer_declarator
          declarator: (function_declarator
            declarator: (_) @name
            parameters: (parameter_list) @detail)))
      (reference_declarator
        (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
    ]) @symbol.function)

(field_declaration_list
  (declaration
    declarator: [
      (function_declarator
        declarator: (_) @name
        parameters: (parameter_list) @detail)
      (pointer_declarator
        declarator: (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
      (pointer_declarator
        declarator: (pointer_declarator
          declarator: (function_declarator
            declarator: (_) @name
            parameters: (parameter_list) @detail)))
      (reference_declarator
        (function_declarator
          declarator: (_) @name
          parameters: (parameter_list) @detail))
    ]) @symbol.function)

(alias_declaration
  name: (type_identifier) @name
  type: (_) @detail) @symbol.typeparameter

(struct_specifier
  name: (_) @name
  body: (_)) @symbol.struct

(union_specifier
  name: (_) @name
  body: (_)) @symbol.struct

(enum_specifier
  name: (_) @name
  body: (_)) @symbol.enum

(field_declaration
  type: (_) @detail
  declarator: [
    (field_identifier) @name
    (pointer_declarator declarator: (field_identifier) @name)
    (pointer_declarator declarator: (pointer_declarator declarator: (field_identifier) @name))
    (array_declarator declarator: (field_identifier) @name)
    (reference_declarator (field_identifier) @name)
  ] @symbol.field)

; Global constants and variables.
(translation_unit
  (declaration
    (type_qualifier) @_qualifier
    (#match? @_qualifier "^(const|constexpr|constinit)$")
    type: (_) @detail
    declarator: [
      (identifier) @name
      (init_declarator
        declarator: (identifier) @name)
    ] @symbol.constant))

(preproc_if
  (declaration
    (type_qualifier) @_qualifier
    (#match? @_qualifier "^(const|constexpr|constinit)$")
    type: (_) @detail
    declarator: [
      (identifier) @name
      (init_declarator
        declarator: (identifier) @name)
    ] @symbol.constant))

(preproc_ifdef
  (declaration
    (type_qualifier) @_qualifier
    (#match? @_qualifier "^(const|constexpr|constinit)$")
    type: (_) @detail
    declarator: [
      (identifier) @name
      (init_declarator
        declarator: (identifier) @name)
    ] @symbol.constant))

(preproc_else
  (declaration
    (type_qualifier) @_qualifier
    (#match? @_qualifier "^(const|constexpr|constinit)$")
    type: (_) @detail
    declarator: [
      (identifier) @name
      (init_declarator
        declarator: (identifier) @name)
    ] @symbol.constant))

(preproc_elif
  (declaration
    (type_qualifier) @_qualifier
    (#match? @_qualifier "^(const|constexpr|constinit)$")
    type: (_) @detail
    declarator: [
      (identifier) @name
      (init_declarator
        declarator: (identifier) @name)
    ] @symbol.constant))

(declaration_list
  (declaration
    (type_qualifier) @_qualifier
    (#match? @_qualifier "^(const|constexpr|constinit)$")
    type: (_) @detail
    declarator: [
      (identifier) @name
      (init_declarator
        declarator: (identifier) @name)
    ] @symbol.constant))

(declaration_list
  (declaration
    type: (_) @detail
    declarator: [
      (identifier) @name
      (pointer_declarator declarator: (identifier) @name)
      (array_declarator declarator: (identifier) @name)
      (init_declarator
        declarator: [
          (identifier) @name
          (pointer_declarator declarator: (identifier) @name)
          (array_declarator declarator: (identifier) @name)
        ])
    ] @symbol.variable))
