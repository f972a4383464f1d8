; Document symbols, kept quiet: headings (named by their text) and elements with an id
; (named tag#id, like VS Code's HTML outline), nested by containment.

((element
  (start_tag
    (tag_name) @_tag)
  [(text) @name (element (text) @name)]+) @symbol.string
 (#match? @_tag "^[hH][1-6]$"))

((element
  [(start_tag
     (tag_name) @name
     (attribute
       (attribute_name) @_attribute
       [(attribute_value) @name (quoted_attribute_value (attribute_value) @name)]))
   (self_closing_tag
     (tag_name) @name
     (attribute
       (attribute_name) @_attribute
       [(attribute_value) @name (quoted_attribute_value (attribute_value) @name)]))]) @symbol.field
 (#match? @_attribute "^[iI][dD]$")
 (#set! name.join "#"))

([(script_element
    (start_tag
      (tag_name) @name
      (attribute
        (attribute_name) @_attribute
        [(attribute_value) @name (quoted_attribute_value (attribute_value) @name)])))
  (style_element
    (start_tag
      (tag_name) @name
      (attribute
        (attribute_name) @_attribute
        [(attribute_value) @name (quoted_attribute_value (attribute_value) @name)])))]
  @symbol.field
 (#match? @_attribute "^[iI][dD]$")
 (#set! name.join "#"))
