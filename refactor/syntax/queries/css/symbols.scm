; Document symbols: rule sets named by their selectors, at-rules (@media, @supports,
; @keyframes, @font-face …) named with their prelude, custom properties as variables.

(rule_set
  (selectors) @name) @symbol.class

; Several media queries keep their commas ("@media screen , print").
(media_statement
  "@media" @name
  [
    ","
    (feature_query)
    (keyword_query)
    (binary_query)
    (unary_query)
    (parenthesized_query)
    (selector_query)
  ]* @name) @symbol.module

(supports_statement
  "@supports" @name
  [
    ","
    (feature_query)
    (binary_query)
    (unary_query)
    (parenthesized_query)
    (selector_query)
  ]* @name) @symbol.module

(keyframes_statement
  ["@keyframes" (at_keyword)] @name
  (keyframes_name) @name) @symbol.module

(at_rule
  (at_keyword) @name
  (block)) @symbol.module

((declaration
  (property_name) @name
  .
  (_) @detail) @symbol.variable
 (#match? @name "^--"))
