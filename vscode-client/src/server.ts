/**
 * The language server process: which command, the bundled install, the
 * LanguageClient, and start / restart / stop — serialized, so two servers never run at
 * once (see `Serial`).
 */

import * as path from "node:path";
import * as vscode from "vscode";
import {
  type ClientCapabilities,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  type InitializeParams,
  InlineCompletionRequest,
  LSPErrorCodes,
  LanguageClient,
  type LanguageClientOptions,
  type ServerCapabilities,
  type ServerOptions,
  type StaticFeature,
  State,
  type FeatureState,
} from "vscode-languageclient/node";
import { serverHasCommand } from "./aiActions";
import { ensureServer, findWheel, reusableServer } from "./bootstrap";
import { candidates, describeTried, findPython, MIN_PYTHON, formatVersion } from "./interpreter";
import { CLIENT_CAPABILITIES } from "./protocol";
import { Serial } from "./serial";
import { configuredCommand, serverArgs, serverEnv, serverSettings } from "./settings";

export const SECTION = "claude-lsp";
export const API_KEY_SECRET = "claude-lsp.anthropicApiKey";

export const LANGUAGES = [
  "python", "javascript", "javascriptreact", "typescript", "typescriptreact", "go", "rust", "java",
  "c", "cpp", "json", "jsonc", "yaml", "toml", "shellscript", "html", "css", "markdown",
];

/** Called on every new client before it starts, to attach the `claude/*` handlers. */
export type Attach = (client: LanguageClient) => void;

/** Runs a server command (from a code action) in the extension instead of on the server. */
export type CommandOverride = (args: unknown[]) => Promise<unknown>;

export type ServerState = "starting" | "running" | "stopped" | "failed";

/** A failure the user must act on, reported once with what to do. */
class SetupError extends Error {}

/** Declares the `claude/*` client capabilities in `initialize`. */
class ClaudeCapabilities implements StaticFeature {
  fillInitializeParams(params: InitializeParams): void {
    void params;
  }
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    capabilities.experimental = { ...(capabilities.experimental as object | undefined), ...CLIENT_CAPABILITIES };
  }
  initialize(capabilities: ServerCapabilities): void {
    void capabilities;
  }
  getState(): FeatureState {
    return { kind: "static" };
  }
  clear(): void {}
}

