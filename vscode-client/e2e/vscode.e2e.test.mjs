// End to end in real VS Code (code-server + headless Chromium), against the real
// Python server installed by the extension's bundled-wheel bootstrap (no server
// setting) and the loopback Anthropic-compatible API.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { artifacts, chatFrame, command, editorText, extensionLog, git, makeWorkspace, openBrowser, openFile, startCodeServer, startFakeApi, waitFor, withScreenshot } from "./harness.mjs";
import { FILES, lightBulbRefactor, pickCodeAction, syntaxErrorInProblems } from "./scenarios.mjs";

const API_KEY = "sk-ant-e2e-secret-key";

describe("VS Code with the claude-lsp extension", { concurrency: false }, () => {
  let fake, server, browser, page, workspace;

  before(async () => {
    fake = await startFakeApi();
    workspace = makeWorkspace(FILES);
    server = await startCodeServer({ workspace, env: { ANTHROPIC_BASE_URL: fake.url }, settings: { "claude-lsp.trace.server": "messages" } });
    browser = await openBrowser(server);
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
    await server?.stop("vscode-e2e");
    fake?.stop();
  });

  it("installs the bundled server on first start and shows a syntax error in the Problems panel", { timeout: 900_000 }, async (t) => {
    const entry = await withScreenshot(page, "problems", () => syntaxErrorInProblems(page, 840_000));
    t.diagnostic(`Problems: ${entry}`);
    const log = extensionLog(server.userData);
    const activation = /activated in ([\d.]+) ms/.exec(log);
    const install = /bundled server [^:]+: create took ([\d.]+) s/.exec(log);
    assert.ok(install, `the bundled server was not installed by the bootstrap:\n${log}`);
    assert.ok(activation, "no activation time in the log");
    t.diagnostic(`activation ${activation[1]} ms; first-start install ${install[1]} s`);
  });

  it("applies a refactor picked from the light bulb", { timeout: 120_000 }, async (t) => {
    const text = await withScreenshot(page, "refactor", () => lightBulbRefactor(page));
    t.diagnostic(text.split("\n").slice(0, 3).join(" | "));
  });

  it("warns in the status bar without credentials; Set API Key reaches the server", { timeout: 120_000 }, async () => {
    await withScreenshot(page, "credentials", async () => {
      await page.locator(".statusbar-item", { hasText: "no credentials" }).first().waitFor({ timeout: 30_000 });
      await command(page, "Claude LSP: Set API Key");
      const input = page.locator(".quick-input-widget input");
      await input.waitFor({ state: "visible" });
      await input.fill(API_KEY);
      await page.keyboard.press("Enter");
      await page.locator(".statusbar-item", { hasText: "tok" }).first().waitFor({ timeout: 60_000 });
      const log = extensionLog(server.userData);
      assert.ok(!log.includes(API_KEY), "the API key appears in the log");
      assert.match(log, /bundled server [^:]+: reusing /, "the restart installed the server again");
    });
  });

  it("streams the answer to a question; an edit accepted in the diff view changes the file", { timeout: 180_000 }, async () => {
    await fake.script(
      { content: [{ text: "Let me look at app.py." }, { tool: "Read", input: { file_path: path.join(workspace, "app.py") } }] },
      { content: [{ text: "I'll change the greeting." }, { tool: "Edit", input: { file_path: path.join(workspace, "app.py"), old_string: 'print("hi")', new_string: 'print("hello")' } }] },
      { content: [{ text: "Done: app.py now prints hello instead of hi, as you asked.", chunks: 10 }], delay: 0.2 },
    );
    await withScreenshot(page, "chat-edit", async () => {
      await command(page, "Claude LSP: Open Chat");
      const chat = chatFrame(page);
      await chat.locator("textarea").fill("Make main() say hello");
      await chat.locator("textarea").press("Enter");
      await chat.locator(".card.permission", { hasText: "Edit" }).getByText("Allow once").click({ timeout: 60_000 });
      // Review: VS Code's diff editor opens with Accept / Reject in its title bar.
      await page.locator(".tabs-container .tab", { hasText: "proposed edit" }).first().waitFor({ timeout: 30_000 });
      const diff = page.locator(".editor-instance .monaco-diff-editor");
      await diff.locator(".editor.modified .view-line", { hasText: 'print("hello")' }).first().waitFor({ timeout: 20_000 });
      await diff.locator(".editor.original .view-line", { hasText: 'print("hi")' }).first().waitFor({ timeout: 20_000 });
      assert.equal(readFileSync(path.join(workspace, "app.py"), "utf8"), FILES["app.py"], "changed before it was accepted");
      if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: path.join(artifacts, "chat-edit-review.png") });
      await page.locator('.editor-actions a.action-label[aria-label^="Accept Claude"]').first().click();
      const seen = new Set();
      const answer = chat.locator(".msg.assistant").last();
      const final = "Done: app.py now prints hello instead of hi, as you asked.";
      await waitFor("the streamed answer", async () => {
        const text = (await answer.textContent({ timeout: 1_000 }))?.trim() ?? "";
        seen.add(text);
        return text === final;
      }, 60_000);
      const partial = [...seen].filter((s) => s && s !== final && final.startsWith(s) && s.length > "I'll change".length);
      assert.ok(partial.length > 0, `the answer did not stream: saw ${JSON.stringify([...seen])}`);
      await chat.locator(".turn-done", { hasText: "Done" }).last().waitFor({ timeout: 30_000 });
      await waitFor("the file on disk to change", () => readFileSync(path.join(workspace, "app.py"), "utf8").includes('print("hello")'), 20_000);
      const requests = await fake.requests();
      assert.ok(requests.length >= 2 && requests.every((r) => r.credential.includes(API_KEY)), "the model was not called with the stored key");
    });
  });

  it("a denied permission produces the model's reply and runs nothing", { timeout: 180_000 }, async () => {
    await fake.script(
      // Bash runs unasked inside the OS sandbox; a Write in the default mode still asks.
      { content: [{ tool: "Write", input: { file_path: path.join(workspace, "ran.txt"), content: "ran\n" } }] },
      { content: [{ text: "Understood: I did not write the file, since you denied it." }] },
    );
    await withScreenshot(page, "chat-deny", async () => {
      const chat = chatFrame(page);
      await chat.getByRole("button", { name: "New chat" }).click();
      await chat.locator("textarea").fill("Run the setup script");
      await chat.locator("textarea").press("Enter");
      const card = chat.locator(".card.permission", { hasText: "Write" });
      await card.getByText("Deny").click({ timeout: 60_000 });
      await chat.locator(".msg.assistant", { hasText: "Understood: I did not write the file" }).waitFor({ timeout: 60_000 });
      await card.getByText("Denied").waitFor();
      assert.equal(existsSync(path.join(workspace, "ran.txt")), false, "the denied write happened");
      const last = (await fake.requests()).at(-1);
      const result = last.lastUser.find((b) => b.type === "tool_result");
      assert.ok(result?.is_error, `the model was not told the call was denied: ${JSON.stringify(last.lastUser)}`);
    });
  });

  it("completes slash commands and resumes an earlier session from the list", { timeout: 120_000 }, async () => {
    await fake.script({ content: [{ text: "Welcome back: main() prints hello now." }] });
    await withScreenshot(page, "chat-sessions", async () => {
      const chat = chatFrame(page);
      const input = chat.locator("textarea");
      await input.fill("");
      await input.pressSequentially("/cl");
      await chat.locator(".suggest li", { hasText: "/clear" }).waitFor({ timeout: 15_000 });
      await input.press("Tab");
      assert.equal(await input.inputValue(), "/clear ");
      await input.fill("");
      await chat.getByRole("button", { name: "Sessions" }).click();
      await chat.locator(".session").nth(1).waitFor({ timeout: 20_000 });
      await chat.locator(".session button.session-title", { hasText: "Make main() say hello" }).click();
      await chat.locator(".note", { hasText: "Resumed session" }).waitFor();
      await input.fill("Is it done?");
      await input.press("Enter");
      await chat.locator(".msg.assistant", { hasText: "Welcome back: main() prints hello now." }).waitFor({ timeout: 60_000 });
      const last = (await fake.requests()).at(-1);
      assert.ok(last.userTexts.some((t) => t.includes("Make main() say hello")), `the resumed turn lacks the session's history: ${JSON.stringify(last.userTexts)}`);
    });
  });

  it("an edit rejected in the diff view changes nothing and the model is told", { timeout: 180_000 }, async () => {
    const app = path.join(workspace, "app.py");
    const before = readFileSync(app, "utf8");
    await fake.script(
      { content: [{ tool: "Read", input: { file_path: app } }] },
      { content: [{ tool: "Edit", input: { file_path: app, old_string: 'print("hello")', new_string: 'print("howdy")' } }] },
      { content: [{ text: "Understood: I left app.py as it is." }] },
    );
    await withScreenshot(page, "chat-reject", async () => {
      const chat = chatFrame(page);
      await chat.getByRole("button", { name: "New chat" }).click();
      await chat.locator("textarea").fill("Make it say howdy");
      await chat.locator("textarea").press("Enter");
      await chat.locator(".card.permission", { hasText: "Edit" }).getByText("Allow once").click({ timeout: 60_000 });
      await page.locator(".tabs-container .tab", { hasText: "proposed edit" }).first().waitFor({ timeout: 30_000 });
      await page.locator('.editor-actions a.action-label[aria-label^="Reject Claude"]').first().click();
      await chat.locator(".msg.assistant", { hasText: "Understood: I left app.py as it is." }).waitFor({ timeout: 60_000 });
      await chat.locator(".card.review .decided", { hasText: "Rejected" }).waitFor();
      assert.equal(readFileSync(app, "utf8"), before, "a rejected edit changed the file");
      const result = (await fake.requests()).at(-1).lastUser.find((b) => b.type === "tool_result");
      assert.ok(result?.is_error && JSON.stringify(result.content).includes("rejected"), `the model was not told: ${JSON.stringify(result)}`);
    });
  });

  it("Fix with Claude in the light bulb is the server's action: the model's fix changes the text", { timeout: 180_000 }, async () => {
    const fix = { edits: [{ startLine: 1, endLine: 1, oldText: "def twice(x:", newText: "def twice(x):" }], summary: "Close the parameter list." };
    await fake.script({ content: [{ tool: "propose_edits", input: fix }] });
    await withScreenshot(page, "fix-with-claude", async () => {
      await openFile(page, "fixme.py");
      await page.locator(".editor-instance .squiggly-error").first().waitFor({ timeout: 30_000 });
      await page.locator(".editor-instance .monaco-editor textarea").first().focus();
      await page.keyboard.press("Control+G");
      await page.keyboard.type("1:12");
      await page.keyboard.press("Enter");
      await pickCodeAction(page, "Fix with Claude: ", { prefix: true });
      await waitFor("the fix in the editor", async () => (await editorText(page)).startsWith("def twice(x):\n    return x * 2"), 60_000);
      const request = (await fake.requests()).at(-1);
      assert.equal(request.tool, "propose_edits", "the fix did not come from the server's structured task");
      const texts = request.userTexts.join("\n");
      assert.ok(texts.includes("was never closed") && texts.includes("def twice(x:"), `the model did not get the diagnostic and the code: ${texts}`);
    });
  });

  it("Explain from the light bulb (the server's action) answers in the chat view", { timeout: 180_000 }, async () => {
    await fake.script({ content: [{ text: "twice returns its argument doubled." }] });
    await withScreenshot(page, "explain", async () => {
      await openFile(page, "fixme.py");
      await page.locator(".editor-instance .monaco-editor textarea").first().focus();
      await page.keyboard.press("Control+G");
      await page.keyboard.type("2:5");
      await page.keyboard.press("Enter");
      await pickCodeAction(page, "Explain ", { prefix: true });
      const chat = chatFrame(page);
      await chat.locator(".msg.assistant", { hasText: "twice returns its argument doubled." }).waitFor({ timeout: 60_000 });
      const texts = (await fake.requests()).at(-1).userTexts.join("\n");
      assert.ok(texts.includes("Explain the attached code") && texts.includes("return x * 2"), `the model did not get the request and the code: ${texts}`);
      await page.locator(".tabs-container .tab.active", { hasText: "fixme.py" }).waitFor({ timeout: 5_000 }); // no transcript document instead
    });
  });

  it("Review File with Claude is the server's review: its findings are diagnostics with source claude", { timeout: 180_000 }, async () => {
    writeFileSync(path.join(workspace, "stats.py"), "def mean(xs):\n    return sum(xs) / len(xs)\n"); // new: reviewed whole
    const finding = { line: 2, endLine: 2, severity: "warning", message: "mean([]) divides by zero" };
    await fake.script({ content: [{ tool: "report_findings", input: { findings: [finding] } }] });
    await withScreenshot(page, "review", async () => {
      await openFile(page, "stats.py");
      await command(page, "Claude LSP: Review File with Claude");
      await page.locator(".notification-toast", { hasText: "Claude: 1 finding in stats.py" }).first().waitFor({ timeout: 60_000 });
      await page.locator(".editor-instance .squiggly-warning").first().waitFor({ timeout: 10_000 });
      await page.keyboard.press("Escape");
      await page.keyboard.press("Control+Shift+M");
      const row = page.locator(".markers-panel .monaco-list-row", { hasText: "mean([]) divides by zero" }).first();
      await row.waitFor({ timeout: 10_000 });
      const text = await row.textContent();
      assert.match(text, /divides by zero\s*claude\(?review/, `the Problems entry does not name the source claude: ${text}`);
      assert.equal((await fake.requests()).at(-1).tool, "report_findings");
    });
  });

  it("Generate Commit Message in the Source Control title bar fills the commit box", { timeout: 180_000 }, async () => {
    git(workspace, "add", "app.py"); // the accepted edit: print("hi") → print("hello")
    await fake.script({ content: [{ tool: "commit_message", input: { subject: "Greet with hello", body: "Say hello." } }] });
    await withScreenshot(page, "commit-message", async () => {
      await page.keyboard.press("Escape");
      await page.keyboard.press("Control+Shift+G");
      const button = page.locator('.part.sidebar a.action-label[aria-label="Generate Commit Message with Claude"]').first();
      await button.click({ timeout: 30_000 });
      await page.locator(".scm-editor .view-line", { hasText: "Greet with hello" }).first().waitFor({ timeout: 60_000 });
      await page.locator(".scm-editor .view-line", { hasText: "Say hello." }).first().waitFor({ timeout: 10_000 });
      const request = (await fake.requests()).at(-1);
      assert.equal(request.tool, "commit_message", "the message did not come from the server's claude.commitMessage");
      const texts = request.userTexts.join("\n");
      assert.ok(texts.includes('+    print("hello")'), `the model did not get the staged diff: ${texts}`);
    });
  });

  it("attaches the open file as context, and Stop cancels a streaming answer", { timeout: 180_000 }, async () => {
    const long = "Reading broken.py: " + "the signature of greet is missing its closing parenthesis; ".repeat(8);
    await fake.script({ content: [{ text: long, chunks: 40 }], delay: 0.4 });
    await withScreenshot(page, "chat-stop", async () => {
      await openFile(page, "broken.py");
      await command(page, "Claude LSP: Open Chat");
      const chat = chatFrame(page);
      await chat.getByRole("button", { name: "New chat" }).click();
      await chat.getByRole("button", { name: "+ File" }).click();
      await chat.locator(".chip", { hasText: "broken.py" }).waitFor();
      await chat.locator("textarea").fill("What is wrong here?");
      await chat.locator("textarea").press("Enter");
      await chat.locator(".msg.assistant", { hasText: "Reading broken.py" }).waitFor({ timeout: 60_000 });
      await chat.getByRole("button", { name: "Stop" }).click();
      await chat.locator(".turn-done", { hasText: "Stopped: cancelled" }).waitFor({ timeout: 30_000 });
      const shown = await chat.locator(".msg.assistant").last().textContent();
      assert.ok(shown.length < long.trim().length, "the whole answer arrived: Stop did not stop it");
      const texts = (await fake.requests()).at(-1).userTexts.join("\n");
      assert.ok(texts.includes("What is wrong here?") && texts.includes("def greet(name:"), `the file was not attached: ${texts}`);
    });
  });

  it("settings changed in VS Code reach the running server: inline completions turn on, from the configured model", { timeout: 180_000 }, async () => {
    const starts = () => extensionLog(server.userData).split("starting the server:").length;
    const before = starts();
    // Edited as a user would: in the user settings.json editor, saved.
    const settingsFile = path.join(server.userData, "User", "settings.json");
    const settings = {
      ...JSON.parse(readFileSync(settingsFile, "utf8")),
      "claude-lsp.completion.enable": true,
      "claude-lsp.completion.model": "claude-haiku-e2e",
      "editor.quickSuggestions": { other: false, comments: false, strings: false },
    };
    await command(page, "Preferences: Open User Settings (JSON)");
    await page.locator(".tabs-container .tab.active", { hasText: "settings.json" }).waitFor({ timeout: 20_000 });
    await page.locator(".editor-instance .monaco-editor textarea").first().focus();
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(JSON.stringify(settings, null, 2));
    await page.keyboard.press("Control+Shift+End"); // the brackets the editor closed by itself
    await page.keyboard.press("Delete");
    await page.keyboard.press("Control+S");
    await waitFor("settings.json saved", () => JSON.parse(readFileSync(settingsFile, "utf8"))["claude-lsp.completion.enable"] === true, 20_000);
    // A few replies: every pause in the typing may ask for one.
    const reply = { content: [{ tool: "insert_completion", input: { text: "math.pi * r ** 2" } }] };
    await fake.script(reply, reply, reply, reply, reply, reply);
    await withScreenshot(page, "inline-completion", async () => {
      await openFile(page, "circle.py");
      await page.locator(".editor-instance .monaco-editor textarea").first().focus();
      await page.keyboard.press("Control+End");
      await page.keyboard.type("    return ", { delay: 30 });
      await page.locator(".editor-instance .ghost-text-decoration, .editor-instance .ghost-text", { hasText: "math.pi" }).first().waitFor({ timeout: 60_000 });
      await fake.clear(); // no ghost text after the accepted one
      await page.keyboard.press("Tab");
      await waitFor("the accepted completion in the editor", async () => /^ {4}return math\.pi \* r \*\* 2$/m.test(await editorText(page)), 20_000);
      const completions = (await fake.requests()).filter((r) => r.tool === "insert_completion");
      assert.ok(completions.length > 0 && completions.every((r) => r.model === "claude-haiku-e2e"), `completions not from the configured model: ${JSON.stringify(completions.map((r) => r.model))}`);
      assert.ok(completions.at(-1).userTexts.join("\n").includes("def area(r):"), "the model did not get the code around the cursor");
      assert.equal(starts(), before, "the server was restarted for a setting it applies live");
    });
    await fake.clear();
  });
});
