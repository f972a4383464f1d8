// Negative control: with a server path that does not exist, the Problems scenario
// must fail (so a passing run means the server really produced the diagnostics), and
// the user is told, with the log one click away. Then the bootstrap's own failure: no
// Python ≥ 3.11 is one clear notification, never a silent failure.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { makeWorkspace, openBrowser, openFile, startCodeServer, withScreenshot } from "./harness.mjs";
import { FILES, syntaxErrorInProblems } from "./scenarios.mjs";

describe("negative control", () => {
  let server, browser;
  before(async () => {
    server = await startCodeServer({ workspace: makeWorkspace(FILES), settings: { "claude-lsp.server.path": ["/nonexistent/claude-lsp"] } });
    browser = await openBrowser(server);
  });
  after(async () => {
    await browser?.close();
    await server?.stop("negative-control");
  });

  it("a broken server path makes the Problems scenario fail, with an error to act on", { timeout: 120_000 }, async () => {
    const page = browser.page;
    await assert.rejects(syntaxErrorInProblems(page, 20_000), /Timeout|timed out/i);
    const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "could not start" }).first();
    await toast.waitFor({ timeout: 20_000 });
    await toast.getByText("Show Logs").waitFor();
  });
});

describe("no suitable Python for the bundled server", () => {
  let server, browser;
  before(async () => {
    // The configured Python is 3.9: the bootstrap must refuse, and say so. (code-server's
    // extension host does not keep this process's PATH: it found Debian's python3 first.)
    const bin = mkdtempSync(path.join(os.tmpdir(), "claude-lsp-e2e-oldpython-"));
    const python = path.join(bin, "python3.9");
    writeFileSync(python, "#!/bin/sh\necho 3.9.18\n", { mode: 0o755 });
    server = await startCodeServer({ workspace: makeWorkspace(FILES), settings: { "claude-lsp.server.python": python } });
    browser = await openBrowser(server);
  });
  after(async () => {
    await browser?.close();
    await server?.stop("old-python");
  });

  it("tells the user what to do, with the log one click away", { timeout: 120_000 }, async () => {
    const page = browser.page;
    await withScreenshot(page, "old-python", async () => {
      await openFile(page, "broken.py");
      const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "needs Python 3.11 or newer" }).first();
      await toast.waitFor({ timeout: 60_000 });
      const text = await toast.textContent();
      assert.match(text, /Python 3\.9\.18, too old/);
      await toast.getByText("Show Logs").click();
      await page.locator(".part.panel .monaco-editor .view-line", { hasText: "looking for Python" }).first().waitFor({ timeout: 20_000 });
    });
  });
});
