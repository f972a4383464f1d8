; Document symbols: headings, as strings named by their text. An ATX heading owns its
; section (up to the next heading of the same or a higher level), so sections nest;
; the block grammar gives setext headings no section, so they cover their own lines.

(section
  (atx_heading
    heading_content: (inline) @name)) @symbol.string

(setext_heading
  heading_content: (paragraph (inline) @name)) @symbol.string
