/**
 * The chat view's page. It renders what the extension sends (checked by
 * `parseToWebview`) and posts the user's actions back; all state that matters lives in
 * the extension. Text from the model goes through the safe markdown renderer; every
 * other value is set with textContent, never as HTML.
 */

import { parseToWebview, type FromWebview, type ToWebview } from "../src/chatMessages";
import type { ChatEvent, SessionInfo, SlashCommand } from "../src/protocol";
import { renderMarkdown } from "./markdown";

declare function acquireVsCodeApi(): { postMessage(message: FromWebview): void };
const vscode = acquireVsCodeApi();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label: string, className: string, onClick: () => void, title?: string): HTMLButtonElement {
  const b = el("button", className, label);
  b.type = "button";
  if (title) b.title = title;
  b.addEventListener("click", onClick);
  return b;
}

// ---- layout ------------------------------------------------------------------------
const app = document.getElementById("app") as HTMLElement;
const toolbar = el("div", "toolbar");
const title = el("span", "title", "New chat");
const stop = button("Stop", "stop", () => vscode.postMessage({ type: "stop" }), "Cancel the running turn");
stop.hidden = true;
toolbar.append(
  title,
  stop,
  button("Sessions", "secondary", () => {
    sessionsBox.hidden = !sessionsBox.hidden;
    if (!sessionsBox.hidden) vscode.postMessage({ type: "listSessions" });
  }, "Resume an earlier session"),
  button("New chat", "secondary", () => vscode.postMessage({ type: "newChat" }), "Start a new session"),
);
const sessionsBox = el("div", "sessions");
sessionsBox.hidden = true;
const log = el("div", "log");
log.setAttribute("role", "log");
log.setAttribute("aria-live", "polite");
const composer = el("div", "composer");
const chips = el("div", "chips");
const attach = el("div", "attach");
attach.append(
  button("+ Selection", "link", () => vscode.postMessage({ type: "addSelection" }), "Attach the editor's selection"),
  button("+ File", "link", () => vscode.postMessage({ type: "addFile" }), "Attach the editor's file"),
);
const suggest = el("ul", "suggest");
suggest.hidden = true;
const input = el("textarea", "input");
input.placeholder = "Ask Claude… (/ for commands, Enter to send, Shift+Enter for a new line)";
input.rows = 3;
input.setAttribute("aria-label", "Message to Claude");
const send = button("Send", "primary", () => submit());
composer.append(chips, attach, suggest, input, send);
app.append(toolbar, sessionsBox, log, composer);

// ---- conversation --------------------------------------------------------------------
let textBlock: { node: HTMLElement; text: string; scheduled: boolean } | undefined;
let thinkingBlock: HTMLElement | undefined;
const tools = new Map<string, { details: HTMLDetailsElement; output?: HTMLElement }>();
const questions = new Map<string, HTMLElement>();
const reviews = new Map<string, HTMLElement>();
let usageLine: HTMLElement | undefined;

function scroll(): void {
  log.scrollTop = log.scrollHeight;
}

function add(node: HTMLElement): HTMLElement {
  log.append(node);
  scroll();
  return node;
}

function endBlocks(): void {
  textBlock = undefined;
  thinkingBlock = undefined;
}

function appendText(delta: string): void {
  if (!textBlock) {
    textBlock = { node: add(el("div", "msg assistant markdown")), text: "", scheduled: false };
  }
  const block = textBlock;
  block.text += delta;
  if (block.scheduled) return;
  block.scheduled = true;
  requestAnimationFrame(() => {
    block.scheduled = false;
    block.node.innerHTML = renderMarkdown(block.text); // escaped by markdown-it (html: false)
    scroll();
  });
}

function pre(text: string, className = ""): HTMLElement {
  const node = el("pre", className);
  node.textContent = text;
  return node;
}

