; Document symbols: [tables] are objects, [[array tables]] arrays (one per element),
; both named by their dotted key; every key = value pair is a key with a scalar value as
; detail. Inline tables nest by containment.

(table
  [(bare_key) (dotted_key) (quoted_key)] @name) @symbol.object

(table_array_element
  [(bare_key) (dotted_key) (quoted_key)] @name) @symbol.array

(pair
  [(bare_key) (dotted_key) (quoted_key)] @name
  [
    (string)
    (integer)
    (float)
    (boolean)
    (offset_date_time)
    (local_date_time)
    (local_date)
    (local_time)
  ]? @detail) @symbol.key
