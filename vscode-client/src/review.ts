/**
 * Diff review of the agent's edits. vscode-languageclient 9 has no middleware for
 * `workspace/applyEdit`, so this module installs its own handler for that request on
 * each client. With `claude-lsp.agent.reviewEdits` on, an edit from the agent (labelled
 * `Claude: …`, or carrying a change annotation that needs confirmation) opens VS Code's
 * diff editor per file, with Accept / Reject in the editor title bar and in the chat
 * view; it is applied only when every file is accepted. A rejection answers
 * `applied: false` with a `failureReason`, which reaches the model. Every other edit
 * is applied as the language client would.
 */

import * as path from "node:path";
import * as vscode from "vscode";
import type { ApplyWorkspaceEditParams, ApplyWorkspaceEditResult, LanguageClient } from "vscode-languageclient/node";
import { applyTextEdits, type TextEdit } from "./textEdits";

export const PROPOSED_SCHEME = "claude-lsp-proposed";

interface FileReview {
  uri: vscode.Uri; // the real file
  proposed: vscode.Uri; // the diff's right side
  original: vscode.Uri; // the diff's left side (the file, or an empty document for a new file)
  decision?: boolean;
}

interface Pending {
  id: string;
  label: string;
  files: FileReview[];
  done: (accepted: boolean, reason?: string) => void;
}

type Change = ApplyWorkspaceEditParams["edit"]["documentChanges"] extends (infer C)[] | undefined ? C : never;

let counter = 0;

