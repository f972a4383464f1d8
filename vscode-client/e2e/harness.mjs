// Real VS Code (code-server) driven by headless Chromium through playwright-core, for
// the end-to-end tests. One code-server per test file, a fresh user-data folder each
// run (so the extension's bundled-server bootstrap really runs), the VSIX installed
// like a user would, and the loopback Anthropic-compatible server beside it.
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { codeServerBin, setup } from "./setup.mjs";

export const client = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const repo = path.dirname(client);
export const vsix = path.join(client, "dist", "claude-lsp.vsix");
export const artifacts = path.join(client, ".e2e", "artifacts");
const run = promisify(execFile);

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** The loopback Messages API (e2e/fake_anthropic.py over tests/agent/fake_api.py). */
export async function startFakeApi() {
  const child = spawn("python3", [path.join(client, "e2e", "fake_anthropic.py")], { cwd: repo, stdio: ["pipe", "pipe", "inherit"] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on("line", (line) => waiting.shift()?.(JSON.parse(line)));
  const next = () => new Promise((resolve) => waiting.push(resolve));
  const { url } = await next();
  const send = async (command) => {
    const answer = next();
    child.stdin.write(JSON.stringify(command) + "\n");
    return answer;
  };
  return {
    url,
    script: (...steps) => send({ script: steps }),
    requests: async () => (await send({ requests: true })).requests,
    clear: () => send({ clear: true }),
    stop: () => child.stdin.end(),
  };
}

/** A workspace folder with these files, committed to a new git repository. */
export function makeWorkspace(files) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "claude-lsp-e2e-ws-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  git(dir, "init", "-q");
  git(dir, "add", ".");
  git(dir, "commit", "-qm", "Start");
  return dir;
}

export function git(dir, ...args) {
  return execFileSync("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", ...args], { cwd: dir }).toString();
}

/**
 * Starts code-server on `workspace` with the VSIX installed and these user settings.
 * `env` is added to a copy of this process's environment without any ANTHROPIC_* variable.
 */
export async function startCodeServer({ workspace, settings = {}, env = {} }) {
  setup();
  const root = mkdtempSync(path.join(os.tmpdir(), "claude-lsp-e2e-"));
  const home = path.join(root, "home");
  const userData = path.join(root, "user-data");
  const extensions = path.join(root, "extensions");
  mkdirSync(path.join(userData, "User"), { recursive: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(
    path.join(userData, "User", "settings.json"),
    JSON.stringify({ "workbench.startupEditor": "none", "workbench.tips.enabled": false, "security.workspace.trust.enabled": false, "git.openRepositoryInParentFolders": "never", "extensions.autoCheckUpdates": false, ...settings }, null, 2),
  );
  const port = await freePort();
  const config = path.join(root, "config.yaml");
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ANTHROPIC_") && !k.startsWith("CLAUDE_CODE_")));
  // A pip cache outside the throwaway HOME keeps reruns from downloading the server's dependencies again.
  const processEnv = { ...base, HOME: home, PIP_CACHE_DIR: process.env.PIP_CACHE_DIR ?? path.join(client, ".e2e", "pip-cache"), ...env };
  const common = ["--config", config, "--user-data-dir", userData, "--extensions-dir", extensions];
  await run(codeServerBin, [...common, "--install-extension", vsix], { env: processEnv });
  const child = spawn(codeServerBin, [...common, "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust", workspace], {
    env: processEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`code-server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    workspace,
    userData,
    output: () => output,
    /** Keeps the extension's log (with the LSP trace) in .e2e/artifacts, then stops. */
    async stop(name) {
      mkdirSync(artifacts, { recursive: true });
      writeFileSync(path.join(artifacts, `${name}.log`), extensionLog(userData));
      try {
        process.kill(-child.pid, "SIGTERM"); // code-server and the extension host it started
      } catch {
        // already gone
      }
      await new Promise((r) => setTimeout(r, 500));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The extension's log (its LogOutputChannel, written under the user-data folder). */
export function extensionLog(userData) {
  const found = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (name.endsWith("Claude LSP.log")) found.push(file);
    }
  };
  try {
    walk(path.join(userData, "logs"));
  } catch {
    return "";
  }
  return found.map((f) => readFileSync(f, "utf8")).join("\n");
}

export async function openBrowser(server) {
  const profile = mkdtempSync(path.join(os.tmpdir(), "claude-lsp-e2e-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${server.url}/?folder=${encodeURIComponent(server.workspace)}`);
  await page.waitForSelector(".monaco-workbench", { timeout: 60_000 });
  await page.waitForSelector(".explorer-folders-view .monaco-list-row", { timeout: 60_000 });
  return {
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Runs a test step; on failure saves a screenshot named after it, then rethrows (E2E_SCREENSHOTS=1: on success too). */
export async function withScreenshot(page, name, body) {
  try {
    const result = await body();
    if (process.env.E2E_SCREENSHOTS) {
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, `${name}-passed.png`) });
    }
    return result;
  } catch (error) {
    mkdirSync(artifacts, { recursive: true });
    const file = path.join(artifacts, `${name}.png`);
    await page.screenshot({ path: file }).catch(() => undefined);
    error.message += `\n(screenshot: ${file})`;
    throw error;
  }
}

export async function openFile(page, name) {
  const row = page.locator(".explorer-folders-view .monaco-list-row", { hasText: name }).first();
  if (!(await row.isVisible())) await page.keyboard.press("Control+Shift+E"); // another view holds the side bar
  await row.click();
  await page.locator(".tabs-container .tab.active", { hasText: name }).waitFor({ timeout: 20_000 });
  await page.locator(".editor-instance .monaco-editor .view-lines").first().waitFor();
}

/** Runs a command from the palette by its title. */
export async function command(page, title) {
  await page.keyboard.press("Escape"); // close any menu or widget that would take the key
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.locator(".quick-input-widget .monaco-list-row", { hasText: title }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press("Enter");
}

/** The text of the active editor, as shown (Monaco renders nbsp for spaces). */
export async function editorText(page) {
  const lines = await page.locator(".editor-instance .monaco-editor .view-lines .view-line").evaluateAll((nodes) =>
    nodes
      .map((n) => ({ top: parseFloat(n.style.top), text: n.textContent.replace(/\u00a0/g, " ") }))
      .sort((a, b) => a.top - b.top)
      .map((l) => l.text),
  );
  return lines.join("\n");
}

/** The chat view's page (a webview inside two iframes). */
export function chatFrame(page) {
  return page.frameLocator("iframe.webview.ready").frameLocator("#active-frame");
}

export async function waitFor(what, check, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
