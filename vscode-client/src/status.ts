/** The status bar item: model, session tokens and cost, a spinner while a turn runs. */

import * as vscode from "vscode";
import type { ChatView } from "./chatView";
import { statusText } from "./format";
import { parseStatus, serverSupportsChat, STATUS, type StatusResult } from "./protocol";
import type { Server } from "./server";

export class Status implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("claude-lsp.status", vscode.StatusBarAlignment.Right, 100);
  private last: StatusResult | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly server: Server,
    private readonly chat: ChatView,
  ) {
    this.item.name = "Claude LSP";
    this.item.command = "claude-lsp.openChat";
    this.disposables.push(
      server.onDidChangeState(() => void this.refresh()),
      chat.onDidChangeBusy(() => this.render()),
      chat.onDidEndTurn(() => void this.refresh()),
    );
    this.render();
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.item.dispose();
  }

  async refresh(): Promise<void> {
    const client = this.server.client;
    this.last = undefined;
    if (this.server.state === "running" && client && serverSupportsChat(client.initializeResult?.capabilities)) {
      try {
        this.last = parseStatus(await client.sendRequest(STATUS, {}));
      } catch (error) {
        this.server.output.info(`claude/status: ${(error as Error).message}`);
      }
    }
    this.render();
  }

  private render(): void {
    const state = this.server.state;
    this.item.backgroundColor = undefined;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.isTrusted = { enabledCommands: ["claude-lsp.setApiKey", "claude-lsp.showLogs", "claude-lsp.restartServer"] };
    if (state === "starting") {
      this.item.text = "$(sync~spin) Claude";
      tooltip.appendMarkdown("Claude LSP: starting the server…");
    } else if (state === "failed" || state === "stopped") {
      this.item.text = "$(error) Claude";
      this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
      tooltip.appendMarkdown(`Claude LSP: the server is ${state === "failed" ? "not running (it failed to start)" : "stopped"}.\n\n[Show Logs](command:claude-lsp.showLogs) · [Restart](command:claude-lsp.restartServer)`);
    } else if (this.last) {
      const status = this.last;
      this.item.text = statusText(status, this.chat.currentSession, this.chat.busy);
      if (!status.credentials.ok) {
        this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.warningBackground");
        tooltip.appendMarkdown(`**No credentials.** ${status.credentials.message ?? ""}\n\n[Set API Key](command:claude-lsp.setApiKey)`);
      } else {
        tooltip.appendMarkdown(`Claude LSP ${status.version} · model \`${status.model}\` · permission mode \`${status.permissionMode}\`\n\nSpent since the server started: $${status.costUsd.toFixed(4)}. Click to open the chat.`);
      }
    } else {
      this.item.text = this.chat.busy ? "$(loading~spin) Claude" : "$(sparkle) Claude";
      tooltip.appendMarkdown("Claude LSP: running. Click to open the chat.");
    }
    this.item.tooltip = tooltip;
  }
}
