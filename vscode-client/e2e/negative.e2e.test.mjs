// Negative control: with a server path that does not exist, the Problems scenario
// must fail (so a passing run means the server really produced the diagnostics), and
// the user is told, with the log one click away.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeWorkspace, openBrowser, startCodeServer } from "./harness.mjs";
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
