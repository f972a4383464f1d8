/**
 * Which consumer gets a `claude/chatEvent`. Events name their session; a turn that
 * starts a new session is known by its id only once its first event (or its result)
 * arrives. So at most one new-session request is in flight at a time: the first event
 * of a session nobody owns belongs to it. Further new-session requests wait their turn
 * (for milliseconds: until that first event). Events of sessions with no owner (e.g.
 * the server's `claude.chat` command session) are dropped.
 */
export class SessionRouter<T> {
  private readonly owners = new Map<string, T>();
  private pending: { owner: T; bound: (sessionId: string) => void } | undefined;
  private readonly waiting: (() => void)[] = [];

  own(sessionId: string, owner: T): void {
    this.owners.set(sessionId, owner);
  }

  disown(sessionId: string): void {
    this.owners.delete(sessionId);
  }

  /**
   * Reserves the "new session" slot for `owner`. Resolves when the slot is free; call
   * the returned function with the session id from the result (or undefined on error)
   * when the request ends.
   */
  async beginNew(owner: T): Promise<(sessionId: string | undefined) => void> {
    while (this.pending) await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      if (this.pending === slot) this.pending = undefined;
      this.waiting.shift()?.();
    };
    const slot = { owner, bound: (sessionId: string) => (this.owners.set(sessionId, owner), release()) };
    this.pending = slot;
    return (sessionId) => {
      if (sessionId !== undefined && !this.owners.has(sessionId)) this.owners.set(sessionId, owner);
      release();
    };
  }

  ownerOf(sessionId: string): T | undefined {
    const owner = this.owners.get(sessionId);
    if (owner !== undefined) return owner;
    if (!this.pending) return undefined;
    const { owner: claimant, bound } = this.pending;
    bound(sessionId);
    return claimant;
  }
}
