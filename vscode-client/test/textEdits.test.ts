import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyTextEdits } from "../src/textEdits";

const at = (line: number, character: number) => ({ line, character });
const edit = (l1: number, c1: number, l2: number, c2: number, newText: string) => ({ range: { start: at(l1, c1), end: at(l2, c2) }, newText });

describe("applyTextEdits", () => {
  it("applies edits in any order, keeping CRLF lines", () => {
    const text = "def f():\r\n    return 1\r\n\r\nx = f()\r\n";
    const out = applyTextEdits(text, [edit(3, 0, 3, 1, "y"), edit(1, 11, 1, 12, "2")]);
    assert.equal(out, "def f():\r\n    return 2\r\n\r\ny = f()\r\n");
  });

  it("inserts at one position in the order given, and at the end of the text", () => {
    assert.equal(applyTextEdits("ab", [edit(0, 1, 0, 1, "1"), edit(0, 1, 0, 1, "2"), edit(5, 0, 5, 0, "!")]), "a12b!");
  });

  it("counts UTF-16 code units and clamps past the end of a line", () => {
    assert.equal(applyTextEdits("é😀x\nnext", [edit(0, 3, 0, 4, "y")]), "é😀y\nnext");
    assert.equal(applyTextEdits("ab\ncd", [edit(0, 99, 0, 99, "!")]), "ab!\ncd");
  });

  it("creates a file's content from empty, and refuses overlapping edits", () => {
    assert.equal(applyTextEdits("", [edit(0, 0, 0, 0, "print('hi')\n")]), "print('hi')\n");
    assert.throws(() => applyTextEdits("abcdef", [edit(0, 0, 0, 3, "x"), edit(0, 2, 0, 4, "y")]), /overlapping/);
  });
});
