/**
 * Injected faults: the next matching requests fail with a Status, are delayed, or are held until the test releases
 * them (a hold orders events from inside the test, where a delay would order them by time).
 */
import { Waiters } from './waiters.js';

export interface Hold {
  /** Requests held so far. */
  readonly held: number;
  /** Resolves once n (default 1) matching requests are being held; rejects after timeoutMs (default 5000). */
  waitForHeld(n?: number, timeoutMs?: number): Promise<void>;
  /** Serves every held request; later matching requests are no longer held. */
  release(): void;
}

interface Fault {
  re: RegExp;
  method?: string;
  count: number;
  status?: number;
  message?: string;
  delayMs?: number;
  hold?: HoldState;
}

class HoldState implements Hold {
  held = 0;
  private readonly waiters = new Waiters();
  private open!: () => void;
  readonly gate = new Promise<void>((resolve) => {
    this.open = resolve;
  });

  constructor(private readonly fault: { count: number }) {}

  async hold(): Promise<void> {
    this.held++;
    this.waiters.notify();
    await this.gate;
  }

  waitForHeld(n = 1, timeoutMs = 5000): Promise<void> {
    return this.waiters.wait(
      () => this.held >= n,
      timeoutMs,
      () => new Error(`fake kube-apiserver: expected ${n} held request(s), have ${this.held}`),
    );
  }

  release(): void {
    this.fault.count = 0;
    this.open();
  }
}

export interface FaultOptions {
  count?: number;
  method?: string;
}

export class Faults {
  private readonly faults: Fault[] = [];

  failNext(re: RegExp, status: number, o: FaultOptions & { message?: string } = {}): void {
    this.faults.push({ re, status, count: o.count ?? 1, message: o.message, method: o.method });
  }

  delayNext(re: RegExp, ms: number, o: FaultOptions = {}): void {
    this.faults.push({ re, delayMs: ms, count: o.count ?? 1, method: o.method });
  }

  holdNext(re: RegExp, o: FaultOptions = {}): Hold {
    const fault: Fault = { re, count: o.count ?? 1, method: o.method };
    fault.hold = new HoldState(fault);
    this.faults.push(fault);
    return fault.hold;
  }

  /**
   * Applies the faults matching a request in the order they were added: delays and holds wait, the first failure
   * is returned (the request answers it instead of being served).
   */
  async apply(method: string, path: string): Promise<{ status: number; message: string } | undefined> {
    for (const f of this.faults) {
      if (f.count <= 0 || !f.re.test(path) || (f.method && f.method !== method)) continue;
      f.count--;
      if (f.hold) await f.hold.hold();
      else if (f.delayMs !== undefined) await new Promise((r) => setTimeout(r, f.delayMs));
      else return { status: f.status!, message: f.message ?? `injected failure (${f.status})` };
    }
    return undefined;
  }
}
