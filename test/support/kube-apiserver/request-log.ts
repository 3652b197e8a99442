/** Every request the server received, with the status it answered; tests wait on it without polling. */
import { Waiters } from './waiters.js';

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  watch: boolean;
  /** HTTP status answered (for a watch: 200 once the stream starts). */
  status?: number;
}

export class RequestLog {
  readonly entries: LoggedRequest[] = [];
  private readonly waiters = new Waiters();

  add(entry: LoggedRequest): LoggedRequest {
    this.entries.push(entry);
    this.waiters.notify();
    return entry;
  }

  answered(entry: LoggedRequest, status: number): void {
    entry.status = status;
    this.waiters.notify();
  }

  /** Resolves once `count` (default 1) answered requests match; rejects after timeoutMs (default 5000). */
  waitFor(match: (r: LoggedRequest) => boolean, o: { count?: number; timeoutMs?: number } = {}): Promise<void> {
    const count = o.count ?? 1;
    const answered = () => this.entries.filter((r) => r.status !== undefined && match(r)).length;
    return this.waiters.wait(
      () => answered() >= count,
      o.timeoutMs ?? 5000,
      () => new Error(`fake kube-apiserver: expected ${count} matching answered request(s), have ${answered()}`),
    );
  }
}
