import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { changeKind, configuredCommand, RESTART_SETTINGS, SERVER_SETTINGS, serverArgs, serverEnv, serverSettings } from "../src/settings";

/** The extension's settings as VS Code sees them (package.json contributes.configuration). */
const contributed: Record<string, { scope?: string; description?: string; markdownDescription?: string; default?: unknown }> = JSON.parse(
  readFileSync(path.join(__dirname, "..", "package.json"), "utf8"),
).contributes.configuration.properties;

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
        completion: { model: null },
      },
    );
  });

  it("leaves out invalid values; unset agent options are null (the server's own choice)", () => {
    assert.deepEqual(
      serverSettings(config({ "agent.model": "", "agent.maxBudgetUsd": null, "agent.maxTurns": -3, "diagnostics.debounceMs": -1, "diagnostics.maxPerFile": 2.5, "syntax.enable": "yes" })),
      { agent: { model: null, permissionMode: null, maxBudgetUsd: null }, completion: { model: null } },
    );
  });

  it("sends the AI, review, completion and Python settings", () => {
    assert.deepEqual(
      serverSettings(config({
        "agent.closedFiles": "disk",
        "python.path": " .venv/bin/python ",
        "ai.codeActions": false,
        "ai.contextTokens": 4000,
        "review.onSave": true,
        "completion.enable": true,
        "completion.model": "claude-haiku-4-5",
      })),
      {
        agent: { model: null, permissionMode: null, maxBudgetUsd: null, maxTurns: null, closedFiles: "disk" },
        python: { path: ".venv/bin/python" },
        ai: { codeActions: false, contextTokens: 4000 },
        review: { onSave: true },
        completion: { enable: true, model: "claude-haiku-4-5" },
      },
    );
  });

  it("clears a setting the user clears: an empty Python path is sent, a blank model is null", () => {
    const sent = serverSettings(config({ "python.path": "", "completion.model": "   ", "agent.model": " \t" }));
    assert.deepEqual(sent.python, { path: "" });
    assert.equal(sent.completion.model, null);
    assert.equal(sent.agent.model, null);
    assert.equal(serverSettings(config({ "ai.contextTokens": 1.5, "review.onSave": "yes", "python.path": 3 })).ai, undefined);
  });

  it("contributes every server setting to VS Code with a scope and a description, and nothing unmapped", () => {
    const mapped = new Set(SERVER_SETTINGS.map(({ key }) => `claude-lsp.${key}`));
    for (const key of mapped) {
      const entry = contributed[key];
      assert.ok(entry, `${key} is not in package.json`);
      assert.ok(entry.scope, `${key} has no scope`);
      assert.ok(entry.description ?? entry.markdownDescription, `${key} has no description`);
    }
    const clientOnly = new Set([...RESTART_SETTINGS.map((k) => `claude-lsp.${k}`), "claude-lsp.trace.server"]);
    for (const key of Object.keys(contributed)) {
      assert.ok(mapped.has(key) || clientOnly.has(key), `${key} in package.json reaches neither the server nor the client's own code`);
    }
  });

  it("sends each contributed default as a value the server accepts", () => {
    const defaults = (key: string) => contributed[`claude-lsp.${key}`]?.default;
    const sent = serverSettings(defaults);
    for (const { key, path: [group, name], nullable } of SERVER_SETTINGS) {
      assert.ok(group in sent && name in sent[group], `the default of ${key} is not sent`);
      if (!nullable) assert.notEqual(sent[group][name], null, `${key} is sent as null`);
    }
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
    assert.equal(changeKind(only("claude-lsp.completion.enable")), "push");
    assert.equal(changeKind(only("claude-lsp.review.onSave")), "push");
    assert.equal(changeKind(only("claude-lsp.python.path")), "push");
    assert.equal(changeKind(only("claude-lsp.trace.server")), "none");
    assert.equal(changeKind(only("editor.fontSize")), "none");
  });
});