export class Review implements vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly pending = new Map<string, Pending>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  private readonly startEmitter = new vscode.EventEmitter<{ id: string; files: string[] }>();
  private readonly endEmitter = new vscode.EventEmitter<{ id: string; accepted: boolean }>();
  readonly onDidStart = this.startEmitter.event;
  readonly onDidEnd = this.endEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly output: vscode.LogOutputChannel) {
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, {
        onDidChange: this.changeEmitter.event,
        provideTextDocumentContent: (uri) => this.contents.get(uri.toString()) ?? "",
      }),
      // Closing a file's diff without deciding rejects that file (a review never hangs).
      vscode.window.tabGroups.onDidChangeTabs(({ closed }) => {
        for (const tab of closed) {
          if (tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.scheme === PROPOSED_SCHEME) {
            const uri = tab.input.modified;
            const review = [...this.pending.values()].find((r) => r.files.some((f) => f.proposed.toString() === uri.toString() && f.decision === undefined));
            if (review) this.decideActive(false, uri);
          }
        }
      }),
    );
  }

  dispose(): void {
    for (const review of this.pending.values()) review.done(false, "VS Code closed the review");
    for (const d of this.disposables) d.dispose();
    this.changeEmitter.dispose();
    this.startEmitter.dispose();
    this.endEmitter.dispose();
  }

  /** Installs the `workspace/applyEdit` handler on a client (before it starts). */
  attach(client: LanguageClient): void {
    client.onRequest("workspace/applyEdit", (params: ApplyWorkspaceEditParams, token: vscode.CancellationToken) =>
      this.handle(client, params, token),
    );
  }

  /** Accepts or rejects the file shown in the active diff editor (title-bar buttons). */
  decideActive(accept: boolean, uri?: vscode.Uri): void {
    const target = uri ?? activeProposedUri();
    if (!target) return;
    for (const review of this.pending.values()) {
      const file = review.files.find((f) => f.proposed.toString() === target.toString());
      if (file) {
        file.decision = accept;
        this.settleIfDecided(review);
        return;
      }
    }
  }

  /** Accepts or rejects every file of a review (the chat view's buttons). */
  decideAll(id: string, accept: boolean): void {
    const review = this.pending.get(id);
    if (!review) return;
    for (const file of review.files) file.decision ??= accept;
    if (!accept) for (const file of review.files) file.decision = false;
    this.settleIfDecided(review);
  }

  private settleIfDecided(review: Pending): void {
    const rejected = review.files.filter((f) => f.decision === false);
    if (rejected.length > 0) {
      const names = rejected.map((f) => vscode.workspace.asRelativePath(f.uri)).join(", ");
      review.done(false, `The user rejected the proposed edit to ${names} in review; nothing was changed.`);
    } else if (review.files.every((f) => f.decision === true)) {
      review.done(true);
    }
  }

  private needsReview(params: ApplyWorkspaceEditParams): boolean {
    if (!vscode.workspace.getConfiguration("claude-lsp").get<boolean>("agent.reviewEdits", true)) return false;
    const annotations = Object.values(params.edit.changeAnnotations ?? {});
    return isAgentEdit(params) || annotations.some((a) => a.needsConfirmation === true);
  }

  private async handle(client: LanguageClient, params: ApplyWorkspaceEditParams, token: vscode.CancellationToken): Promise<ApplyWorkspaceEditResult> {
    if (this.needsReview(params)) {
      let files: FileReview[];
      try {
        files = await this.proposedFiles(params);
      } catch (error) {
        return { applied: false, failureReason: (error as Error).message };
      }
      const verdict = await this.ask(params.label ?? "Claude's edit", files, token);
      if (!verdict.accepted) return { applied: false, failureReason: verdict.reason };
      // Reviewed here: VS Code must not ask again in its own refactor preview.
      const annotations = Object.fromEntries(
        Object.entries(params.edit.changeAnnotations ?? {}).map(([key, a]) => [key, { ...a, needsConfirmation: false }]),
      );
      return apply(client, { ...params, edit: { ...params.edit, changeAnnotations: annotations } }, true);
    }
    return apply(client, params, isAgentEdit(params));
  }

  /** The before/after of every file the edit touches. */
  private async proposedFiles(params: ApplyWorkspaceEditParams): Promise<FileReview[]> {
    const id = `r${++counter}`;
    const texts = new Map<string, { uri: vscode.Uri; before: string | undefined; after: string }>();
    const current = async (uri: vscode.Uri): Promise<{ uri: vscode.Uri; before: string | undefined; after: string }> => {
      const key = uri.toString();
      let entry = texts.get(key);
      if (!entry) {
        const document = await vscode.workspace.openTextDocument(uri);
        entry = { uri, before: document.getText(), after: document.getText() };
        texts.set(key, entry);
      }
      return entry;
    };
    const changes: Change[] = params.edit.documentChanges ?? [];
    for (const change of changes) {
      if ("kind" in change) {
        if (change.kind !== "create") throw new Error(`this client reviews text edits and new files only; a ${change.kind} was not applied`);
        const uri = vscode.Uri.parse(change.uri);
        texts.set(uri.toString(), { uri, before: undefined, after: "" });
        continue;
      }
      const uri = vscode.Uri.parse(change.textDocument.uri);
      const entry = await current(uri);
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      const version = change.textDocument.version;
      if (typeof version === "number" && open && open.version !== version) {
        throw new Error(`${vscode.workspace.asRelativePath(uri)} changed in the editor (version ${open.version}, edit for ${version}); nothing was changed`);
      }
      entry.after = applyTextEdits(entry.after, change.edits as TextEdit[]);
    }
    for (const [uriText, edits] of Object.entries(params.edit.changes ?? {})) {
      const entry = await current(vscode.Uri.parse(uriText));
      entry.after = applyTextEdits(entry.after, edits);
    }
    return [...texts.values()].map(({ uri, before, after }) => {
      const proposed = uri.with({ scheme: PROPOSED_SCHEME, query: `${id}` });
      this.contents.set(proposed.toString(), after);
      const original = before === undefined ? uri.with({ scheme: PROPOSED_SCHEME, query: `${id}-empty` }) : uri;
      return { uri, proposed, original };
    });
  }

  private ask(label: string, files: FileReview[], token: vscode.CancellationToken): Promise<{ accepted: boolean; reason?: string }> {
    const id = files[0]?.proposed.query ?? `r${++counter}`;
    return new Promise((resolve) => {
      let finished = false;
      const cancel = token.onCancellationRequested(() => review.done(false, "The turn was cancelled during review; nothing was changed."));
      const review: Pending = {
        id,
        label,
        files,
        done: (accepted, reason) => {
          if (finished) return;
          finished = true;
          cancel.dispose();
          this.pending.delete(id);
          void closeDiffs(files).finally(() => {
            for (const f of files) this.contents.delete(f.proposed.toString());
          });
          this.output.info(`review ${label}: ${accepted ? "accepted" : `rejected (${reason})`}`);
          this.endEmitter.fire({ id, accepted });
          resolve({ accepted, reason });
        },
      };
      this.pending.set(id, review);
      this.startEmitter.fire({ id, files: files.map((f) => vscode.workspace.asRelativePath(f.uri)) });
      void (async () => {
        for (const file of files) {
          const name = path.basename(file.uri.fsPath);
          await vscode.commands.executeCommand("vscode.diff", file.original, file.proposed, `${name}: Claude's proposed edit (review)`, { preview: false });
        }
      })();
    });
  }
}

