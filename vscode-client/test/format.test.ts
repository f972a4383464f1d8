import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatCost, formatTokens, shortModel, statusText } from "../src/format";
import type { StatusResult } from "../src/protocol";

const status = (overrides: Partial<StatusResult> = {}): StatusResult => ({
  version: "0.1.0",
  model: "claude-sonnet-4-5-20250929",
  permissionMode: "default",
  credentials: { ok: true, provider: "anthropic" },
  running: [],
  sessions: [
    { sessionId: "a", inputTokens: 1000, outputTokens: 200, cacheCreationInputTokens: 0, cacheReadInputTokens: 300, costUsd: 0.0123 },
    { sessionId: "b", inputTokens: 10_000, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0, costUsd: 0.5 },
  ],
  costUsd: 0.5123,
  ...overrides,
});

describe("status text", () => {
  it("formats numbers", () => {
    assert.equal(formatTokens(999), "999");
    assert.equal(formatTokens(1500), "1.5k");
    assert.equal(formatTokens(12_345), "12k");
    assert.equal(formatTokens(2_500_000), "2.5M");
    assert.equal(formatCost(0.0012), "$0.0012");
    assert.equal(formatCost(0.5), "$0.500");
    assert.equal(formatCost(12.345), "$12.35");
    assert.equal(shortModel("claude-sonnet-4-5-20250929"), "sonnet-4-5");
  });

  it("shows the chat session's tokens and cost, else the totals", () => {
    assert.equal(statusText(status(), "a", false), "$(sparkle) sonnet-4-5 · 1.5k tok · $0.012");
    assert.equal(statusText(status(), undefined, false), "$(sparkle) sonnet-4-5 · 12k tok · $0.512");
    assert.equal(statusText(status(), "a", true), "$(loading~spin) sonnet-4-5 · 1.5k tok · $0.012");
  });

  it("warns without credentials", () => {
    assert.equal(statusText(status({ credentials: { ok: false, provider: "anthropic" } }), "a", false), "$(warning) Claude: no credentials");
  });
});
