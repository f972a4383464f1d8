/**
 * VS Code settings (`claude-lsp.*`) → the server's settings (`claudeLsp.*`,
 * README "Server settings") and the server's command line.
 *
 * Pure: takes a getter, so it is unit-tested without VS Code.
 */

export type Get = (key: string) => unknown;

/** Client setting → path under the server's `claudeLsp` section. */
export const SERVER_SETTINGS: readonly {
  key: string;
  path: readonly [string, string];
  /** `text`: any string, the empty one included (it means "the server's default"). */
  kind: "boolean" | "integer" | "string" | "number" | "text";
  /** Unset is sent as null: "not set here" (the server then uses Claude Code's settings or its default). */
  nullable?: true;
}[] = [
  { key: "diagnostics.enable", path: ["diagnostics", "enable"], kind: "boolean" },
  { key: "diagnostics.debounceMs", path: ["diagnostics", "debounceMs"], kind: "integer" },
  { key: "diagnostics.maxPerFile", path: ["diagnostics", "maxPerFile"], kind: "integer" },
  { key: "diagnostics.syntaxErrors", path: ["diagnostics", "syntaxErrors"], kind: "boolean" },
  { key: "diagnostics.pyflakes", path: ["diagnostics", "pyflakes"], kind: "boolean" },
  { key: "diagnostics.review", path: ["diagnostics", "review"], kind: "boolean" },
  { key: "syntax.enable", path: ["syntax", "enable"], kind: "boolean" },
  { key: "syntax.maxFileSize", path: ["syntax", "maxFileSize"], kind: "integer" },
  { key: "agent.model", path: ["agent", "model"], kind: "string", nullable: true },
  { key: "agent.permissionMode", path: ["agent", "permissionMode"], kind: "string", nullable: true },
  { key: "agent.reviewEdits", path: ["agent", "reviewEdits"], kind: "boolean" },
  { key: "agent.maxBudgetUsd", path: ["agent", "maxBudgetUsd"], kind: "number", nullable: true },
  { key: "agent.maxTurns", path: ["agent", "maxTurns"], kind: "integer", nullable: true },
  { key: "agent.closedFiles", path: ["agent", "closedFiles"], kind: "string" },
  { key: "python.path", path: ["python", "path"], kind: "text" },
  { key: "ai.codeActions", path: ["ai", "codeActions"], kind: "boolean" },
  { key: "ai.contextTokens", path: ["ai", "contextTokens"], kind: "integer" },
  { key: "review.onSave", path: ["review", "onSave"], kind: "boolean" },
  { key: "completion.enable", path: ["completion", "enable"], kind: "boolean" },
  { key: "completion.model", path: ["completion", "model"], kind: "string", nullable: true },
];

/** Settings whose change needs a new server process rather than a configuration push. */
export const RESTART_SETTINGS = ["server.path", "server.python", "server.logLevel"] as const;

/** The value to send, or undefined when it is not valid for the server. Strings are trimmed. */
function sendable(kind: string, value: unknown): unknown {
  switch (kind) {
    case "boolean":
      return typeof value === "boolean" ? value : undefined;
    case "integer":
      return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
    case "number":
      return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
    case "text":
      return typeof value === "string" ? value.trim() : undefined;
    default:
      return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  }
}

const unset = (value: unknown) => value === undefined || value === null || (typeof value === "string" && value.trim() === "");

/**
 * The `claudeLsp` section for `initializationOptions`, `workspace/configuration` and
 * `didChangeConfiguration`. Invalid values are left out (the server keeps its value);
 * the optional settings (model, permission mode, limits), when unset or blank, are sent
 * as null, so clearing one in VS Code clears it on the server too.
 */
export function serverSettings(get: Get): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const { key, path, kind, nullable } of SERVER_SETTINGS) {
    const value = get(key);
    const sent = sendable(kind, value);
    if (sent !== undefined) (out[path[0]] ??= {})[path[1]] = sent;
    else if (nullable && unset(value)) (out[path[0]] ??= {})[path[1]] = null;
  }
  return out;
}

export const LOG_LEVELS = ["debug", "info", "warning", "error"] as const;

/**
 * The user's own server command (`claude-lsp.server.path`), or undefined when the
 * extension should start its bundled server. A string is one executable; an array is a
 * command line. Empty entries count as unset.
 */
export function configuredCommand(value: unknown): string[] | undefined {
  if (typeof value === "string") return value.trim() === "" ? undefined : [value.trim()];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string") && value[0].trim() !== "") {
    return value as string[];
  }
  return undefined;
}

/** Arguments the extension adds to any server command. */
export function serverArgs(get: Get): string[] {
  const level = get("server.logLevel");
  return ["--log-level", typeof level === "string" && (LOG_LEVELS as readonly string[]).includes(level) ? level : "info"];
}

/**
 * The server's environment: VS Code's, plus the API key from SecretStorage (which wins
 * over an inherited `ANTHROPIC_API_KEY`; it is never written anywhere else). Other
 * provider variables (`ANTHROPIC_BASE_URL`, `CLAUDE_CODE_USE_BEDROCK`, …) come from the
 * environment or from Claude Code's own settings files, as the server reads them.
 */
export function serverEnv(base: NodeJS.ProcessEnv, apiKey: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, PYTHONUNBUFFERED: "1" };
  if (apiKey) env.ANTHROPIC_API_KEY = apiKey;
  return env;
}

/** Does this configuration change need a restart, a push of settings, or nothing? */
export function changeKind(affects: (key: string) => boolean): "restart" | "push" | "none" {
  if (RESTART_SETTINGS.some((k) => affects(`claude-lsp.${k}`))) return "restart";
  if (SERVER_SETTINGS.some(({ key }) => affects(`claude-lsp.${key}`))) return "push";
  return "none";
}
