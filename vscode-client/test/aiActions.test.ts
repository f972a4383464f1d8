import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { locationContext, notReviewable, parseCommitMessage, parseReviewResult, repositoryHoldsRoot, reviewSummary, serverHasCommand } from "../src/aiActions";

const relative = (uri: string) => uri.replace("file:///ws/", "");

describe("the server's AI commands", () => {
  it("uses a command only when the server lists it", () => {
    const capabilities = { executeCommandProvider: { commands: ["claude.review", "claude.commitMessage"] } };
    assert.equal(serverHasCommand(capabilities, "claude.review"), true);
    assert.equal(serverHasCommand(capabilities, "claude.explain"), false);
    assert.equal(serverHasCommand({}, "claude.review"), false);
    assert.equal(serverHasCommand(undefined, "claude.review"), false);
    assert.equal(serverHasCommand({ executeCommandProvider: { commands: "claude.review" } }, "claude.review"), false);
  });

  it("summarises a review: findings, scope, cost or cache", () => {
    const result = parseReviewResult({ uri: "file:///ws/app.py", findings: [{}, {}], scope: "changes against HEAD", cached: false, costUsd: 0.00312 });
    assert.deepEqual(result, { findings: 2, scope: "changes against HEAD", cached: false, costUsd: 0.00312 });
    assert.ok(result);
    assert.equal(reviewSummary(result, "app.py"), "Claude: 2 findings in app.py (changes against HEAD) · $0.0031");
    const cached = parseReviewResult({ findings: [{}], scope: "whole file", cached: true, costUsd: 0 });
    assert.ok(cached);
    assert.equal(reviewSummary(cached, "a.py"), "Claude: 1 finding in a.py (whole file) · cached");
    assert.equal(reviewSummary({ findings: 0, scope: "", cached: false, costUsd: 0 }, "a.py"), "Claude: no findings in a.py");
  });

  it("reviews only saved files in the languages the server handles", () => {
    const doc = (languageId: string, scheme = "file") => ({ languageId, uri: { scheme } });
    assert.equal(notReviewable(doc("python"), ["python", "go"]), undefined);
    assert.match(notReviewable(doc("python", "untitled"), ["python"]) ?? "", /save the file first/);
    assert.match(notReviewable(doc("plaintext"), ["python"]) ?? "", /does not handle plaintext/);
  });

  it("refuses review answers of the wrong shape", () => {
    assert.equal(parseReviewResult(null), undefined);
    assert.equal(parseReviewResult({ findings: 3 }), undefined);
    assert.equal(parseReviewResult([]), undefined);
  });

  it("takes the commit message, and nothing from an empty or malformed answer", () => {
    assert.equal(parseCommitMessage({ message: "Greet with hello\n\nmain() says hello.\n", subject: "Greet with hello" }), "Greet with hello\n\nmain() says hello.");
    assert.equal(parseCommitMessage({ message: "  " }), undefined);
    assert.equal(parseCommitMessage({ subject: "x" }), undefined);
    assert.equal(parseCommitMessage("Greet"), undefined);
  });

  it("turns the light bulb's location into chat context with a label", () => {
    assert.deepEqual(locationContext({ uri: "file:///ws/app.py" }, relative), { item: { uri: "file:///ws/app.py" }, label: "app.py" });
    const range = { start: { line: 2, character: 0 }, end: { line: 6, character: 0 } };
    assert.deepEqual(locationContext({ uri: "file:///ws/app.py", range }, relative), { item: { uri: "file:///ws/app.py", range }, label: "app.py:3-7" });
    const one = { start: { line: 4, character: 2 }, end: { line: 4, character: 9 } };
    assert.equal(locationContext({ uri: "file:///ws/app.py", range: one }, relative)?.label, "app.py:5");
  });

  it("refuses a location it cannot trust", () => {
    assert.equal(locationContext(undefined, relative), undefined);
    assert.equal(locationContext({ uri: "" }, relative), undefined);
    assert.equal(locationContext({ uri: 3 }, relative), undefined);
    assert.equal(locationContext({ uri: "file:///ws/a.py", range: { start: { line: -1, character: 0 }, end: { line: 1, character: 0 } } }, relative), undefined);
    assert.equal(locationContext({ uri: "file:///ws/a.py", range: { start: { line: 1 } } }, relative), undefined);
  });

  it("writes a commit message only for the repository that holds the server's root", () => {
    assert.equal(repositoryHoldsRoot("/home/me/proj", "/home/me/proj"), true);
    assert.equal(repositoryHoldsRoot("/home/me/proj/", "/home/me/proj/sub"), true);
    assert.equal(repositoryHoldsRoot("/home/me/proj", "/home/me/project2"), false);
    assert.equal(repositoryHoldsRoot("/home/me/proj/lib", "/home/me/proj"), false);
    assert.equal(repositoryHoldsRoot("/", "/srv/ws"), true);
  });
});
