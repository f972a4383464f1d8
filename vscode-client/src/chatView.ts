/**
 * The chat view: a webview in the side bar on the `claude/*` protocol. The extension
 * keeps the conversation's state (session, running turn, pending questions, the
 * messages shown so far) so the view can be hidden, closed and restored without losing
 * anything; the webview only renders.
 */

import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { MAX_PROMPT, parseFromWebview, type FromWebview, type ToWebview } from "./chatMessages";
import {
  CHAT,
  COMMANDS,
  type ChatEvent,
  type ChatParams,
  type ContextItem,
  type Decision,
  errorReason,
  parseChatResult,
  parseCommands,
  parseSessions,
  type PermissionMode,
  type PermissionParams,
  SESSIONS,
  serverSupportsChat,
} from "./protocol";
import type { Review } from "./review";
import type { SessionRouter } from "./router";

export const VIEW_ID = "claude-lsp.chat";

export interface ChatHost {
  client(): Promise<LanguageClient | undefined>;
  router: SessionRouter<(event: ChatEvent) => void>;
  review: Review;
  output: vscode.LogOutputChannel;
}

interface Attached {
  item: ContextItem;
  label: string;
}

export class ChatView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private sessionId: string | undefined;
  private running: vscode.CancellationTokenSource | undefined;
  private shown: ToWebview[] = [];
  /**
   * The page has said "ready": until then nothing is posted to it (a message posted while
   * it loads may be lost or arrive beside the replay, shown twice); the conversation is
   * replayed at "ready", other messages wait in `pending`.
   */
  private viewReady = false;
  private pending: ToWebview[] = [];
  private attached: Attached[] = [];
  private readonly questions = new Map<string, { message: ToWebview; answer: (d: Decision) => void }>();
  private readonly busyEmitter = new vscode.EventEmitter<boolean>();
  private readonly turnEmitter = new vscode.EventEmitter<void>();
  /** true while a turn runs (status bar spinner). */
  readonly onDidChangeBusy = this.busyEmitter.event;
  /** A turn ended (status bar refreshes tokens and cost). */
  readonly onDidEndTurn = this.turnEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private questionCounter = 0;
  /** Bumped by New chat / resume: a turn from before (cancelled, still answering) no longer shows here. */
  private generation = 0;

  /** The router's consumer for this conversation's events. */
  private consumer(): (event: ChatEvent) => void {
    const generation = this.generation;
    return (event) => {
      if (generation === this.generation) this.post({ type: "event", event }, true);
    };
  }

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: ChatHost,
  ) {
    this.disposables.push(
      host.review.onDidStart(({ id, files }) => this.post({ type: "review", id, files }, true)),
      host.review.onDidEnd(({ id, accepted }) => this.post({ type: "reviewDone", id, accepted }, true)),
    );
  }

  dispose(): void {
    this.running?.cancel();
    for (const d of this.disposables) d.dispose();
    this.busyEmitter.dispose();
    this.turnEmitter.dispose();
  }

  get currentSession(): string | undefined {
    return this.sessionId;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.viewReady = false;
    const media = vscode.Uri.joinPath(this.extensionUri, "dist");
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    view.webview.html = html(view.webview, media);
    view.webview.onDidReceiveMessage((raw: unknown) => {
      const message = parseFromWebview(raw);
      if (!message) {
        this.host.output.warn(`chat view: ignored an invalid message ${JSON.stringify(raw).slice(0, 200)}`);
        return;
      }
      void this.handle(message);
    });
    view.onDidDispose(() => {
      if (this.view !== view) return;
      this.view = undefined;
      this.viewReady = false;
      this.pending = [];
    });
  }

  async reveal(): Promise<void> {
    if (this.view) this.view.show(true);
    else await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
  }

  /** Runs a turn in the current session (commands use this too). */
  async ask(prompt: string, context: { item: ContextItem; label: string }[] = [], permissionMode?: PermissionMode): Promise<void> {
    await this.reveal();
    this.attached.push(...context);
    await this.send(prompt, permissionMode);
  }

  newChat(): void {
    this.running?.cancel();
    this.generation++;
    if (this.sessionId) this.host.router.disown(this.sessionId);
    this.sessionId = undefined;
    this.shown = [];
    this.post({ type: "reset", title: "New chat" }, true);
    this.postContext();
  }

  /** `claude/permission`: asked inline in the view; a closed or withdrawn question is a denial. */
  async permission(params: PermissionParams, token: vscode.CancellationToken): Promise<{ decision: Decision }> {
    const id = `q${++this.questionCounter}`;
    let input: string;
    try {
      input = JSON.stringify(params.input, null, 2).slice(0, MAX_PROMPT);
    } catch {
      input = "";
    }
    const message: ToWebview = { type: "permission", id, tool: params.tool, summary: params.summary, input };
    await this.reveal();
    return new Promise((resolve) => {
      const finish = (decision: Decision, shown: Decision | "withdrawn"): void => {
        if (!this.questions.delete(id)) return;
        cancel.dispose();
        this.post({ type: "permissionDone", id, decision: shown }, true);
        resolve({ decision });
      };
      const cancel = token.onCancellationRequested(() => finish("deny", "withdrawn"));
      this.questions.set(id, { message, answer: (decision) => finish(decision, decision) });
      this.post(message, true);
    });
  }

  private async handle(message: FromWebview): Promise<void> {
    switch (message.type) {
      case "ready":
        this.viewReady = true;
        this.replay();
        void this.sendCommands();
        return;
      case "send":
        return this.send(message.text);
      case "stop":
        this.running?.cancel();
        return;
      case "newChat":
        return this.newChat();
      case "listSessions":
        return this.listSessions();
      case "resume":
        return this.resume(message.sessionId);
      case "deleteSession":
        return this.deleteSession(message.sessionId);
      case "permission":
        this.questions.get(message.id)?.answer(message.decision);
        return;
      case "review":
        this.host.review.decideAll(message.id, message.accept);
        return;
      case "addSelection":
      case "addFile":
        return this.attachEditor(message.type === "addSelection");
      case "removeContext":
        this.attached.splice(message.index, 1);
        this.postContext();
        return;
      case "openLink":
        void vscode.env.openExternal(vscode.Uri.parse(message.href));
        return;
    }
  }

  private async send(prompt: string, permissionMode?: PermissionMode): Promise<void> {
    if (this.running) {
      this.post({ type: "notice", level: "error", text: "A turn is already running: Stop it first." }, false);
      return;
    }
    const client = await this.host.client();
    if (!client) {
      this.post({ type: "notice", level: "error", text: "The Claude LSP server is not running. See Claude LSP: Show Logs." }, true);
      return;
    }
    if (!serverSupportsChat(client.initializeResult?.capabilities)) {
      this.post({ type: "notice", level: "error", text: "This claude-lsp server does not offer chat (claude/chat): update it, or unset claude-lsp.server.path to use the bundled one." }, true);
      return;
    }
    // Model and permission mode come from the server's settings (pushed from ours);
    // a command may ask for a stricter mode for its own turn.
    const params: ChatParams = { prompt };
    if (this.sessionId) params.sessionId = this.sessionId;
    if (this.attached.length > 0) params.context = this.attached.map((a) => a.item);
    if (permissionMode) params.permissionMode = permissionMode;
    this.post({ type: "user", text: prompt, context: this.attached.map((a) => a.label) }, true);
    this.attached = [];
    this.postContext();
    const cts = new vscode.CancellationTokenSource();
    this.running = cts;
    this.setBusy(true);
    const generation = this.generation;
    const current = () => generation === this.generation;
    let finish: ((sessionId: string | undefined) => void) | undefined;
    if (!this.sessionId) finish = await this.host.router.beginNew(this.consumer());
    else this.host.router.own(this.sessionId, this.consumer());
    let sessionId: string | undefined;
    try {
      const result = parseChatResult(await client.sendRequest(CHAT, params, cts.token));
      if (!result) throw new Error("the server sent a claude/chat result of the wrong shape");
      sessionId = result.sessionId;
      if (current()) {
        this.sessionId = result.sessionId;
        this.post({ type: "turnDone", stopReason: result.stopReason, error: result.error, costUsd: result.costUsd, sessionCostUsd: result.sessionCostUsd }, true);
      }
    } catch (error) {
      const reason = errorReason(error);
      const text = (error as Error).message || String(error);
      if (current()) {
        this.post({ type: "notice", level: "error", text: reason === "noCredentials" ? `${text} (Claude LSP: Set API Key stores one for this extension.)` : text }, true);
        if (reason === "sessionNotFound") this.sessionId = undefined;
      }
    } finally {
      finish?.(sessionId);
      cts.dispose();
      this.running = undefined;
      this.setBusy(false);
      this.turnEmitter.fire();
    }
  }

  private setBusy(busy: boolean): void {
    this.post({ type: "busy", busy }, false);
    this.busyEmitter.fire(busy);
  }

  private async listSessions(): Promise<void> {
    const client = await this.host.client();
    if (!client) return;
    try {
      const sessions = parseSessions(await client.sendRequest(SESSIONS, { action: "list" }));
      this.post({ type: "sessions", sessions }, false);
    } catch (error) {
      this.post({ type: "notice", level: "error", text: `Could not list sessions: ${(error as Error).message}` }, false);
    }
  }

  private async resume(sessionId: string): Promise<void> {
    if (this.running) return;
    this.newChat();
    this.sessionId = sessionId;
    this.host.router.own(sessionId, this.consumer());
    this.post({ type: "reset", title: "Resumed session" }, true);
    this.post({ type: "notice", level: "info", text: `Resumed session ${sessionId}: your next message continues it.` }, true);
  }

  private async deleteSession(sessionId: string): Promise<void> {
    const client = await this.host.client();
    if (!client) return;
    try {
      await client.sendRequest(SESSIONS, { action: "delete", sessionId });
      if (this.sessionId === sessionId) this.newChat();
    } catch (error) {
      this.post({ type: "notice", level: "error", text: `Could not delete the session: ${(error as Error).message}` }, false);
    }
    await this.listSessions();
  }

  private attachEditor(selectionOnly: boolean): void {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      this.post({ type: "notice", level: "error", text: "Open a file in an editor first." }, false);
      return;
    }
    this.attached.push(contextOf(editor, selectionOnly));
    this.postContext();
  }

  private postContext(): void {
    this.post({ type: "context", items: this.attached.map((a) => a.label) }, false);
  }

  private async sendCommands(): Promise<void> {
    const client = await this.host.client();
    if (!client) return;
    try {
      this.post({ type: "commands", commands: parseCommands(await client.sendRequest(COMMANDS, {})) }, false);
    } catch (error) {
      this.host.output.info(`claude/commands: ${(error as Error).message}`);
    }
  }

  /** A re-created webview gets what it showed before, and any open question. */
  private replay(): void {
    for (const message of this.shown) void this.view?.webview.postMessage(message);
    for (const { message } of this.questions.values()) void this.view?.webview.postMessage(message);
    for (const message of this.pending.splice(0)) void this.view?.webview.postMessage(message);
    this.postContext();
    this.setBusy(this.running !== undefined);
  }

  /** `keep`: part of the conversation, replayed when the view is re-created. */
  private post(message: ToWebview, keep: boolean): void {
    if (keep && message.type !== "permission") {
      if (message.type === "reset") this.shown = [];
      this.shown.push(message);
    } else if (this.view && !this.viewReady && message.type !== "permission" && message.type !== "context" && message.type !== "busy") {
      this.pending.push(message); // context and busy are sent afresh at "ready", permission questions replayed
    }
    if (this.viewReady) void this.view?.webview.postMessage(message);
  }
}

/** The editor's selection (or whole file) as a `claude/chat` context item with a label. */
export function contextOf(editor: vscode.TextEditor, selectionOnly: boolean): Attached {
  const name = vscode.workspace.asRelativePath(editor.document.uri);
  const selection = editor.selection;
  if (!selectionOnly || selection.isEmpty) return { item: { uri: editor.document.uri.toString() }, label: name };
  const range = {
    start: { line: selection.start.line, character: selection.start.character },
    end: { line: selection.end.line, character: selection.end.character },
  };
  return { item: { uri: editor.document.uri.toString(), range }, label: `${name}:${selection.start.line + 1}-${selection.end.line + 1}` };
}

function nonce(): string {
  return randomBytes(18).toString("base64");
}

/**
 * The page: no remote resources, scripts only with this load's nonce, styles only
 * from the extension, images only inline or from the extension.
 */
function html(webview: vscode.Webview, media: vscode.Uri): string {
  const n = nonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(media, "webview.js"));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(media, "webview.css"));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${n}'`,
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Claude</title>
</head>
<body>
<div id="app"></div>
<script nonce="${n}" src="${script}"></script>
</body>
</html>`;
}
