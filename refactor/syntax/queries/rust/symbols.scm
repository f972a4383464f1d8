; Document symbols: @symbol.<kind> is the definition, @name its name.
; When several patterns capture the same node, the first one here wins.
; Kinds follow rust-analyzer: trait -> interface, impl -> object (named after the type,
; the trait as detail), type alias -> typeparameter, macro -> function.

(function_item
  name: (identifier) @name
  parameters: (parameters) @detail) @symbol.function

(function_signature_item
  name: (identifier) @name
  parameters: (parameters) @detail) @symbol.function

(struct_item
  name: (type_identifier) @name) @symbol.struct

(union_item
  name: (type_identifier) @name) @symbol.struct

(enum_item
  name: (type_identifier) @name) @symbol.enum

(enum_variant
  name: (identifier) @name) @symbol.enummember

(trait_item
  name: (type_identifier) @name) @symbol.interface

(impl_item
  trait: (_) @detail
  type: (_) @name) @symbol.object

(impl_item
  type: (_) @name) @symbol.object

(type_item
  name: (type_identifier) @name
  type: (_) @detail) @symbol.typeparameter

(associated_type
  name: (type_identifier) @name) @symbol.typeparameter

(mod_item
  name: (identifier) @name) @symbol.module

(const_item
  name: (identifier) @name
  type: (_) @detail) @symbol.constant

(static_item
  name: (identifier) @name
  type: (_) @detail) @symbol.variable

(field_declaration
  name: (field_identifier) @name
  type: (_) @detail) @symbol.field

(macro_definition
  name: (identifier) @name) @symbol.function
