// Builds the claude-lsp wheel from this repository into bundled/, where the extension
// looks for it (the VSIX carries it; src/bootstrap.ts installs it on first start).
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const client = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const repo = path.dirname(client);
const out = path.join(client, "bundled");
const python = process.env.PYTHON ?? "python3";
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const build = spawnSync(python, ["-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "--quiet", repo, "-w", out], {
  stdio: "inherit",
});
if (build.status !== 0) process.exit(build.status ?? 1);
rmSync(path.join(repo, "build"), { recursive: true, force: true }); // setuptools' scratch folder
const wheels = readdirSync(out).filter((f) => f.endsWith(".whl"));
if (wheels.length !== 1) {
  console.error(`expected one wheel in ${out}, found ${wheels.join(", ") || "none"}`);
  process.exit(1);
}
console.log(`bundled/${wheels[0]}`);