export class Server implements vscode.Disposable {
  client: LanguageClient | undefined;
  private readonly serial = new Serial();
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateEmitter.event;
  state: ServerState = "stopped";
  private lastCompletionError: string | undefined;
  /** Server commands the extension runs itself (the light bulb's explain and ask go to the chat view). */
  readonly overrides = new Map<string, CommandOverride>();
  /** Seconds the last bundled install took, when one ran (for the log and the README). */
  lastInstall: { plan: string; seconds: number } | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly output: vscode.LogOutputChannel,
    private readonly attach: Attach,
  ) {}

  start(): Promise<void> {
    return this.serial.run("start", () => this.doStart());
  }

  restart(): Promise<void> {
    return this.serial.run("restart", async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  stop(): Promise<void> {
    return this.serial.run("stop", () => this.doStop());
  }

  /** The running client, after any start or restart in progress; undefined when none runs. */
  async ready(): Promise<LanguageClient | undefined> {
    await this.serial.idle();
    return this.client?.state === State.Running ? this.client : undefined;
  }

  /**
   * `workspace/executeCommand` on the running server; an error when none runs or it does
   * not offer `command` (an older server).
   */
  async executeCommand(command: string, args: unknown[]): Promise<unknown> {
    const client = await this.ready();
    if (!client) throw new Error("the server is not running (Claude LSP: Show Logs says why)");
    if (!serverHasCommand(client.initializeResult?.capabilities, command)) {
      throw new Error(`this claude-lsp server does not offer ${command}; update it`);
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  /**
   * `textDocument/inlineCompletion`, asked only when `completion.enable` is on (the server
   * checks it too; this saves a round trip per keystroke). A failure — no credentials, the
   * model's error — is logged once, not put in a notification at every pause in typing.
   */
  private async inlineCompletions(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionList | vscode.InlineCompletionItem[] | null> {
    const client = this.client;
    if (client?.state !== State.Running || vscode.workspace.getConfiguration(SECTION).get("completion.enable") !== true) return null;
    try {
      const params = client.code2ProtocolConverter.asInlineCompletionParams(document, position, context);
      const result = await client.sendRequest(InlineCompletionRequest.type, params, token);
      if (token.isCancellationRequested) return null;
      this.lastCompletionError = undefined;
      return (await client.protocol2CodeConverter.asInlineCompletionResult(result, token)) ?? null;
    } catch (error) {
      const message = (error as Error).message;
      const cancelled = token.isCancellationRequested || (error as { code?: unknown }).code === LSPErrorCodes.RequestCancelled;
      if (!cancelled && message !== this.lastCompletionError) this.output.warn(`inline completion failed: ${message}`);
      if (!cancelled) this.lastCompletionError = message;
      return null;
    }
  }

  /** Pushes changed settings to the running server. */
  pushSettings(): void {
    if (this.client?.state !== State.Running) return;
    void this.client.sendNotification(DidChangeConfigurationNotification.type, { settings: { claudeLsp: this.settings() } });
  }

  dispose(): void {
    void this.stop();
    this.stateEmitter.dispose();
  }

  private settings(): Record<string, unknown> {
    const config = vscode.workspace.getConfiguration(SECTION);
    return serverSettings((key) => config.get(key));
  }

  private setState(state: ServerState): void {
    this.state = state;
    this.stateEmitter.fire(state);
  }

  private async doStart(): Promise<void> {
    if (this.client) return;
    this.setState("starting");
    let command: string[];
    try {
      command = await this.command();
    } catch (error) {
      this.setState("failed");
      this.report(error);
      return;
    }
    const config = vscode.workspace.getConfiguration(SECTION);
    const apiKey = await this.context.secrets.get(API_KEY_SECRET);
    const serverOptions: ServerOptions = {
      command: command[0],
      args: [...command.slice(1), ...serverArgs((key) => config.get(key))],
      options: { env: serverEnv(process.env, apiKey) },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: LANGUAGES.flatMap((language) => [
        { scheme: "file", language },
        { scheme: "untitled", language },
      ]),
      outputChannel: this.output,
      traceOutputChannel: this.output,
      initializationOptions: { claudeLsp: this.settings() },
      middleware: {
        workspace: {
          // Our settings are `claude-lsp.*` in VS Code and `claudeLsp.*` on the server.
          configuration: (params, token, next) => {
            if (params.items.every((item) => item.section !== "claudeLsp")) return next(params, token);
            return params.items.map((item) => (item.section === "claudeLsp" ? this.settings() : null));
          },
        },
        executeCommand: (command, args, next) => {
          const override = this.overrides.get(command);
          return override ? override(args as unknown[]) : next(command, args);
        },
        provideInlineCompletionItems: (document, position, context, token) => this.inlineCompletions(document, position, context, token),
      },
    };
    this.output.info(`starting the server: ${[serverOptions.command, ...(serverOptions.args ?? [])].join(" ")}`);
    const client = new LanguageClient(SECTION, "Claude LSP", serverOptions, clientOptions);
    client.registerFeature(new ClaudeCapabilities());
    client.registerProposedFeatures(); // in vscode-languageclient 9: textDocument/inlineCompletion
    this.attach(client);
    client.onDidChangeState(({ newState }) => {
      if (this.client !== client) return;
      if (newState === State.Running) this.setState("running");
      else if (newState === State.Stopped) this.setState("stopped");
    });
    this.client = client;
    const started = Date.now();
    try {
      await client.start();
      this.output.info(`server running (initialize answered in ${Date.now() - started} ms)`);
      this.setState("running");
    } catch (error) {
      this.client = undefined;
      this.setState("failed");
      this.report(new SetupError(`Claude LSP: the server could not start (${command[0]}): ${(error as Error).message}`));
      await client.dispose().catch(() => undefined);
    }
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      await client.stop(5_000);
    } catch (error) {
      this.output.warn(`stopping the server: ${(error as Error).message}`);
    }
    this.setState("stopped");
  }

  /** The configured command, else the bundled server (installed on first use). */
  private async command(): Promise<string[]> {
    const configured = configuredCommand(vscode.workspace.getConfiguration(SECTION).get("server.path"));
    if (configured) return configured;
    const wheel = await findWheel(path.join(this.context.extensionPath, "bundled"));
    if (!wheel) throw new SetupError("Claude LSP: this build of the extension has no bundled server. Set `claude-lsp.server.path` to a claude-lsp command.");
    const envDir = path.join(this.context.globalStorageUri.fsPath, "server-env");
    const reusable = await reusableServer(envDir, wheel);
    if (reusable) {
      this.output.info(`bundled server ${wheel.version}: reusing ${envDir}`);
      return [reusable];
    }
    const started = Date.now();
    const title = "Claude LSP: installing the language server (first start)";
    let result: { command: string; plan: string };
    try {
      result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: false }, (progress) =>
        ensureServer(envDir, wheel, () => this.python(), {
          log: (line) => this.output.info(line),
          progress: (message) => progress.report({ message }),
        }),
      );
    } catch (error) {
      if (error instanceof SetupError) throw error;
      throw new SetupError(
        `Claude LSP: installing the server failed: ${(error as Error).message}. Check that the package index is reachable, or install claude-lsp yourself (e.g. \`pipx install claude-lsp\`) and set \`claude-lsp.server.path\`.`,
      );
    }
    const seconds = (Date.now() - started) / 1000;
    this.lastInstall = { plan: result.plan, seconds };
    this.output.info(`bundled server ${wheel.version}: ${result.plan} took ${seconds.toFixed(1)} s`);
    return [result.command];
  }

  private async python(): Promise<string> {
    const configured = vscode.workspace.getConfiguration(SECTION).get<string>("server.python");
    const selected = configured ? undefined : await pythonExtensionInterpreter();
    const { python, tried } = await findPython(candidates(selected, process.platform, configured));
    this.output.info(`looking for Python ≥ ${formatVersion(MIN_PYTHON).replace(/\.0$/, "")}: ${describeTried(tried)}`);
    if (!python) {
      throw new SetupError(
        `Claude LSP needs Python ${formatVersion(MIN_PYTHON).replace(/\.0$/, "")} or newer to install its server, and found none (${describeTried(tried)}). Install one and select it with the Python extension or \`claude-lsp.server.python\`, or set \`claude-lsp.server.path\` to a claude-lsp you installed.`,
      );
    }
    return python.command;
  }

  private report(error: unknown): void {
    const message = error instanceof SetupError ? error.message : `Claude LSP: ${(error as Error).message}`;
    this.output.error(message);
    void vscode.window.showErrorMessage(message, "Show Logs", "Open Settings").then((choice) => {
      if (choice === "Show Logs") this.output.show();
      if (choice === "Open Settings") void vscode.commands.executeCommand("workbench.action.openSettings", "claude-lsp.server");
    });
  }
}

/** The Python extension's selected interpreter, when that extension is installed. */
async function pythonExtensionInterpreter(): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension("ms-python.python");
  if (!extension) return undefined;
  try {
    const api = (await extension.activate()) as {
      environments?: {
        getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
        resolveEnvironment(environment: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
      };
    };
    if (!api.environments) return undefined;
    const active = api.environments.getActiveEnvironmentPath(vscode.workspace.workspaceFolders?.[0]?.uri);
    const resolved = await api.environments.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath ?? active.path;
  } catch {
    return undefined; // the Python extension is optional: fall back to python3 on PATH
  }
}
