[
  (block)
  (keyframe_block_list)
] @fold

(comment) @fold.comment
