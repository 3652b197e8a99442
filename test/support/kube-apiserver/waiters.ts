/** Promises that resolve when a condition on the server's state becomes true: signalled, never polled. */

// The give-up timers use the real clock even while a test mocks timers (node:test mock.timers replaces the globals
// later), so a wait that is never satisfied still fails instead of hanging the run.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

export class Waiters {
  private readonly pending = new Set<{ ready: () => boolean; resolve: () => void }>();

  /** Resolves once `ready()` holds (checked now and on every notify()); rejects with `fail()` after timeoutMs. */
  wait(ready: () => boolean, timeoutMs: number, fail: () => Error): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = realSetTimeout(() => {
        this.pending.delete(entry);
        reject(fail());
      }, timeoutMs);
      const entry = {
        ready,
        resolve: () => {
          realClearTimeout(timer);
          resolve();
        },
      };
      this.pending.add(entry);
    });
  }

  notify(): void {
    for (const entry of [...this.pending]) {
      if (entry.ready()) {
        this.pending.delete(entry);
        entry.resolve();
      }
    }
  }
}
