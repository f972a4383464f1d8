/**
 * The `claude/*` LSP extension as the client sees it (docs/protocol.md, version 1).
 *
 * Everything that arrives from the server is checked here before the rest of the
 * extension touches it: unknown fields and unknown event kinds are ignored, as the
 * spec requires; a message of the wrong shape is dropped with a reason.
 */

export const CHAT = "claude/chat";
export const CHAT_EVENT = "claude/chatEvent";
export const PERMISSION = "claude/permission";
export const SESSIONS = "claude/sessions";
export const STATUS = "claude/status";
export const COMMANDS = "claude/commands";

export const PERMISSION_MODES = ["default", "acceptEdits", "plan", "bypassPermissions"] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}
export interface ContextItem {
  uri: string;
  range?: Range;
}

export interface ChatParams {
  prompt: string;
  sessionId?: string;
  context?: ContextItem[];
  model?: string;
  permissionMode?: PermissionMode;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
}

export interface ChatResult {
  sessionId: string;
  stopReason: string;
  result: string;
  error?: string;
  numTurns: number;
  usage: Usage;
  costUsd: number;
  sessionCostUsd: number;
}

export type ChatEvent =
  | { sessionId: string; kind: "turnStart"; data: { prompt: string; model: string; permissionMode: string } }
  | { sessionId: string; kind: "text" | "thinking"; data: { text: string } }
  | { sessionId: string; kind: "toolCall"; data: { id: string; name: string; input: unknown } }
  | {
      sessionId: string;
      kind: "permission";
      data: { id: string; tool: string; summary: string; decision: "allow" | "deny"; by: string; reason: string };
    }
  | { sessionId: string; kind: "toolOutput"; data: { id: string; text: string } }
  | { sessionId: string; kind: "toolResult"; data: { id: string; name: string; content: string; isError: boolean } }
  | { sessionId: string; kind: "usage"; data: Usage & { costUsd: number; sessionCostUsd: number } }
  | { sessionId: string; kind: "retry"; data: { attempt: number; error: string; delay: number } }
  | { sessionId: string; kind: "compacted"; data: { tokensBefore: number; tokensAfter: number } }
  | { sessionId: string; kind: "error"; data: { message: string } }
  | { sessionId: string; kind: "turnEnd"; data: { stopReason: string } };

export interface PermissionParams {
  sessionId: string;
  tool: string;
  input: unknown;
  summary: string;
}
export type Decision = "allowOnce" | "allowAlways" | "deny";
export const DECISIONS: readonly Decision[] = ["allowOnce", "allowAlways", "deny"];

export interface SessionInfo {
  sessionId: string;
  title: string;
  created: number;
  modified: number;
  model: string;
  costUsd: number;
  messages: number;
  running: boolean;
}

export interface StatusResult {
  version: string;
  model: string;
  permissionMode: string;
  credentials: { ok: boolean; provider: string; message?: string };
  running: string[];
  sessions: (Usage & { sessionId: string; costUsd: number })[];
  costUsd: number;
}

export interface SlashCommand {
  name: string;
  description: string;
  argumentHint?: string;
  source: string;
}

/** What the client declares in `initialize` (capabilities.experimental). */
export const CLIENT_CAPABILITIES = { claudeLsp: { chatEvents: true, permission: true } };

// ---------------------------------------------------------------------------------
// Validation. Small hand-written checks: the shapes are few and flat.

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
const str = (v: unknown): v is string => typeof v === "string";
const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const bool = (v: unknown): v is boolean => typeof v === "boolean";

function numbers(data: Json, keys: readonly string[]): boolean {
  return keys.every((k) => num(data[k]));
}

const USAGE_KEYS = ["inputTokens", "outputTokens", "cacheCreationInputTokens", "cacheReadInputTokens"] as const;

function usage(value: unknown): Usage | undefined {
  if (!isObject(value) || !numbers(value, USAGE_KEYS)) return undefined;
  return {
    inputTokens: value.inputTokens as number,
    outputTokens: value.outputTokens as number,
    cacheCreationInputTokens: value.cacheCreationInputTokens as number,
    cacheReadInputTokens: value.cacheReadInputTokens as number,
  };
}

/** Text of a tool result: a string or a list of `{type: "text", text}` blocks. */
export function resultText(content: unknown): string {
  if (str(content)) return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block) => (isObject(block) && block.type === "text" && str(block.text) ? block.text : ""))
    .filter((text) => text !== "")
    .join("\n");
}

/**
 * A `claude/chatEvent` params object, checked; `undefined` for unknown kinds and for
 * known kinds whose data has the wrong shape.
 */
