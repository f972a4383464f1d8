import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { changeKind, configuredCommand, serverArgs, serverEnv, serverSettings } from "../src/settings";

const config = (values: Record<string, unknown>) => (key: string) => values[key];

describe("settings → server", () => {
  it("nests client settings under the server's groups", () => {
    assert.deepEqual(
      serverSettings(config({
        "diagnostics.enable": false,
        "diagnostics.debounceMs": 40,
        "syntax.maxFileSize": 1000,
        "agent.model": "claude-opus-4-5",
        "agent.permissionMode": "acceptEdits",
        "agent.reviewEdits": true,
        "agent.maxBudgetUsd": 2.5,
      })),
      {
        diagnostics: { enable: false, debounceMs: 40 },
        syntax: { maxFileSize: 1000 },
        agent: { model: "claude-opus-4-5", permissionMode: "acceptEdits", reviewEdits: true, maxBudgetUsd: 2.5, maxTurns: null },
      },
    );
  });

  it("leaves out invalid values; unset agent options are null (the server's own choice)", () => {
    assert.deepEqual(
      serverSettings(config({ "agent.model": "", "agent.maxBudgetUsd": null, "agent.maxTurns": -3, "diagnostics.debounceMs": -1, "diagnostics.maxPerFile": 2.5, "syntax.enable": "yes" })),
      { agent: { model: null, permissionMode: null, maxBudgetUsd: null } },
    );
  });

  it("reads the server command", () => {
    assert.equal(configuredCommand(undefined), undefined);
    assert.equal(configuredCommand([]), undefined);
    assert.equal(configuredCommand(""), undefined);
    assert.equal(configuredCommand([""]), undefined);
    assert.deepEqual(configuredCommand(" /usr/bin/claude-lsp "), ["/usr/bin/claude-lsp"]);
    assert.deepEqual(configuredCommand(["python3", "-m", "server"]), ["python3", "-m", "server"]);
    assert.equal(configuredCommand([1, 2]), undefined);
    assert.deepEqual(serverArgs(config({ "server.logLevel": "debug" })), ["--log-level", "debug"]);
    assert.deepEqual(serverArgs(config({ "server.logLevel": "loud" })), ["--log-level", "info"]);
  });

  it("puts the API key in the environment only, over an inherited one", () => {
    const base = { PATH: "/bin", ANTHROPIC_API_KEY: "inherited" };
    assert.equal(serverEnv(base, "sk-secret").ANTHROPIC_API_KEY, "sk-secret");
    assert.equal(serverEnv(base, undefined).ANTHROPIC_API_KEY, "inherited");
    assert.equal(base.ANTHROPIC_API_KEY, "inherited", "the extension host's own environment is not changed");
  });

  it("restarts for the command, pushes for server settings", () => {
    const only = (key: string) => (k: string) => k === key;
    assert.equal(changeKind(only("claude-lsp.server.path")), "restart");
    assert.equal(changeKind(only("claude-lsp.server.logLevel")), "restart");
    assert.equal(changeKind(only("claude-lsp.server.python")), "restart");
    assert.equal(changeKind(only("claude-lsp.agent.model")), "push");
    assert.equal(changeKind(only("claude-lsp.trace.server")), "none");
    assert.equal(changeKind(only("editor.fontSize")), "none");
  });
});
