// Installs what the end-to-end tests drive — code-server 4.100.3 (VS Code 1.100 in a
// browser; newer releases need Node 22) — into .e2e/code-server, never committed.
// Debian's chromium and ripgrep must be installed (.ci/run does it). Idempotent: a
// finished install is reused. See ../shared/RECIPES.md for why each step is here.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const CODE_SERVER_VERSION = "4.100.3";
const client = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const toolsDir = path.join(client, ".e2e", "code-server");
export const codeServerBin = path.join(toolsDir, "node_modules", ".bin", "code-server");
const doneMarker = path.join(toolsDir, `installed-${CODE_SERVER_VERSION}`);

function need(file, hint) {
  if (!existsSync(file)) throw new Error(`${file} is missing: ${hint}`);
}

function npm(args, env = {}) {
  const result = spawnSync("npm", args, { cwd: toolsDir, stdio: "inherit", env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`npm ${args.join(" ")} failed with ${result.status}`);
}

export function setup() {
  need("/usr/bin/chromium", "apt-get install chromium");
  need("/usr/bin/rg", "apt-get install ripgrep");
  if (existsSync(doneMarker) && existsSync(codeServerBin)) return;
  mkdirSync(toolsDir, { recursive: true });
  // @vscode/ripgrep downloads a binary unless its archive is already in this cache.
  const cache = path.join(os.tmpdir(), "vscode-ripgrep-cache-1.15.11");
  mkdirSync(cache, { recursive: true });
  const archive = path.join(cache, "ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz");
  if (!existsSync(archive)) execFileSync("tar", ["-czf", archive, "-C", "/usr/bin", "rg"]);
  writeFileSync(path.join(toolsDir, "package.json"), JSON.stringify({ name: "claude-lsp-e2e-tools", private: true }, null, 2));
  const env = { npm_config_nodedir: "/usr", npm_config_yes: "true", npm_config_unsafe_perm: "true" };
  console.log(`e2e: installing code-server ${CODE_SERVER_VERSION} (about a minute, once)`);
  npm(["install", "--no-audit", "--no-fund", `code-server@${CODE_SERVER_VERSION}`], env);
  // npm 11 skips dependencies' install scripts unless approved; code-server needs its postinstall.
  npm(["install-scripts", "approve", "code-server", "argon2"], env);
  npm(["rebuild", "code-server", "argon2"], env);
  need(codeServerBin, "the code-server install did not finish");
  writeFileSync(doneMarker, new Date().toISOString());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) setup();