export function parseChatEvent(params: unknown): ChatEvent | undefined {
  if (!isObject(params) || !str(params.sessionId) || !str(params.kind) || !isObject(params.data)) {
    return undefined;
  }
  const { sessionId, kind, data: d } = params;
  switch (kind) {
    case "turnStart":
      return str(d.prompt)
        ? {
            sessionId,
            kind,
            data: { prompt: d.prompt, model: str(d.model) ? d.model : "", permissionMode: str(d.permissionMode) ? d.permissionMode : "" },
          }
        : undefined;
    case "text":
    case "thinking":
      return str(d.text) ? { sessionId, kind, data: { text: d.text } } : undefined;
    case "toolCall":
      return str(d.id) && str(d.name) ? { sessionId, kind, data: { id: d.id, name: d.name, input: d.input ?? {} } } : undefined;
    case "permission":
      return str(d.id) && (d.decision === "allow" || d.decision === "deny")
        ? {
            sessionId,
            kind,
            data: {
              id: d.id,
              tool: str(d.tool) ? d.tool : "",
              summary: str(d.summary) ? d.summary : "",
              decision: d.decision,
              by: str(d.by) ? d.by : "",
              reason: str(d.reason) ? d.reason : "",
            },
          }
        : undefined;
    case "toolOutput":
      return str(d.id) && str(d.text) ? { sessionId, kind, data: { id: d.id, text: d.text } } : undefined;
    case "toolResult":
      return str(d.id)
        ? {
            sessionId,
            kind,
            data: { id: d.id, name: str(d.name) ? d.name : "", content: resultText(d.content), isError: d.isError === true },
          }
        : undefined;
    case "usage": {
      const u = usage(d);
      return u && num(d.costUsd) && num(d.sessionCostUsd)
        ? { sessionId, kind, data: { ...u, costUsd: d.costUsd, sessionCostUsd: d.sessionCostUsd } }
        : undefined;
    }
    case "retry":
      return num(d.attempt)
        ? { sessionId, kind, data: { attempt: d.attempt, error: str(d.error) ? d.error : "", delay: num(d.delay) ? d.delay : 0 } }
        : undefined;
    case "compacted":
      return numbers(d, ["tokensBefore", "tokensAfter"])
        ? { sessionId, kind, data: { tokensBefore: d.tokensBefore as number, tokensAfter: d.tokensAfter as number } }
        : undefined;
    case "error":
      return str(d.message) ? { sessionId, kind, data: { message: d.message } } : undefined;
    case "turnEnd":
      return str(d.stopReason) ? { sessionId, kind, data: { stopReason: d.stopReason } } : undefined;
    default:
      return undefined;
  }
}

export function parseChatResult(value: unknown): ChatResult | undefined {
  if (!isObject(value) || !str(value.sessionId) || !str(value.stopReason)) return undefined;
  const u = usage(value.usage);
  if (!u || !num(value.costUsd) || !num(value.sessionCostUsd)) return undefined;
  return {
    sessionId: value.sessionId,
    stopReason: value.stopReason,
    result: str(value.result) ? value.result : "",
    error: str(value.error) ? value.error : undefined,
    numTurns: num(value.numTurns) ? value.numTurns : 0,
    usage: u,
    costUsd: value.costUsd,
    sessionCostUsd: value.sessionCostUsd,
  };
}

export function parsePermissionParams(value: unknown): PermissionParams | undefined {
  if (!isObject(value) || !str(value.sessionId) || !str(value.tool) || !str(value.summary)) return undefined;
  return { sessionId: value.sessionId, tool: value.tool, input: value.input ?? {}, summary: value.summary };
}

export function parseStatus(value: unknown): StatusResult | undefined {
  if (!isObject(value) || !str(value.model) || !isObject(value.credentials) || !bool(value.credentials.ok)) {
    return undefined;
  }
  const creds = value.credentials;
  const sessions = Array.isArray(value.sessions) ? value.sessions : [];
  return {
    version: str(value.version) ? value.version : "",
    model: value.model,
    permissionMode: str(value.permissionMode) ? value.permissionMode : "default",
    credentials: {
      ok: creds.ok as boolean,
      provider: str(creds.provider) ? creds.provider : "anthropic",
      message: str(creds.message) ? creds.message : undefined,
    },
    running: Array.isArray(value.running) ? value.running.filter(str) : [],
    sessions: sessions.flatMap((s) => {
      const u = usage(s);
      return isObject(s) && u && str(s.sessionId) && num(s.costUsd) ? [{ ...u, sessionId: s.sessionId, costUsd: s.costUsd }] : [];
    }),
    costUsd: num(value.costUsd) ? value.costUsd : 0,
  };
}

export function parseSessions(value: unknown): SessionInfo[] {
  if (!isObject(value) || !Array.isArray(value.sessions)) return [];
  return value.sessions.flatMap((s): SessionInfo[] =>
    isObject(s) && str(s.sessionId)
      ? [
          {
            sessionId: s.sessionId,
            title: str(s.title) ? s.title : "(untitled)",
            created: num(s.created) ? s.created : 0,
            modified: num(s.modified) ? s.modified : 0,
            model: str(s.model) ? s.model : "",
            costUsd: num(s.costUsd) ? s.costUsd : 0,
            messages: num(s.messages) ? s.messages : 0,
            running: s.running === true,
          },
        ]
      : [],
  );
}

export function parseCommands(value: unknown): SlashCommand[] {
  if (!isObject(value) || !Array.isArray(value.commands)) return [];
  return value.commands.flatMap((c): SlashCommand[] =>
    isObject(c) && str(c.name) && c.name.startsWith("/")
      ? [
          {
            name: c.name,
            description: str(c.description) ? c.description : "",
            argumentHint: str(c.argumentHint) ? c.argumentHint : undefined,
            source: str(c.source) ? c.source : "builtin",
          },
        ]
      : [],
  );
}

/** `data.reason` of a `claude/*` request error (`noCredentials`, `sessionBusy`, …). */
export function errorReason(error: unknown): string | undefined {
  if (!isObject(error) || !isObject(error.data)) return undefined;
  return str(error.data.reason) ? error.data.reason : undefined;
}

/** Does the server's `initialize` result advertise the chat methods? */
export function serverSupportsChat(capabilities: unknown): boolean {
  if (!isObject(capabilities) || !isObject(capabilities.experimental)) return false;
  const claude = capabilities.experimental.claudeLsp;
  return isObject(claude) && Array.isArray(claude.methods) && claude.methods.includes(CHAT);
}
