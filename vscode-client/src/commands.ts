/**
 * The commands: server control, the API key, and the AI commands. Review and the commit
 * message run the server's own commands (`claude.review`, `claude.commitMessage`), so
 * their results are those of every other editor: review findings are diagnostics with
 * source `claude`, the message is written into the Source Control input box. Fix with
 * Claude is the server's code action. Explain and Ask are chat turns in the chat view,
 * also when picked from the server's light bulb entries.
 */

import * as vscode from "vscode";
import { ASK, COMMIT_MESSAGE, EXPLAIN, EXPLAIN_PROMPT, FIX_KIND, locationContext, notReviewable, parseCommitMessage, parseReviewResult, REVIEW, repositoryHoldsRoot, reviewSummary } from "./aiActions";
import { type ChatView, contextOf } from "./chatView";
import { errorReason } from "./protocol";
import type { Review } from "./review";
import { API_KEY_SECRET, LANGUAGES, type Server } from "./server";

export function registerCommands(
  context: vscode.ExtensionContext,
  server: Server,
  chat: ChatView,
  review: Review,
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
    if (attached) await chat.ask(EXPLAIN_PROMPT, [attached], "plan");
  });
  register("claude-lsp.reviewFile", async () => {
    const document = vscode.window.activeTextEditor?.document;
    if (!document) {
      void vscode.window.showInformationMessage("Claude LSP: open a file first.");
      return;
    }
    const reason = notReviewable(document, LANGUAGES);
    if (reason) {
      void vscode.window.showInformationMessage(`Claude LSP: cannot review ${vscode.workspace.asRelativePath(document.uri)}: ${reason}.`);
      return;
    }
    const name = vscode.workspace.asRelativePath(document.uri);
    await failuresShown(async () => {
      const result = parseReviewResult(await server.executeCommand(REVIEW, [document.uri.toString()]));
      if (!result) throw new Error(`${REVIEW} gave an answer of the wrong shape`);
      const summary = reviewSummary(result, name);
      server.output.info(summary);
      const choice = await vscode.window.showInformationMessage(summary, ...(result.findings > 0 ? ["Show Problems"] : []));
      if (choice === "Show Problems") await vscode.commands.executeCommand("workbench.actions.view.problems");
    });
  });
  // The server's "Fix with Claude: …" actions for the diagnostics at the cursor (VS Code resolves and applies the edit).
  register("claude-lsp.fix", () => vscode.commands.executeCommand("editor.action.codeAction", { kind: FIX_KIND, apply: "ifSingle" }));
  register("claude-lsp.acceptEdit", (uri?: vscode.Uri) => review.decideActive(true, uri));
  register("claude-lsp.rejectEdit", (uri?: vscode.Uri) => review.decideActive(false, uri));
  register("claude-lsp.commitMessage", (sourceControl?: { rootUri?: vscode.Uri }) => generateCommitMessage(server, sourceControl?.rootUri));

  // The light bulb's "Explain … with Claude" and "Ask Claude about this…" (server actions) run in the chat view.
  const relative = (uri: string) => vscode.workspace.asRelativePath(vscode.Uri.parse(uri));
  server.overrides.set(EXPLAIN, async (args) => {
    const attached = locationContext(args[0], relative);
    if (!attached) throw new Error(`${EXPLAIN} needs a location {uri, range?}`);
    await chat.ask(EXPLAIN_PROMPT, [attached], "plan");
  });
  server.overrides.set(ASK, async (args) => {
    const attached = locationContext(args[0], relative);
    if (!attached) throw new Error(`${ASK} needs a location {uri, range?}`);
    const given = typeof args[1] === "string" && args[1].trim() ? args[1].trim() : undefined;
    const question = given ?? (await vscode.window.showInputBox({ title: `Ask Claude about ${attached.label}`, prompt: "Your question", ignoreFocusOut: true }))?.trim();
    if (question) await chat.ask(question, [attached]);
  });
}

/** Runs `work`; a failure is shown as one error message (with what to do when there are no credentials). */
async function failuresShown(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const hint = errorReason(error) === "noCredentials" ? " Run Claude LSP: Set API Key." : "";
    void vscode.window.showErrorMessage(`Claude LSP: ${(error as Error).message}${hint}`);
  }
}

interface GitRepository {
  rootUri: vscode.Uri;
  inputBox: { value: string };
}

async function generateCommitMessage(server: Server, root?: vscode.Uri): Promise<void> {
  const git = vscode.extensions.getExtension<{ getAPI(version: 1): { repositories: GitRepository[] } }>("vscode.git");
  const repositories = git ? (await git.activate()).getAPI(1).repositories : [];
  // The server describes what is staged in the repository of its root, the first workspace folder.
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const holdsRoot = (r: GitRepository) => folder !== undefined && repositoryHoldsRoot(r.rootUri.path, folder.path);
  const repository = root ? repositories.find((r) => r.rootUri.toString() === root.toString()) : (repositories.find(holdsRoot) ?? repositories[0]);
  if (!repository) {
    void vscode.window.showInformationMessage("Claude LSP: no git repository is open.");
    return;
  }
  if (!holdsRoot(repository)) {
    void vscode.window.showErrorMessage(
      `Claude LSP: commit messages are written for the repository of the first workspace folder, not ${repository.rootUri.fsPath}.`,
    );
    return;
  }
  await vscode.window.withProgress({ location: vscode.ProgressLocation.SourceControl, title: "Claude is writing a commit message" }, () =>
    failuresShown(async () => {
      const message = parseCommitMessage(await server.executeCommand(COMMIT_MESSAGE, []));
      if (!message) throw new Error(`${COMMIT_MESSAGE} gave no message`);
      repository.inputBox.value = message;
    }),
  );
}
