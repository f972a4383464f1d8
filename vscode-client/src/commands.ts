/**
 * The commands: server control, the API key, and the AI commands. The AI commands are
 * chat turns with the right context (the selection, the file, the diagnostics), so
 * they show in the chat view with their tool calls, permissions and cost; the commit
 * message runs as a turn of its own in plan mode (read-only) and fills the Source
 * Control input box.
 */

import * as vscode from "vscode";
import { type ChatView, contextOf } from "./chatView";
import { commitMessage } from "./format";
import { CHAT, type ChatEvent, errorReason, parseChatResult, serverSupportsChat } from "./protocol";
import type { Review } from "./review";
import type { SessionRouter } from "./router";
import { API_KEY_SECRET, LANGUAGES, type Server } from "./server";

const MAX_DIFF = 60_000;

export function registerCommands(
  context: vscode.ExtensionContext,
  server: Server,
  chat: ChatView,
  review: Review,
  router: SessionRouter<(event: ChatEvent) => void>,
): void {
  const editorContext = (selectionOnly: boolean) => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage("Claude LSP: open a file first.");
      return undefined;
    }
    return contextOf(editor, selectionOnly);
  };
  const register = (id: string, run: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, run));

  register("claude-lsp.restartServer", () => server.restart());
  register("claude-lsp.showLogs", () => server.output.show());
  register("claude-lsp.openChat", () => chat.reveal());
  register("claude-lsp.newChat", async () => {
    chat.newChat();
    await chat.reveal();
  });
  register("claude-lsp.setApiKey", async () => {
    const key = await vscode.window.showInputBox({
      title: "Claude LSP: Anthropic API key",
      prompt: "Stored in VS Code's secret storage and given to the server through its environment only. Leave empty to remove the stored key.",
      password: true,
      ignoreFocusOut: true,
      placeHolder: "sk-ant-…",
    });
    if (key === undefined) return;
    if (key.trim() === "") await context.secrets.delete(API_KEY_SECRET);
    else await context.secrets.store(API_KEY_SECRET, key.trim());
    void vscode.window.showInformationMessage(key.trim() === "" ? "Claude LSP: API key removed; restarting the server." : "Claude LSP: API key stored; restarting the server.");
  });
  register("claude-lsp.askAboutSelection", async () => {
    const attached = editorContext(true);
    if (!attached) return;
    const question = await vscode.window.showInputBox({ title: `Ask Claude about ${attached.label}`, prompt: "Your question", ignoreFocusOut: true });
    if (question?.trim()) await chat.ask(question.trim(), [attached]);
  });
  register("claude-lsp.explain", async () => {
    const attached = editorContext(true);
    if (attached) await chat.ask("Explain this code: what it does, how it does it, and anything surprising about it.", [attached], "plan");
  });
  register("claude-lsp.reviewFile", async () => {
    const attached = editorContext(false);
    if (attached) {
      await chat.ask(
        "Review this file: list bugs, risky code and unclear parts, most important first, each with its line number and a suggested fix. Do not edit the file.",
        [attached],
        "plan",
      );
    }
  });
  register("claude-lsp.fix", async (uri?: vscode.Uri, range?: vscode.Range, messages?: string[]) => {
    const editor = vscode.window.activeTextEditor;
    const target = uri ?? editor?.document.uri;
    if (!target) return;
    const lines = range ?? editor?.selection;
    const diagnostics =
      messages ??
      vscode.languages
        .getDiagnostics(target)
        .filter((d) => !lines || d.range.intersection(new vscode.Range(lines.start.line, 0, lines.end.line + 1, 0)))
        .map((d) => `line ${d.range.start.line + 1}: ${d.message}${d.source ? ` [${d.source}]` : ""}`);
    const where = lines ?? new vscode.Range(0, 0, 0, 0);
    const name = vscode.workspace.asRelativePath(target);
    const span = { start: { line: where.start.line, character: 0 }, end: { line: where.end.line + 1, character: 0 } };
    const problem = diagnostics.length > 0 ? `these problems:\n${diagnostics.map((m) => `- ${m}`).join("\n")}` : "the problem in this code";
    await chat.ask(`Fix ${problem}\nin ${name}. Make the smallest change that fixes it.`, [{ item: { uri: target.toString(), range: span }, label: `${name}:${where.start.line + 1}` }]);
  });
  register("claude-lsp.acceptEdit", (uri?: vscode.Uri) => review.decideActive(true, uri));
  register("claude-lsp.rejectEdit", (uri?: vscode.Uri) => review.decideActive(false, uri));
  register("claude-lsp.commitMessage", (sourceControl?: { rootUri?: vscode.Uri }) => generateCommitMessage(server, router, sourceControl?.rootUri));

  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider(
      LANGUAGES.map((language) => ({ language })),
      new FixWithClaude(),
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
    ),
  );
}