function activeProposedUri(): vscode.Uri | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  if (uri?.scheme === PROPOSED_SCHEME) return uri;
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
  if (tab?.input instanceof vscode.TabInputTextDiff && tab.input.modified.scheme === PROPOSED_SCHEME) return tab.input.modified;
  return undefined;
}

async function closeDiffs(files: FileReview[]): Promise<void> {
  const proposed = new Set(files.map((f) => f.proposed.toString()));
  const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputTextDiff && proposed.has(tab.input.modified.toString()));
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
}

/** The agent labels its edits `Claude: edit <path>` / `Claude: create <path>`. */
function isAgentEdit(params: ApplyWorkspaceEditParams): boolean {
  return (params.label ?? "").startsWith("Claude:");
}

function touchedUris(params: ApplyWorkspaceEditParams): string[] {
  const fromChanges = (params.edit.documentChanges ?? []).map((c) => ("textDocument" in c ? c.textDocument.uri : "uri" in c ? c.uri : ""));
  return [...new Set([...fromChanges, ...Object.keys(params.edit.changes ?? {})].filter((u) => u !== ""))];
}

/**
 * What the language client does with `workspace/applyEdit` (the version check, then
 * VS Code's applyEdit). `save`: the agent's edits are saved afterwards in files that had
 * no unsaved changes before — as Claude Code writes files, so the agent's next `Bash`
 * (tests, a build) sees them; a buffer with the user's unsaved work is never saved.
 */
async function apply(client: LanguageClient, params: ApplyWorkspaceEditParams, save: boolean): Promise<ApplyWorkspaceEditResult> {
  for (const change of params.edit.documentChanges ?? []) {
    if ("textDocument" in change && typeof change.textDocument.version === "number" && change.textDocument.version >= 0) {
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === client.protocol2CodeConverter.asUri(change.textDocument.uri).toString());
      if (open && open.version !== change.textDocument.version) {
        return { applied: false, failureReason: `${vscode.workspace.asRelativePath(open.uri)} changed in the editor since the edit was computed` };
      }
    }
  }
  const edit = await client.protocol2CodeConverter.asWorkspaceEdit(params.edit);
  const open = (uri: string) => vscode.workspace.textDocuments.find((d) => d.uri.toString() === client.protocol2CodeConverter.asUri(uri).toString());
  const clean = save ? touchedUris(params).filter((uri) => !open(uri)?.isDirty) : [];
  const applied = await vscode.workspace.applyEdit(edit);
  if (!applied) return { applied, failureReason: "VS Code could not apply the edit" };
  for (const uri of clean) await open(uri)?.save();
  return { applied };
}
