import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_PROMPT, parseFromWebview, parseToWebview } from "../src/chatMessages";
import { renderMarkdown } from "../webview/markdown";

describe("messages from the webview (untrusted)", () => {
  it("accepts the known shapes", () => {
    assert.deepEqual(parseFromWebview({ type: "send", text: "hi" }), { type: "send", text: "hi" });
    assert.deepEqual(parseFromWebview({ type: "stop", junk: 1 }), { type: "stop" });
    assert.deepEqual(parseFromWebview({ type: "permission", id: "q1", decision: "allowAlways" }), { type: "permission", id: "q1", decision: "allowAlways" });
    assert.deepEqual(parseFromWebview({ type: "resume", sessionId: "3f2a-11" }), { type: "resume", sessionId: "3f2a-11" });
    assert.deepEqual(parseFromWebview({ type: "openLink", href: "https://example.org/x" }), { type: "openLink", href: "https://example.org/x" });
  });

  it("rejects everything else", () => {
    for (const message of [
      null,
      "send",
      { type: "exec", command: "rm -rf /" },
      { type: "send", text: "" },
      { type: "send", text: "   " },
      { type: "send", text: "x".repeat(MAX_PROMPT + 1) },
      { type: "permission", id: "q1", decision: "allow" },
      { type: "permission", id: "<img>", decision: "deny" },
      { type: "resume", sessionId: "../../etc/passwd" },
      { type: "openLink", href: "javascript:alert(1)" },
      { type: "openLink", href: "file:///etc/passwd" },
      { type: "openLink", href: "command:workbench.action.terminal.new" },
      { type: "removeContext", index: -1 },
      { type: "removeContext", index: 1.5 },
      { type: "review", id: "r1", accept: "yes" },
    ]) {
      assert.equal(parseFromWebview(message), undefined, JSON.stringify(message)?.slice(0, 80));
    }
  });
});

describe("messages to the webview", () => {
  it("checks the fields it renders", () => {
    assert.ok(parseToWebview({ type: "busy", busy: true }));
    assert.ok(parseToWebview({ type: "permission", id: "q1", tool: "Bash", summary: "Run `ls`", input: "{}" }));
    assert.equal(parseToWebview({ type: "busy", busy: "yes" }), undefined);
    assert.equal(parseToWebview({ type: "permission", id: "q1", tool: 3, summary: "", input: "" }), undefined);
    assert.equal(parseToWebview({ type: "eval", code: "1" }), undefined);
    assert.equal(parseToWebview({ type: "user", text: "hi", context: [1] }), undefined);
  });
});

describe("markdown rendering", () => {
  it("escapes raw HTML and drops unsafe links and images", () => {
    const html = renderMarkdown('Hi <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) [y](https://example.org) ![i](https://example.org/i.png)');
    assert.ok(!html.includes("<script>"), html);
    assert.ok(!html.includes("<img"), html);
    assert.ok(html.includes("&lt;script&gt;"), html);
    assert.ok(!/href="javascript:/i.test(html), html);
    assert.ok(html.includes('<a href="https://example.org">y</a>'), html);
  });

  it("renders code blocks and emphasis", () => {
    const html = renderMarkdown("**bold**\n\n```python\nx = '<b>'\n```");
    assert.ok(html.includes("<strong>bold</strong>"));
    assert.ok(html.includes("x = '&lt;b&gt;'"));
  });
});
