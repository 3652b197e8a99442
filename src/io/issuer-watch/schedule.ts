/**
 * Runs a pass every intervalMs, one at a time: the next starts intervalMs after the previous one ended, so a slow
 * pass never overlaps the next. The timer functions are handed in (tests drive passes themselves instead).
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export function runEvery(
  intervalMs: number,
  pass: () => Promise<unknown>,
  onError: (e: unknown) => void,
  timers: Timers = {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  },
): { stop(): Promise<void> } {
  let stopped = false;
  let handle: unknown;
  let running: Promise<void> = Promise.resolve();
  const loop = () => {
    running = pass()
      .then(
        () => undefined,
        (e) => onError(e),
      )
      .then(() => {
        if (!stopped) handle = timers.setTimeout(loop, intervalMs);
      });
  };
  loop();
  return {
    async stop() {
      stopped = true;
      timers.clearTimeout(handle);
      await running;
    },
  };
}
