; Document symbols: every pair is a key named after its key, nested by containment;
; a scalar value is the detail. Escapes stay as written ("a\"b" is a\"b).
; An object inside an array is an object named after its first pair ("name: build"),
; so lists of records stay readable.

((pair
  key: (string (_)+ @name)
  value: [(string) (number) (true) (false) (null)]? @detail) @symbol.key
 (#set! name.join ""))

; An empty key "".
(pair
  key: (string) @name
  value: [(string) (number) (true) (false) (null)]? @detail) @symbol.key

((array
  (object
    .
    (pair
      key: (string (string_content) @name)
      value: [
        (string (string_content) @name)
        (number) @name
        (true) @name
        (false) @name
      ])) @symbol.object)
 (#set! name.join ": "))

((array
  (object
    .
    (pair
      key: (string (_)+ @name))) @symbol.object)
 (#set! name.join ""))
