// The bundled-server bootstrap against a real Python: a small wheel named claude-lsp,
// built here, goes into a real virtual environment. Create, reuse, upgrade, repair, fail.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { ensureServer, envPaths, findWheel, MARKER, plan, readMarker, reusableServer, wheelVersion, type Wheel } from "../src/bootstrap";

const tmp = mkdtempSync(path.join(os.tmpdir(), "claude-lsp-bootstrap-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes claude_lsp-VERSION-py3-none-any.whl with a `claude-lsp` console script that prints `said`. */
function buildWheel(dir: string, version: string, said: string, requires: string[] = []): void {
  const script = `
import base64, hashlib, os, sys, zipfile
out, version, said, requires = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
info = f"claude_lsp-{version}.dist-info"
files = {
    "claude_lsp_fake/__init__.py": f"def main():\\n    print({said!r})\\n",
    f"{info}/METADATA": "Metadata-Version: 2.1\\nName: claude-lsp\\nVersion: " + version + "\\n" + "".join(f"Requires-Dist: {r}\\n" for r in requires),
    f"{info}/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    f"{info}/entry_points.txt": "[console_scripts]\\nclaude-lsp = claude_lsp_fake:main\\n",
}
record = []
for name, text in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
    record.append(f"{name},sha256={digest},{len(text.encode())}")
record.append(f"{info}/RECORD,,")
os.makedirs(out, exist_ok=True)
for old in os.listdir(out):
    os.remove(os.path.join(out, old))
with zipfile.ZipFile(os.path.join(out, f"claude_lsp-{version}-py3-none-any.whl"), "w") as z:
    for name, text in files.items():
        z.writestr(name, text)
    z.writestr(f"{info}/RECORD", "\\n".join(record) + "\\n")
`;
  execFileSync("python3", ["-c", script, dir, version, said, ...requires]);
}

async function wheelIn(name: string, version: string, said: string, requires: string[] = []): Promise<Wheel> {
  const dir = path.join(tmp, name);
  buildWheel(dir, version, said, requires);
  const wheel = await findWheel(dir);
  assert.ok(wheel);
  return wheel;
}

const quiet = () => {
  const lines: string[] = [];
  return { lines, hooks: { log: (l: string) => void lines.push(l), progress: (m: string) => void lines.push(`progress: ${m}`) } };
};

describe("bundled server bootstrap", () => {
  it("names and plans", async () => {
    assert.equal(wheelVersion("claude_lsp-0.1.0-py3-none-any.whl"), "0.1.0");
    assert.equal(wheelVersion("other-0.1.0-py3-none-any.whl"), undefined);
    assert.equal(await findWheel(path.join(tmp, "nowhere")), undefined);
    const wheel = { path: "w", version: "1", sha256: "abc" };
    assert.equal(plan(undefined, wheel, true), "create");
    assert.equal(plan({ version: "1", wheelSha256: "abc", python: "p" }, wheel, false), "create");
    assert.equal(plan({ version: "1", wheelSha256: "abc", python: "p" }, wheel, true), "reuse");
    assert.equal(plan({ version: "0.9", wheelSha256: "old", python: "p" }, wheel, true), "upgrade");
  });

  it("creates the environment, reuses it, upgrades it and repairs it", { timeout: 240_000 }, async () => {
    const env = path.join(tmp, "storage", "server-env");
    const v1 = await wheelIn("v1", "0.1.0", "one");
    let asked = 0;
    const python = async () => (asked++, "python3");

    const first = quiet();
    const created = await ensureServer(env, v1, python, first.hooks);
    assert.equal(created.plan, "create");
    assert.equal(created.command, envPaths(env).server);
    assert.equal(execFileSync(created.command).toString().trim(), "one");
    assert.ok(first.lines.some((l) => l.startsWith("progress: installing claude-lsp 0.1.0")));
    assert.equal((await readMarker(env))?.wheelSha256, v1.sha256);
    assert.equal(asked, 1);

    // Second start: nothing is installed, no Python is looked for.
    const second = quiet();
    assert.equal(await reusableServer(env, v1), created.command);
    assert.deepEqual(await ensureServer(env, v1, python, second.hooks), { command: created.command, plan: "reuse" });
    assert.deepEqual(second.lines, []);
    assert.equal(asked, 1);

    // A rebuilt wheel with the same version number replaces the code in place.
    const rebuilt = await wheelIn("v1b", "0.1.0", "one, rebuilt");
    const upgraded = await ensureServer(env, rebuilt, python, quiet().hooks);
    assert.equal(upgraded.plan, "upgrade");
    assert.equal(execFileSync(upgraded.command).toString().trim(), "one, rebuilt");
    const v2 = await wheelIn("v2", "0.2.0", "two");
    assert.equal((await ensureServer(env, v2, python, quiet().hooks)).plan, "upgrade");
    assert.equal(execFileSync(upgraded.command).toString().trim(), "two");
    assert.equal(asked, 1, "an upgrade keeps the environment");

    // An interrupted install (no marker) is redone from scratch.
    rmSync(path.join(env, MARKER));
    assert.equal((await ensureServer(env, v2, python, quiet().hooks)).plan, "create");
    assert.equal(asked, 2);
    assert.ok(!existsSync(`${env}.lock`), "the lock is released");
  });

  it("fails with pip's reason and leaves no marker", { timeout: 120_000 }, async () => {
    const env = path.join(tmp, "storage-fail", "server-env");
    const broken = await wheelIn("broken", "0.1.0", "x", ["claude-lsp-test-no-such-dependency>=1"]);
    process.env.PIP_NO_INDEX = "1"; // fail fast, without asking the package index
    try {
      await assert.rejects(ensureServer(env, broken, async () => "python3", quiet().hooks), /exited with 1.*claude-lsp-test-no-such-dependency/);
    } finally {
      delete process.env.PIP_NO_INDEX;
    }
    assert.equal(await readMarker(env), undefined);
    assert.equal(await reusableServer(env, broken), undefined);
  });

  it("reports a missing Python", async () => {
    const env = path.join(tmp, "storage-nopython", "server-env");
    const v1 = await wheelIn("v1-np", "0.1.0", "one");
    await assert.rejects(
      ensureServer(env, v1, async () => Promise.reject(new Error("no Python 3.11 found")), quiet().hooks),
      /no Python 3.11 found/,
    );
  });
});

