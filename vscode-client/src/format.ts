/** Short numbers for the status bar (pure; unit-tested). */

import type { StatusResult } from "./protocol";

export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

export function formatCost(usd: number): string {
  return usd < 1 ? `$${usd.toFixed(usd < 0.01 ? 4 : 3)}` : `$${usd.toFixed(2)}`;
}

/** `claude-sonnet-4-5-20250929` → `sonnet-4-5`. */
export function shortModel(model: string): string {
  return model.replace(/^claude-/, "").replace(/-\d{8}$/, "");
}

/**
 * The status item's text: model, then the tokens and cost of `sessionId` (the chat
 * view's session) when the server has counted it, else the totals since the server
 * started.
 */
export function statusText(status: StatusResult, sessionId: string | undefined, busy: boolean): string {
  const icon = busy ? "$(loading~spin)" : status.credentials.ok ? "$(sparkle)" : "$(warning)";
  if (!status.credentials.ok) return `${icon} Claude: no credentials`;
  const session = status.sessions.find((s) => s.sessionId === sessionId);
  const tokens = session
    ? session.inputTokens + session.outputTokens + session.cacheCreationInputTokens + session.cacheReadInputTokens
    : status.sessions.reduce((sum, s) => sum + s.inputTokens + s.outputTokens + s.cacheCreationInputTokens + s.cacheReadInputTokens, 0);
  const cost = session ? session.costUsd : status.costUsd;
  return `${icon} ${shortModel(status.model)} · ${formatTokens(tokens)} tok · ${formatCost(cost)}`;
}
