/**
 * Entry point: wires the server, the chat view, diff review, the status item and the
 * commands together. Activation does not wait for the server (which may be installing
 * on first start), so VS Code is never held up; the log records how long activation took.
 */

import { performance } from "node:perf_hooks";
import * as vscode from "vscode";
import { ChatView, VIEW_ID } from "./chatView";
import { registerCommands } from "./commands";
import { CHAT_EVENT, type ChatEvent, PERMISSION, parseChatEvent, parsePermissionParams } from "./protocol";
import { Review } from "./review";
import { SessionRouter } from "./router";
import { API_KEY_SECRET, SECTION, Server } from "./server";
import { changeKind } from "./settings";
import { Status } from "./status";

let server: Server | undefined;

/** Set by the bundle's first line (esbuild banner), so loading the bundle is counted too. */
declare const __claudeLspLoadStart: number | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const started = typeof __claudeLspLoadStart === "number" ? __claudeLspLoadStart : performance.now();
  const output = vscode.window.createOutputChannel("Claude LSP", { log: true });
  const review = new Review(output);
  const router = new SessionRouter<(event: ChatEvent) => void>();
  // The chat view (created below, before any client starts) answers permission questions.
  server = new Server(context, output, (client) => {
    review.attach(client);
    client.onNotification(CHAT_EVENT, (params: unknown) => {
      const event = parseChatEvent(params);
      if (event) router.ownerOf(event.sessionId)?.(event);
    });
    client.onRequest(PERMISSION, (params: unknown, token: vscode.CancellationToken) => {
      const question = parsePermissionParams(params);
      if (!question) return { decision: "deny" };
      return chat.permission(question, token);
    });
  });
  const running = server;
  const chat = new ChatView(context.extensionUri, { client: () => running.ready(), router, review, output });
  const status = new Status(running, chat);
  context.subscriptions.push(
    output,
    review,
    chat,
    status,
    running,
    vscode.window.registerWebviewViewProvider(VIEW_ID, chat, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      const kind = changeKind((key) => event.affectsConfiguration(key));
      if (kind === "restart") void running.restart();
      else if (kind === "push") running.pushSettings();
    }),
    context.secrets.onDidChange((event) => {
      if (event.key === API_KEY_SECRET) void running.restart();
    }),
  );
  registerCommands(context, running, chat, review);
  void running.start();
  output.info(`${SECTION} ${context.extension.packageJSON.version as string} activated in ${(performance.now() - started).toFixed(1)} ms (bundle load included, server start not)`);
}

export async function deactivate(): Promise<void> {
  await server?.stop();
}
