/**
 * Messages between the chat webview and the extension, and their validation.
 *
 * Both sides validate what they receive: the extension never trusts the webview
 * (it is a web page; treat it like one), and the webview ignores anything that is not
 * one of these shapes. This module is bundled into both, so it imports nothing.
 */

import type { ChatEvent, Decision, SessionInfo, SlashCommand } from "./protocol";

export const MAX_PROMPT = 100_000;

/** extension → webview */
export type ToWebview =
  | { type: "reset"; title: string }
  | { type: "user"; text: string; context: string[] }
  | { type: "event"; event: ChatEvent }
  | { type: "turnDone"; stopReason: string; error?: string; costUsd: number; sessionCostUsd: number }
  | { type: "busy"; busy: boolean }
  | { type: "notice"; level: "info" | "error"; text: string }
  | { type: "permission"; id: string; tool: string; summary: string; input: string }
  | { type: "permissionDone"; id: string; decision: Decision | "withdrawn" }
  | { type: "review"; id: string; files: string[] }
  | { type: "reviewDone"; id: string; accepted: boolean }
  | { type: "context"; items: string[] }
  | { type: "commands"; commands: SlashCommand[] }
  | { type: "sessions"; sessions: SessionInfo[] };

/** webview → extension */
export type FromWebview =
  | { type: "ready" }
  | { type: "send"; text: string }
  | { type: "stop" }
  | { type: "newChat" }
  | { type: "listSessions" }
  | { type: "resume"; sessionId: string }
  | { type: "deleteSession"; sessionId: string }
  | { type: "permission"; id: string; decision: Decision }
  | { type: "review"; id: string; accept: boolean }
  | { type: "addSelection" }
  | { type: "addFile" }
  | { type: "removeContext"; index: number }
  | { type: "openLink"; href: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown, max = 1_000): v is string => typeof v === "string" && v.length <= max;
const id = (v: unknown): v is string => typeof v === "string" && /^[\w.:-]{1,200}$/.test(v);
const DECISION_VALUES: readonly unknown[] = ["allowOnce", "allowAlways", "deny"];

const SIMPLE = new Set<unknown>(["ready", "stop", "newChat", "listSessions", "addSelection", "addFile"]);

export function parseFromWebview(message: unknown): FromWebview | undefined {
  if (!isObject(message) || typeof message.type !== "string") return undefined;
  const m = message;
  if (SIMPLE.has(m.type)) return { type: m.type } as FromWebview;
  switch (m.type) {
    case "send":
      return str(m.text, MAX_PROMPT) && m.text.trim() !== "" ? { type: "send", text: m.text } : undefined;
    case "resume":
    case "deleteSession":
      return id(m.sessionId) ? { type: m.type, sessionId: m.sessionId } : undefined;
    case "permission":
      return id(m.id) && DECISION_VALUES.includes(m.decision)
        ? { type: "permission", id: m.id, decision: m.decision as Decision }
        : undefined;
    case "review":
      return id(m.id) && typeof m.accept === "boolean" ? { type: "review", id: m.id, accept: m.accept } : undefined;
    case "removeContext":
      return Number.isInteger(m.index) && (m.index as number) >= 0 ? { type: "removeContext", index: m.index as number } : undefined;
    case "openLink":
      return str(m.href, 4_000) && /^https?:\/\//i.test(m.href) ? { type: "openLink", href: m.href } : undefined;
    default:
      return undefined;
  }
}

const TO_WEBVIEW_TYPES = new Set([
  "reset", "user", "event", "turnDone", "busy", "notice", "permission", "permissionDone",
  "review", "reviewDone", "context", "commands", "sessions",
]);

/**
 * The webview's check of what the extension sent: the type is known and the fields it
 * renders have the right types. Rendering itself never uses innerHTML with any of these
 * values (markdown goes through the safe renderer).
 */
export function parseToWebview(message: unknown): ToWebview | undefined {
  if (!isObject(message) || typeof message.type !== "string" || !TO_WEBVIEW_TYPES.has(message.type)) return undefined;
  const m = message;
  const ok = (() => {
    switch (m.type) {
      case "reset":
        return str(m.title);
      case "user":
        return str(m.text, MAX_PROMPT) && Array.isArray(m.context) && m.context.every((c) => str(c));
      case "event":
        return isObject(m.event) && typeof m.event.kind === "string" && isObject(m.event.data);
      case "turnDone":
        return str(m.stopReason) && typeof m.costUsd === "number" && typeof m.sessionCostUsd === "number";
      case "busy":
        return typeof m.busy === "boolean";
      case "notice":
        return (m.level === "info" || m.level === "error") && str(m.text, 10_000);
      case "permission":
        return id(m.id) && str(m.tool) && str(m.summary, 10_000) && str(m.input, MAX_PROMPT);
      case "permissionDone":
        return id(m.id) && str(m.decision);
      case "review":
        return id(m.id) && Array.isArray(m.files) && m.files.every((f) => str(f));
      case "reviewDone":
        return id(m.id) && typeof m.accepted === "boolean";
      case "context":
        return Array.isArray(m.items) && m.items.every((c) => str(c));
      case "commands":
        return Array.isArray(m.commands) && m.commands.every((c) => isObject(c) && str(c.name) && str(c.description));
      case "sessions":
        return Array.isArray(m.sessions) && m.sessions.every((s) => isObject(s) && id(s.sessionId) && str(s.title));
      default:
        return false;
    }
  })();
  return ok ? (m as unknown as ToWebview) : undefined;
}
