import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SessionRouter } from "../src/router";

describe("SessionRouter", () => {
  it("gives a new session's first event to the request that started it", async () => {
    const router = new SessionRouter<string>();
    const done = await router.beginNew("chat");
    assert.equal(router.ownerOf("s1"), "chat");
    assert.equal(router.ownerOf("s1"), "chat");
    assert.equal(router.ownerOf("other"), undefined, "events of sessions nobody owns are dropped");
    done("s1");
    assert.equal(router.ownerOf("s1"), "chat");
  });

  it("lets one new-session request in at a time", async () => {
    const router = new SessionRouter<string>();
    const doneChat = await router.beginNew("chat");
    let commitStarted = false;
    const commit = router.beginNew("commit").then((done) => {
      commitStarted = true;
      return done;
    });
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(commitStarted, false);
    assert.equal(router.ownerOf("s1"), "chat"); // the chat's first event frees the slot
    const doneCommit = await commit;
    assert.equal(router.ownerOf("s2"), "commit");
    doneChat("s1");
    doneCommit("s2");
    assert.equal(router.ownerOf("s1"), "chat");
    assert.equal(router.ownerOf("s2"), "commit");
  });

  it("frees the slot when a request fails before any event", async () => {
    const router = new SessionRouter<string>();
    const done = await router.beginNew("chat");
    done(undefined);
    const next = await router.beginNew("chat2");
    assert.equal(router.ownerOf("s9"), "chat2");
    next("s9");
    router.disown("s9");
    assert.equal(router.ownerOf("s9"), undefined);
  });
});