/** "Fix with Claude" in the light bulb, for any diagnostic in range, from any source. */
class FixWithClaude implements vscode.CodeActionProvider {
  provideCodeActions(document: vscode.TextDocument, range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.diagnostics.length === 0) return [];
    const action = new vscode.CodeAction("Fix with Claude", vscode.CodeActionKind.QuickFix);
    const lines = context.diagnostics.reduce((r, d) => r.union(d.range), range);
    action.command = {
      command: "claude-lsp.fix",
      title: "Fix with Claude",
      arguments: [document.uri, lines, context.diagnostics.map((d) => `line ${d.range.start.line + 1}: ${d.message}${d.source ? ` [${d.source}]` : ""}`)],
    };
    action.diagnostics = [...context.diagnostics];
    return [action];
  }
}

interface GitRepository {
  rootUri: vscode.Uri;
  inputBox: { value: string };
  diff(cached?: boolean): Promise<string>;
}

async function generateCommitMessage(server: Server, router: SessionRouter<(event: ChatEvent) => void>, root?: vscode.Uri): Promise<void> {
  const git = vscode.extensions.getExtension<{ getAPI(version: 1): { repositories: GitRepository[] } }>("vscode.git");
  const repositories = git ? (await git.activate()).getAPI(1).repositories : [];
  const repository = repositories.find((r) => root && r.rootUri.toString() === root.toString()) ?? repositories[0];
  if (!repository) {
    void vscode.window.showInformationMessage("Claude LSP: no git repository is open.");
    return;
  }
  const diff = await repository.diff(true);
  if (!diff.trim()) {
    void vscode.window.showInformationMessage("Claude LSP: nothing is staged; stage the changes to describe first.");
    return;
  }
  const client = await server.ready();
  if (!client || !serverSupportsChat(client.initializeResult?.capabilities)) {
    void vscode.window.showErrorMessage("Claude LSP: the server is not running or does not offer chat.");
    return;
  }
  const prompt = [
    "Write a git commit message for the staged changes below. Answer with the message only, no code fences:",
    "a subject line of at most 72 characters in the imperative mood, then (only if useful) a blank line and a short body.",
    "",
    "```diff",
    diff.length > MAX_DIFF ? `${diff.slice(0, MAX_DIFF)}\n… (diff truncated)` : diff,
    "```",
  ].join("\n");
  await vscode.window.withProgress({ location: vscode.ProgressLocation.SourceControl, title: "Claude is writing a commit message" }, async () => {
    const finish = await router.beginNew(() => undefined);
    let sessionId: string | undefined;
    try {
      const result = parseChatResult(await client.sendRequest(CHAT, { prompt, permissionMode: "plan" }));
      sessionId = result?.sessionId;
      const message = result ? commitMessage(result.result) : "";
      if (!result || result.stopReason !== "end_turn" || !message) {
        void vscode.window.showErrorMessage(`Claude LSP: no commit message (${result?.error ?? result?.stopReason ?? "invalid answer"}).`);
        return;
      }
      repository.inputBox.value = message;
    } catch (error) {
      const hint = errorReason(error) === "noCredentials" ? " Run Claude LSP: Set API Key." : "";
      void vscode.window.showErrorMessage(`Claude LSP: ${(error as Error).message}${hint}`);
    } finally {
      finish(sessionId);
    }
  });
}
