[
  (section)
  (fenced_code_block)
  (indented_code_block)
  (list)
  (list_item)
  (block_quote)
  (html_block)
  (pipe_table)
] @fold
