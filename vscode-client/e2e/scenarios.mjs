// The user-visible checks, shared by the main run and the negative control.
import { editorText, openFile, waitFor } from "./harness.mjs";

export const FILES = {
  "broken.py": 'def greet(name:\n    return "hi " + name\n',
  "shop.py": "def price(items):\n    return sum(items) * 2\n\n\nTOTAL = price([1, 2])\n",
  "app.py": 'def main():\n    print("hi")\n',
  "fixme.py": "def twice(x:\n    return x * 2\n",
  "circle.py": "import math\n\n\ndef area(r):\n",
};

/** A Python file with a syntax error shows it in the Problems panel. */
export async function syntaxErrorInProblems(page, timeout) {
  await openFile(page, "broken.py");
  await page.locator(".editor-instance .squiggly-error").first().waitFor({ timeout });
  await page.keyboard.press("Control+Shift+M");
  const row = page.locator(".markers-panel .monaco-list-row", { hasText: "was never closed" }).first();
  await row.waitFor({ timeout: 10_000 });
  const text = await row.textContent();
  if (!text.includes("claude-lsp")) throw new Error(`the Problems entry does not name its source: ${text}`);
  return text;
}

/** Opens the light bulb menu (Ctrl+.) at the cursor and runs the entry with this title (or starting with it). */
export async function pickCodeAction(page, title, { prefix = false } = {}) {
  // Right after an edit or a save VS Code may answer Ctrl+. from its stale light-bulb
  // state ("No code actions available") without asking the server: ask again.
  const row = page.locator(".action-widget .monaco-list-row", { hasText: title }).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press("Control+.");
    try {
      await row.waitFor({ timeout: 8_000 });
      break;
    } catch (error) {
      if (attempt === 4) throw error;
      await page.keyboard.press("Escape");
      await page.waitForTimeout(1_000);
    }
  }
  // The menu's pointer block swallows clicks in headless Chromium: pick with the keyboard.
  await waitFor(`${title} to be the focused menu entry`, async () => {
    const focused = await page.locator(".action-widget .monaco-list-row.focused").getAttribute("aria-label", { timeout: 1_000 });
    if (focused === title || (prefix && focused?.startsWith(title))) return true;
    await page.keyboard.press("ArrowDown");
    return false;
  }, 10_000);
  await page.keyboard.press("Enter");
}

/** Extract variable from the light bulb menu (Ctrl+.) on a selection changes the text. */
export async function lightBulbRefactor(page) {
  await openFile(page, "shop.py");
  await page.locator(".editor-instance .monaco-editor textarea").first().focus();
  await page.keyboard.press("Control+G");
  await page.keyboard.type("2:12");
  await page.keyboard.press("Enter");
  for (let i = 0; i < "sum(items)".length; i++) await page.keyboard.press("Shift+ArrowRight");
  await pickCodeAction(page, "Extract variable");
  return waitFor("the extracted variable in the editor", async () => {
    const text = await editorText(page);
    return /extracted = sum\(items\)/.test(text) && /return extracted \* 2/.test(text) ? text : undefined;
  }, 20_000);
}
