; Elements with an end tag (a void <meta> runs on to the next tag, so it does not fold).
[
  (element (end_tag))
  (script_element)
  (style_element)
] @fold

(comment) @fold.comment
