import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { atLeast, candidates, describeTried, findPython, parseVersion, probe } from "../src/interpreter";

describe("interpreter discovery", () => {
  it("parses and compares versions", () => {
    assert.deepEqual(parseVersion("3.11.7\n"), [3, 11, 7]);
    assert.equal(parseVersion("Python 3.11.7"), undefined);
    assert.equal(atLeast([3, 11, 0]), true);
    assert.equal(atLeast([3, 12, 1]), true);
    assert.equal(atLeast([3, 10, 14]), false);
    assert.equal(atLeast([2, 7, 18]), false);
  });

  it("tries the Python extension's interpreter first, then the PATH", () => {
    assert.deepEqual(candidates("/venv/bin/python", "linux"), ["/venv/bin/python", "python3", "python"]);
    assert.deepEqual(candidates(undefined, "linux"), ["python3", "python"]);
    assert.deepEqual(candidates("python3", "linux"), ["python3", "python"]);
    assert.deepEqual(candidates(undefined, "win32"), ["python", "python3"]);
    assert.deepEqual(candidates("/venv/bin/python", "linux", " /usr/bin/python3.12 "), ["/usr/bin/python3.12"], "a configured Python is the only one tried");
  });

  it("skips missing and too-old interpreters and says what it found", async () => {
    const answers: Record<string, () => Promise<string>> = {
      "/old/python": async () => "3.9.18\n",
      python3: async () => Promise.reject(Object.assign(new Error("spawn python3 ENOENT"), { code: "ENOENT" })),
      python: async () => "3.12.1\n",
    };
    const found = await findPython(["/old/python", "python3", "python"], (command) => answers[command]());
    assert.deepEqual(found.python, { command: "python", version: [3, 12, 1] });
    assert.equal(describeTried(found.tried), "/old/python: Python 3.9.18, too old; python3: not found; python: Python 3.12.1");
    const none = await findPython(["/old/python"], (command) => answers[command]());
    assert.equal(none.python, undefined);
  });

  it("probes a real interpreter", async () => {
    const found = await findPython(["/nonexistent/python3", "python3"], probe);
    assert.equal(found.tried[0].result, "not found");
    assert.ok(found.python, describeTried(found.tried));
    assert.ok(atLeast(found.python.version));
  });
});