function onEvent(event: ChatEvent): void {
  switch (event.kind) {
    case "turnStart":
      endBlocks();
      usageLine = undefined;
      return;
    case "text":
      thinkingBlock = undefined;
      appendText(event.data.text);
      return;
    case "thinking": {
      textBlock = undefined;
      if (!thinkingBlock) {
        const details = el("details", "thinking");
        details.append(el("summary", "", "Thinking"));
        thinkingBlock = pre("");
        details.append(thinkingBlock);
        add(details);
      }
      thinkingBlock.textContent += event.data.text;
      return;
    }
    case "toolCall": {
      endBlocks();
      const details = el("details", "tool");
      details.dataset.tool = event.data.name;
      const summary = el("summary");
      summary.append(el("span", "tool-name", event.data.name), el("span", "tool-arg", " " + toolArgument(event.data.input)));
      details.append(summary, el("div", "label", "Input"), pre(JSON.stringify(event.data.input, null, 2)));
      tools.set(event.data.id, { details });
      add(details);
      return;
    }
    case "toolOutput": {
      const tool = tools.get(event.data.id);
      if (!tool) return;
      tool.output ??= tool.details.appendChild(pre("", "output"));
      tool.output.textContent += event.data.text;
      return;
    }
    case "toolResult": {
      const tool = tools.get(event.data.id);
      if (!tool) return;
      tool.output?.remove();
      tool.details.append(el("div", "label", event.data.isError ? "Error" : "Result"), pre(event.data.content, event.data.isError ? "error" : ""));
      if (event.data.isError) tool.details.classList.add("failed");
      return;
    }
    case "permission":
      endBlocks();
      add(el("div", `note ${event.data.decision}`, `${event.data.decision === "allow" ? "Allowed" : "Denied"}${event.data.by === "rule" ? " by a rule" : ""}: ${event.data.summary}${event.data.reason ? ` (${event.data.reason})` : ""}`));
      return;
    case "usage":
      usageLine ??= add(el("div", "usage"));
      usageLine.textContent = `${event.data.inputTokens + event.data.cacheReadInputTokens + event.data.cacheCreationInputTokens} in · ${event.data.outputTokens} out · $${event.data.costUsd.toFixed(4)}`;
      return;
    case "retry":
      add(el("div", "note", `Retrying (attempt ${event.data.attempt}) in ${event.data.delay}s: ${event.data.error}`));
      return;
    case "compacted":
      add(el("div", "note", `History compacted: ${event.data.tokensBefore} → ${event.data.tokensAfter} tokens`));
      return;
    case "error":
      add(el("div", "note error", event.data.message));
      return;
    case "turnEnd":
      endBlocks();
      return;
  }
}

function toolArgument(input: unknown): string {
  if (typeof input !== "object" || input === null) return "";
  const fields = input as Record<string, unknown>;
  for (const key of ["file_path", "command", "pattern", "query", "path"]) {
    if (typeof fields[key] === "string") return (fields[key] as string).slice(0, 120);
  }
  return "";
}

function question(message: Extract<ToWebview, { type: "permission" }>): void {
  endBlocks();
  const card = el("div", "card permission");
  card.dataset.id = message.id;
  card.append(el("div", "card-title", `Claude wants to use ${message.tool}`), el("div", "summary", message.summary));
  if (message.input) {
    const details = el("details");
    details.append(el("summary", "", "Details"), pre(message.input));
    card.append(details);
  }
  const buttons = el("div", "buttons");
  const answer = (decision: "allowOnce" | "allowAlways" | "deny") => () => {
    for (const b of buttons.querySelectorAll("button")) b.disabled = true;
    vscode.postMessage({ type: "permission", id: message.id, decision });
  };
  buttons.append(
    button("Allow once", "primary", answer("allowOnce")),
    button("Always allow", "secondary", answer("allowAlways")),
    button("Deny", "danger", answer("deny")),
  );
  card.append(buttons);
  questions.set(message.id, card);
  add(card);
}

const DECISION_TEXT: Record<string, string> = { allowOnce: "Allowed once", allowAlways: "Always allowed", deny: "Denied", withdrawn: "Withdrawn" };

function questionDone(id: string, decision: string): void {
  const card = questions.get(id);
  if (!card) return;
  questions.delete(id);
  card.querySelector(".buttons")?.replaceChildren(el("span", "decided", DECISION_TEXT[decision] ?? decision));
}

function review(id: string, files: string[]): void {
  endBlocks();
  const card = el("div", "card review");
  card.append(el("div", "card-title", "Review proposed edit"), el("div", "summary", files.join(", ")), el("div", "hint", "Opened in the diff editor: accept or reject there, or here for all files."));
  const buttons = el("div", "buttons");
  buttons.append(
    button("Accept", "primary", () => vscode.postMessage({ type: "review", id, accept: true })),
    button("Reject", "danger", () => vscode.postMessage({ type: "review", id, accept: false })),
  );
  card.append(buttons);
  reviews.set(id, card);
  add(card);
}

function reviewDone(id: string, accepted: boolean): void {
  const card = reviews.get(id);
  if (!card) return;
  reviews.delete(id);
  card.querySelector(".buttons")?.replaceChildren(el("span", "decided", accepted ? "Accepted" : "Rejected"));
}

