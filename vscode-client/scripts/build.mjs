// Bundles the extension (Node, CommonJS) and the chat webview (browser, IIFE) with
// esbuild; `--tests` bundles the unit tests instead (dist-test/, run by `node --test`).
import * as esbuild from "esbuild";
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const production = process.argv.includes("--production");
const tests = process.argv.includes("--tests");

if (tests) {
  await rm(path.join(root, "dist-test"), { recursive: true, force: true });
  const entries = (await readdir(path.join(root, "test"))).filter((f) => f.endsWith(".test.ts"));
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: entries.map((f) => `test/${f}`),
    outdir: "dist-test",
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: "inline",
    outExtension: { ".js": ".cjs" },
    logLevel: "warning",
  });
} else {
  await rm(path.join(root, "dist"), { recursive: true, force: true });
  await mkdir(path.join(root, "dist"), { recursive: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["src/extension.ts"],
    outfile: "dist/extension.js",
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node18",
    external: ["vscode"],
    minify: production,
    sourcemap: !production,
    // Counted by the extension's "activated in" log line: loading the bundle is part of activation.
    banner: { js: "var __claudeLspLoadStart = globalThis.performance ? performance.now() : undefined;" },
    logLevel: "warning",
  });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["webview/main.ts"],
    outfile: "dist/webview.js",
    bundle: true,
    platform: "browser",
    format: "iife",
    target: "es2022",
    minify: production,
    sourcemap: production ? false : "inline",
    logLevel: "warning",
  });
  await copyFile(path.join(root, "webview/chat.css"), path.join(root, "dist/webview.css"));
}
