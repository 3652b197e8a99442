/** Promises that resolve when a condition on the server's state becomes true: signalled, never polled. */
export class Waiters {
  private readonly pending = new Set<{ ready: () => boolean; resolve: () => void }>();

  /** Resolves once `ready()` holds (checked now and on every notify()); rejects with `fail()` after timeoutMs. */
  wait(ready: () => boolean, timeoutMs: number, fail: () => Error): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(entry);
        reject(fail());
      }, timeoutMs);
      const entry = {
        ready,
        resolve: () => {
          clearTimeout(timer);
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
