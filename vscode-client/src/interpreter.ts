/**
 * Finding a Python ≥ 3.11 to create the bundled server's environment with: the Python
 * extension's selected interpreter when there is one, else `python3` (then `python`)
 * on the PATH. Node-only, so it is unit-tested against real interpreters.
 */

import { execFile } from "node:child_process";

export type Version = readonly [number, number, number];
export const MIN_PYTHON: Version = [3, 11, 0];

export interface Python {
  command: string;
  version: Version;
}

/** What each candidate turned out to be, for the "no Python" message and the log. */
export interface Tried {
  command: string;
  result: string;
}

export function parseVersion(text: string): Version | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)\s*$/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

export function atLeast(version: Version, minimum: Version = MIN_PYTHON): boolean {
  for (let i = 0; i < 3; i++) {
    if (version[i] !== minimum[i]) return version[i] > minimum[i];
  }
  return true;
}

export const formatVersion = (v: Version): string => v.join(".");

/**
 * The commands to try, in order, without duplicates: the user's `claude-lsp.server.python`
 * alone when set (a configured interpreter is never silently replaced), else the Python
 * extension's selection, then the PATH.
 */
export function candidates(selected: string | undefined, platform: NodeJS.Platform = process.platform, configured?: string): string[] {
  if (configured?.trim()) return [configured.trim()];
  const onPath = platform === "win32" ? ["python", "python3"] : ["python3", "python"];
  return [...new Set([...(selected ? [selected] : []), ...onPath])];
}

/** Runs `command` and returns what it printed for the version query; rejects when it cannot run. */
export type Probe = (command: string) => Promise<string>;

const VERSION_SCRIPT = "import sys; print('%d.%d.%d' % sys.version_info[:3])";

export const probe: Probe = (command) =>
  new Promise((resolve, reject) => {
    execFile(command, ["-c", VERSION_SCRIPT], { timeout: 15_000, windowsHide: true }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout);
    });
  });

export async function findPython(commands: readonly string[], run: Probe = probe): Promise<{ python?: Python; tried: Tried[] }> {
  const tried: Tried[] = [];
  for (const command of commands) {
    let output: string;
    try {
      output = await run(command);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      tried.push({ command, result: code === "ENOENT" ? "not found" : `failed (${(error as Error).message.split("\n")[0]})` });
      continue;
    }
    const version = parseVersion(output);
    if (!version) {
      tried.push({ command, result: `unexpected output ${JSON.stringify(output.slice(0, 80))}` });
    } else if (!atLeast(version)) {
      tried.push({ command, result: `Python ${formatVersion(version)}, too old` });
    } else {
      tried.push({ command, result: `Python ${formatVersion(version)}` });
      return { python: { command, version }, tried };
    }
  }
  return { tried };
}

export function describeTried(tried: readonly Tried[]): string {
  return tried.map((t) => `${t.command}: ${t.result}`).join("; ");
}
