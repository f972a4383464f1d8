; Document symbols: every mapping key is a key, nested by containment; a scalar value is
; the detail. A mapping inside a sequence is an object named after its first pair
; ("name: Checkout"), so lists of records (CI steps, k8s containers) stay readable.

(block_mapping_pair
  key: (_) @name
  value: (flow_node)? @detail) @symbol.key

(flow_pair
  key: (_) @name
  value: (flow_node)? @detail) @symbol.key

((block_sequence_item
  (block_node
    (block_mapping
      .
      (block_mapping_pair
        key: (_) @name
        value: (flow_node [(plain_scalar) (double_quote_scalar) (single_quote_scalar)]) @name))))
   @symbol.object
 (#set! name.join ": "))

(block_sequence_item
  (block_node
    (block_mapping
      .
      (block_mapping_pair
        key: (_) @name)))) @symbol.object