function showSessions(sessions: SessionInfo[]): void {
  sessionsBox.replaceChildren();
  if (sessions.length === 0) sessionsBox.append(el("div", "note", "No sessions in this workspace yet."));
  for (const s of sessions) {
    const row = el("div", "session");
    const when = s.modified ? new Date(s.modified * 1000).toLocaleString() : "";
    const open = button(s.title, "link session-title", () => {
      sessionsBox.hidden = true;
      vscode.postMessage({ type: "resume", sessionId: s.sessionId });
    }, `Resume (${s.messages} messages)`);
    row.append(open, el("span", "meta", `${when} · $${s.costUsd.toFixed(4)}${s.running ? " · running" : ""}`), button("Delete", "link", () => vscode.postMessage({ type: "deleteSession", sessionId: s.sessionId })));
    sessionsBox.append(row);
  }
}

// ---- slash commands ---------------------------------------------------------------------
let commands: SlashCommand[] = [];
let selected = 0;

function matches(): SlashCommand[] {
  const value = input.value;
  if (!value.startsWith("/") || /\s/.test(value)) return [];
  return commands.filter((c) => c.name.startsWith(value)).slice(0, 12);
}

function updateSuggestions(): void {
  const found = matches();
  suggest.replaceChildren();
  suggest.hidden = found.length === 0;
  selected = Math.min(selected, Math.max(0, found.length - 1));
  found.forEach((c, i) => {
    const item = el("li", i === selected ? "selected" : "");
    item.append(el("span", "cmd", c.name), el("span", "desc", ` ${c.argumentHint ? c.argumentHint + " — " : ""}${c.description}`));
    item.addEventListener("mousedown", (e) => {
      e.preventDefault();
      complete(c);
    });
    suggest.append(item);
  });
}

function complete(command: SlashCommand): void {
  input.value = command.name + " ";
  updateSuggestions();
  input.focus();
}

input.addEventListener("input", () => {
  selected = 0;
  updateSuggestions();
});
input.addEventListener("keydown", (e) => {
  const found = matches();
  if (found.length > 0 && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
    selected = (selected + (e.key === "ArrowDown" ? 1 : found.length - 1)) % found.length;
    updateSuggestions();
    e.preventDefault();
  } else if (found.length > 0 && (e.key === "Tab" || (e.key === "Enter" && !e.shiftKey && input.value !== found[selected].name))) {
    complete(found[selected]);
    e.preventDefault();
  } else if (e.key === "Enter" && !e.shiftKey) {
    e.preventDefault();
    submit();
  }
});

function submit(): void {
  const text = input.value;
  if (!text.trim()) return;
  vscode.postMessage({ type: "send", text });
  input.value = "";
  updateSuggestions();
}

// Links in rendered markdown open through the extension (http/https only).
log.addEventListener("click", (e) => {
  const link = (e.target as HTMLElement).closest("a");
  if (!link) return;
  e.preventDefault();
  const href = link.getAttribute("href") ?? "";
  if (/^https?:\/\//i.test(href)) vscode.postMessage({ type: "openLink", href });
});

// ---- messages from the extension -----------------------------------------------------------
window.addEventListener("message", (e: MessageEvent) => {
  const message = parseToWebview(e.data);
  if (!message) return;
  switch (message.type) {
    case "reset":
      log.replaceChildren();
      tools.clear();
      questions.clear();
      reviews.clear();
      endBlocks();
      title.textContent = message.title;
      return;
    case "user": {
      endBlocks();
      const node = el("div", "msg user");
      node.append(el("div", "text", message.text));
      if (message.context.length > 0) node.append(el("div", "context", "with " + message.context.join(", ")));
      add(node);
      return;
    }
    case "event":
      onEvent(message.event);
      return;
    case "turnDone": {
      endBlocks();
      const text = message.stopReason === "end_turn" ? "Done" : `Stopped: ${message.stopReason}`;
      add(el("div", `turn-done ${message.stopReason === "end_turn" ? "" : "warn"}`, `${text}${message.error ? ` — ${message.error}` : ""} · $${message.costUsd.toFixed(4)} (session $${message.sessionCostUsd.toFixed(4)})`));
      return;
    }
    case "busy":
      stop.hidden = !message.busy;
      send.disabled = message.busy;
      document.body.classList.toggle("busy", message.busy);
      return;
    case "notice":
      add(el("div", `note ${message.level}`, message.text));
      return;
    case "permission":
      question(message);
      return;
    case "permissionDone":
      questionDone(message.id, message.decision);
      return;
    case "review":
      review(message.id, message.files);
      return;
    case "reviewDone":
      reviewDone(message.id, message.accepted);
      return;
    case "context":
      chips.replaceChildren(...message.items.map((label, index) => {
        const chip = el("span", "chip", label);
        chip.append(button("×", "chip-remove", () => vscode.postMessage({ type: "removeContext", index }), `Remove ${label}`));
        return chip;
      }));
      return;
    case "commands":
      commands = message.commands;
      return;
    case "sessions":
      showSessions(message.sessions);
      return;
  }
});

vscode.postMessage({ type: "ready" });
input.focus();
