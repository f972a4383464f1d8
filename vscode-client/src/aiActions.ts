/**
 * The server's AI commands as the extension uses them (README "AI actions, review and
 * completions"): `claude.review` publishes diagnostics with source `claude`,
 * `claude.commitMessage` returns a message for the staged diff, and the light bulb's
 * `claude.explain` / `claude.ask` run in the chat view. Pure: checked answers and the
 * texts shown, unit-tested without VS Code.
 */

import type { ContextItem, Range } from "./protocol";

export const REVIEW = "claude.review";
export const COMMIT_MESSAGE = "claude.commitMessage";
export const EXPLAIN = "claude.explain";
export const ASK = "claude.ask";
/** The kind of the server's "Fix with Claude: …" code actions. */
export const FIX_KIND = "quickfix.claude";

/** The same request as the server's `claude.explain` makes, for the chat view. */
export const EXPLAIN_PROMPT =
  "Explain the attached code: what it does, how it fits in the rest of the workspace (read what you need), and anything surprising or risky in it. Be concise; use markdown.";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Does the server's `initialize` result list this `workspace/executeCommand` command? */
export function serverHasCommand(capabilities: unknown, command: string): boolean {
  if (!isObject(capabilities) || !isObject(capabilities.executeCommandProvider)) return false;
  const commands = capabilities.executeCommandProvider.commands;
  return Array.isArray(commands) && commands.includes(command);
}

export interface ReviewResult {
  findings: number;
  scope: string;
  cached: boolean;
  costUsd: number;
}

/** `claude.review`'s answer `{uri, findings: [...], scope, cached, costUsd}`, checked. */
export function parseReviewResult(value: unknown): ReviewResult | undefined {
  if (!isObject(value) || !Array.isArray(value.findings)) return undefined;
  return {
    findings: value.findings.length,
    scope: typeof value.scope === "string" ? value.scope : "",
    cached: value.cached === true,
    costUsd: num(value.costUsd) ? value.costUsd : 0,
  };
}

/** Why the server cannot review this document (it reviews saved files it tracks), or undefined when it can. */
export function notReviewable(document: { languageId: string; uri: { scheme: string } }, languages: readonly string[]): string | undefined {
  if (document.uri.scheme !== "file") return "save the file first: Claude reviews files on disk";
  if (!languages.includes(document.languageId)) return `the server does not handle ${document.languageId} files`;
  return undefined;
}

/** "Claude: 2 findings in app.py (changes against HEAD) · $0.0031". */
export function reviewSummary(result: ReviewResult, name: string): string {
  const count = result.findings === 0 ? "no findings" : result.findings === 1 ? "1 finding" : `${result.findings} findings`;
  const scope = result.scope ? ` (${result.scope})` : "";
  const cost = result.cached ? " · cached" : result.costUsd > 0 ? ` · $${result.costUsd.toFixed(4)}` : "";
  return `Claude: ${count} in ${name}${scope}${cost}`;
}

/** `claude.commitMessage`'s answer `{message, subject, body, costUsd}`: the message, if any. */
export function parseCommitMessage(value: unknown): string | undefined {
  if (!isObject(value) || typeof value.message !== "string") return undefined;
  const message = value.message.trim();
  return message === "" ? undefined : message;
}

function position(value: unknown): { line: number; character: number } | undefined {
  if (!isObject(value) || !num(value.line) || !num(value.character) || value.line < 0 || value.character < 0) return undefined;
  return { line: value.line, character: value.character };
}

/**
 * The `{uri, range?}` argument of the server's `claude.explain` / `claude.ask` actions as
 * chat context with a label (`app.py:3-7`); undefined when it is not one.
 */
export function locationContext(value: unknown, relative: (uri: string) => string): { item: ContextItem; label: string } | undefined {
  if (!isObject(value) || typeof value.uri !== "string" || value.uri === "") return undefined;
  const name = relative(value.uri);
  if (value.range === undefined || value.range === null) return { item: { uri: value.uri }, label: name };
  const start = isObject(value.range) ? position(value.range.start) : undefined;
  const end = isObject(value.range) ? position(value.range.end) : undefined;
  if (!start || !end) return undefined;
  const range: Range = { start, end };
  const lines = start.line === end.line ? `${start.line + 1}` : `${start.line + 1}-${end.line + 1}`;
  return { item: { uri: value.uri, range }, label: `${name}:${lines}` };
}

/**
 * The server writes the message for the repository of its workspace root: true when
 * that root is `repository` or a folder inside it (paths with `/`, no trailing one).
 */
export function repositoryHoldsRoot(repository: string, root: string): boolean {
  const strip = (p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p);
  const repo = strip(repository);
  const folder = strip(root);
  return folder === repo || folder.startsWith(repo === "/" ? "/" : `${repo}/`);
}
