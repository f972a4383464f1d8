/**
 * LSP text edits applied to a string: what a file will look like after an edit, for the
 * review diff. Positions are UTF-16 code units (LSP's default encoding and JavaScript's
 * string indexing); lines end at `\n`, `\r\n` or `\r`.
 */

import type { Position, Range } from "./protocol";

export interface TextEdit {
  range: Range;
  newText: string;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (ch === 10 /* \n */) {
      starts.push(i + 1);
    }
  }
  return starts;
}

/** The offset of a position; past the end of a line clamps to the line's end, past the last line to the text's end. */
export function offsetAt(text: string, starts: readonly number[], position: Position): number {
  if (position.line >= starts.length) return text.length;
  const start = starts[position.line];
  let end = position.line + 1 < starts.length ? starts[position.line + 1] : text.length;
  while (end > start && (text[end - 1] === "\n" || text[end - 1] === "\r")) end--;
  return Math.min(start + Math.max(0, position.character), end);
}

/**
 * Applies non-overlapping edits; edits at the same position apply in the order given
 * (the LSP rule). Throws on overlapping edits, which a well-formed edit never has.
 */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const starts = lineStarts(text);
  const resolved = edits
    .map((edit, index) => ({ start: offsetAt(text, starts, edit.range.start), end: offsetAt(text, starts, edit.range.end), text: edit.newText, index }))
    .sort((a, b) => a.start - b.start || a.index - b.index);
  let out = "";
  let cursor = 0;
  for (const edit of resolved) {
    if (edit.start < cursor) throw new Error("overlapping text edits");
    out += text.slice(cursor, edit.start) + edit.text;
    cursor = Math.max(cursor, edit.end);
  }
  return out + text.slice(cursor);
}
