/**
 * Server start, restart and stop run one at a time, in the order asked. A request for
 * an operation that is already queued (not yet running) joins it instead of queueing a
 * second copy, so five quick "Restart Server" clicks give at most one more restart
 * after the running one — and never two servers at once.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly queued = new Map<string, Promise<void>>();

  run(key: string, job: () => Promise<void>): Promise<void> {
    const waiting = this.queued.get(key);
    if (waiting) return waiting;
    const next = this.tail
      .catch(() => undefined)
      .then(() => {
        this.queued.delete(key);
        return job();
      });
    this.queued.set(key, next);
    this.tail = next;
    return next;
  }

  /** Resolves when everything queued so far has finished. */
  idle(): Promise<void> {
    return this.tail.then(
      () => undefined,
      () => undefined,
    );
  }
}
