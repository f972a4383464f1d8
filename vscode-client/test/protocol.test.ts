import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  errorReason,
  parseChatEvent,
  parseChatResult,
  parseCommands,
  parsePermissionParams,
  parseSessions,
  parseStatus,
  resultText,
  serverSupportsChat,
} from "../src/protocol";

const usage = { inputTokens: 100, outputTokens: 20, cacheCreationInputTokens: 0, cacheReadInputTokens: 5 };

describe("claude/chatEvent", () => {
  it("parses every kind of docs/protocol.md", () => {
    const events: [string, Record<string, unknown>][] = [
      ["turnStart", { prompt: "hi", model: "claude-sonnet-4-5", permissionMode: "default" }],
      ["text", { text: "Hello" }],
      ["thinking", { text: "hmm" }],
      ["toolCall", { id: "t1", name: "Read", input: { file_path: "/a.py" } }],
      ["permission", { id: "t1", tool: "Bash", summary: "Run `ls`", decision: "deny", by: "user", reason: "" }],
      ["toolOutput", { id: "t1", text: "out" }],
      ["toolResult", { id: "t1", name: "Read", content: "x = 1", isError: false }],
      ["usage", { ...usage, costUsd: 0.01, sessionCostUsd: 0.02 }],
      ["retry", { attempt: 1, error: "overloaded", delay: 2 }],
      ["compacted", { tokensBefore: 1000, tokensAfter: 100 }],
      ["error", { message: "boom" }],
      ["turnEnd", { stopReason: "end_turn" }],
    ];
    for (const [kind, data] of events) {
      const event = parseChatEvent({ sessionId: "s1", kind, data });
      assert.ok(event, kind);
      assert.equal(event.kind, kind);
      assert.equal(event.sessionId, "s1");
    }
  });

  it("ignores unknown kinds and unknown fields, drops wrong shapes", () => {
    assert.equal(parseChatEvent({ sessionId: "s1", kind: "hologram", data: {} }), undefined);
    assert.deepEqual(parseChatEvent({ sessionId: "s1", kind: "text", data: { text: "a", extra: 1 }, more: true }), {
      sessionId: "s1",
      kind: "text",
      data: { text: "a" },
    });
    assert.equal(parseChatEvent({ sessionId: "s1", kind: "text", data: { text: 5 } }), undefined);
    assert.equal(parseChatEvent({ kind: "text", data: { text: "a" } }), undefined);
    assert.equal(parseChatEvent({ sessionId: "s1", kind: "usage", data: { inputTokens: 1 } }), undefined);
    assert.equal(parseChatEvent(null), undefined);
    assert.equal(parseChatEvent("text"), undefined);
  });

  it("flattens a tool result given as content blocks", () => {
    const event = parseChatEvent({
      sessionId: "s",
      kind: "toolResult",
      data: { id: "t", name: "Grep", content: [{ type: "text", text: "a" }, { type: "image" }, { type: "text", text: "b" }], isError: true },
    });
    assert.deepEqual(event?.data, { id: "t", name: "Grep", content: "a\nb", isError: true });
    assert.equal(resultText(42), "");
  });
});

describe("requests", () => {
  it("parses a claude/chat result", () => {
    const result = parseChatResult({ sessionId: "s", stopReason: "end_turn", result: "ok", numTurns: 1, usage, costUsd: 0.1, sessionCostUsd: 0.3 });
    assert.equal(result?.result, "ok");
    assert.equal(result?.usage.cacheReadInputTokens, 5);
    assert.equal(parseChatResult({ sessionId: "s", stopReason: "end_turn" }), undefined);
  });

  it("parses permission params and status", () => {
    assert.deepEqual(parsePermissionParams({ sessionId: "s", tool: "Bash", input: { command: "ls" }, summary: "Run `ls`" }), {
      sessionId: "s",
      tool: "Bash",
      input: { command: "ls" },
      summary: "Run `ls`",
    });
    assert.equal(parsePermissionParams({ sessionId: "s", tool: "Bash" }), undefined);
    const status = parseStatus({
      version: "0.1.0",
      model: "claude-sonnet-4-5",
      permissionMode: "default",
      credentials: { ok: false, provider: "anthropic", message: "Set ANTHROPIC_API_KEY" },
      running: ["s", 3],
      sessions: [{ sessionId: "s", ...usage, costUsd: 0.5 }, { sessionId: "broken" }],
      costUsd: 0.5,
    });
    assert.equal(status?.credentials.ok, false);
    assert.equal(status?.credentials.message, "Set ANTHROPIC_API_KEY");
    assert.deepEqual(status?.running, ["s"]);
    assert.equal(status?.sessions.length, 1);
  });

  it("parses sessions and slash commands, skipping malformed entries", () => {
    const sessions = parseSessions({ sessions: [{ sessionId: "a", title: "Fix it", created: 1, modified: 2, model: "m", costUsd: 0.1, messages: 4, running: false }, { title: "no id" }] });
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0].title, "Fix it");
    const commands = parseCommands({ commands: [{ name: "/clear", description: "Clear", source: "builtin" }, { name: "nope", description: "" }] });
    assert.deepEqual(commands.map((c) => c.name), ["/clear"]);
    assert.deepEqual(parseCommands(undefined), []);
  });

  it("reads the error reason and the server's advertised methods", () => {
    assert.equal(errorReason({ code: -32803, message: "Set ANTHROPIC_API_KEY", data: { reason: "noCredentials" } }), "noCredentials");
    assert.equal(errorReason(new Error("x")), undefined);
    assert.equal(serverSupportsChat({ experimental: { claudeLsp: { version: 1, methods: ["claude/chat"] } } }), true);
    assert.equal(serverSupportsChat({ experimental: {} }), false);
    assert.equal(serverSupportsChat(undefined), false);
  });
});
