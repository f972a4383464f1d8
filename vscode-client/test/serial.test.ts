import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Serial } from "../src/serial";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Serial (start / restart / stop never overlap)", () => {
  it("runs jobs one at a time, in order", async () => {
    const serial = new Serial();
    const trace: string[] = [];
    let running = 0;
    const job = (name: string, ms: number) => async () => {
      running++;
      assert.equal(running, 1, "two jobs overlapped");
      trace.push(`${name}+`);
      await tick(ms);
      trace.push(`${name}-`);
      running--;
    };
    await Promise.all([serial.run("start", job("start", 20)), serial.run("restart", job("restart", 5)), serial.run("stop", job("stop", 1))]);
    assert.deepEqual(trace, ["start+", "start-", "restart+", "restart-", "stop+", "stop-"]);
  });

  it("collapses repeated requests while one is queued, and queues one more while it runs", async () => {
    const serial = new Serial();
    let restarts = 0;
    const restart = async () => {
      restarts++;
      await tick(10);
    };
    const first = serial.run("restart", restart); // queued, starts on the next tick
    const clicks = [serial.run("restart", restart), serial.run("restart", restart)];
    assert.equal(clicks[0], first);
    await tick(2); // the first is running now
    const during = serial.run("restart", restart);
    const duringAgain = serial.run("restart", restart);
    assert.equal(during, duringAgain);
    await Promise.all([first, ...clicks, during]);
    assert.equal(restarts, 2);
  });

  it("goes on after a failed job, and idle() waits for everything queued", async () => {
    const serial = new Serial();
    const failed = serial.run("start", async () => {
      throw new Error("no python");
    });
    let ran = false;
    void serial.run("restart", async () => {
      await tick(5);
      ran = true;
    });
    await assert.rejects(failed, /no python/);
    await serial.idle();
    assert.equal(ran, true);
  });
});
