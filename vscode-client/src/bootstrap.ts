/**
 * The bundled server: the VSIX carries the claude-lsp wheel built from this
 * repository; on first start it is installed into a private virtual environment in the
 * extension's global storage (dependencies from the package index). A different bundled
 * wheel (a newer version, or a rebuilt one: compared by SHA-256) upgrades that
 * environment; the same wheel reuses it, so later starts install nothing.
 *
 * Node-only (no VS Code API): progress and log lines go to callbacks, so the whole
 * sequence is unit-tested with a real Python and a small wheel.
 */

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";

export interface Wheel {
  path: string;
  version: string;
  sha256: string;
}

/** Written into the environment after a successful install; its absence means "broken". */
export interface Marker {
  version: string;
  wheelSha256: string;
  python: string;
}

export type Plan = "reuse" | "upgrade" | "create";

export interface Hooks {
  log: (line: string) => void;
  progress: (message: string) => void;
}

export const MARKER = "claude-lsp-install.json";
const LOCK_STALE_MS = 15 * 60_000;

export function wheelVersion(fileName: string): string | undefined {
  return /^claude_lsp-([^-]+)-.+\.whl$/.exec(path.basename(fileName))?.[1];
}

export async function findWheel(dir: string): Promise<Wheel | undefined> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return undefined;
  }
  const name = names.find((n) => wheelVersion(n) !== undefined);
  if (!name) return undefined;
  const file = path.join(dir, name);
  const sha256 = createHash("sha256").update(await fs.readFile(file)).digest("hex");
  return { path: file, version: wheelVersion(name) as string, sha256 };
}

export function plan(marker: Marker | undefined, wheel: Wheel, envPythonExists: boolean): Plan {
  if (!envPythonExists || !marker) return "create";
  return marker.wheelSha256 === wheel.sha256 ? "reuse" : "upgrade";
}

export function envPaths(envDir: string, platform: NodeJS.Platform = process.platform): { python: string; server: string } {
  return platform === "win32"
    ? { python: path.join(envDir, "Scripts", "python.exe"), server: path.join(envDir, "Scripts", "claude-lsp.exe") }
    : { python: path.join(envDir, "bin", "python"), server: path.join(envDir, "bin", "claude-lsp") };
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

export async function readMarker(envDir: string): Promise<Marker | undefined> {
  try {
    const data: unknown = JSON.parse(await fs.readFile(path.join(envDir, MARKER), "utf8"));
    if (typeof data === "object" && data !== null) {
      const m = data as Record<string, unknown>;
      if (typeof m.version === "string" && typeof m.wheelSha256 === "string" && typeof m.python === "string") {
        return { version: m.version, wheelSha256: m.wheelSha256, python: m.python };
      }
    }
  } catch {
    // missing or unreadable: the environment is treated as broken and recreated
  }
  return undefined;
}

/** Runs a command, streaming its output lines to the log; rejects with the tail of it. */
export function run(command: string, args: string[], hooks: Hooks, onLine?: (line: string) => void): Promise<void> {
  hooks.log(`> ${command} ${args.join(" ")}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { windowsHide: true, env: { ...process.env, PIP_NO_INPUT: "1", PYTHONUNBUFFERED: "1" } });
    const tail: string[] = [];
    const take = (chunk: Buffer): void => {
      for (const line of chunk.toString("utf8").split(/\r?\n/)) {
        if (!line.trim()) continue;
        hooks.log(line);
        onLine?.(line);
        tail.push(line);
        if (tail.length > 15) tail.shift();
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(command)} ${args.slice(0, 3).join(" ")} exited with ${code}: ${tail.slice(-3).join(" | ")}`));
    });
  });
}

/** A directory used as a lock, so two windows never install into one environment at once. */
async function lock(dir: string, hooks: Hooks): Promise<() => Promise<void>> {
  const lockDir = `${dir}.lock`;
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      return () => fs.rm(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const stat = await fs.stat(lockDir).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > LOCK_STALE_MS) {
        hooks.log(`removing a stale install lock ${lockDir}`);
        await fs.rm(lockDir, { recursive: true, force: true });
        continue;
      }
      hooks.progress("waiting for another window's install");
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

const PIP = ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--progress-bar", "off"];

/** The server command when `envDir` already holds exactly this wheel (no install needed). */
export async function reusableServer(envDir: string, wheel: Wheel): Promise<string | undefined> {
  const paths = envPaths(envDir);
  const decided = plan(await readMarker(envDir), wheel, await exists(paths.python));
  return decided === "reuse" && (await exists(paths.server)) ? paths.server : undefined;
}

/**
 * Makes sure `envDir` holds the bundled wheel; returns the server command and what was
 * done. `python` is only used when the environment must be created.
 */
export async function ensureServer(envDir: string, wheel: Wheel, python: () => Promise<string>, hooks: Hooks): Promise<{ command: string; plan: Plan }> {
  const paths = envPaths(envDir);
  const ready = await reusableServer(envDir, wheel);
  if (ready) return { command: ready, plan: "reuse" };
  await fs.mkdir(path.dirname(envDir), { recursive: true });
  const release = await lock(envDir, hooks);
  try {
    // Another window may have finished while we waited for the lock.
    const decided = plan(await readMarker(envDir), wheel, await exists(paths.python));
    if (decided === "reuse" && (await exists(paths.server))) return { command: paths.server, plan: "reuse" };
    const fresh = decided !== "upgrade";
    const interpreter = fresh ? await python() : "";
    if (fresh) {
      await fs.rm(envDir, { recursive: true, force: true });
      hooks.progress("creating a virtual environment");
      await run(interpreter, ["-m", "venv", envDir], hooks);
    }
    await fs.rm(path.join(envDir, MARKER), { force: true });
    hooks.progress(`installing claude-lsp ${wheel.version}`);
    const showProgress = (line: string): void => {
      const m = /^(Collecting|Downloading|Installing collected packages:|Successfully installed)\s*(\S*)/.exec(line);
      if (m) hooks.progress(`${m[1].replace(/:$/, "").toLowerCase()} ${m[2]}`.trim());
    };
    await run(paths.python, [...PIP, wheel.path], hooks, showProgress);
    if (!fresh) {
      // Same version number, new build: pip would call it satisfied and keep the old code.
      await run(paths.python, [...PIP, "--force-reinstall", "--no-deps", wheel.path], hooks);
    }
    if (!(await exists(paths.server))) throw new Error(`the install did not create ${paths.server}`);
    const marker: Marker = { version: wheel.version, wheelSha256: wheel.sha256, python: interpreter || "(upgraded in place)" };
    await fs.writeFile(path.join(envDir, MARKER), JSON.stringify(marker, null, 2));
    return { command: paths.server, plan: fresh ? "create" : "upgrade" };
  } finally {
    await release();
  }
}
