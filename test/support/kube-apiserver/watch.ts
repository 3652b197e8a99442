/**
 * WATCH streams as kube-apiserver serves them: newline-delimited `{type, object}` over chunked HTTP; no
 * resourceVersion = synthetic ADDED for what exists, then live changes; a resourceVersion = replay from the store's
 * history (410 Expired ERROR event when it is older than that); BOOKMARKs; selector transitions as ADDED/DELETED.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { apiVersionOf, type ResourceDef, type ResourceName } from './resources.js';
import { type Filter, filterOf, objMatches } from './selectors.js';
import { status } from './status.js';
import type { ObjectStore, StoreEvent } from './store.js';
import { Waiters } from './waiters.js';

interface Watcher {
  def: ResourceDef;
  filter: Filter;
  bookmarks: boolean;
  res: ServerResponse;
  socket: Socket;
  timer?: NodeJS.Timeout;
}

export interface WatchTarget {
  def: ResourceDef;
  namespace?: string;
  name?: string;
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private readonly waiters = new Waiters();
  private store!: ObjectStore;

  /** The store whose history watches resume from (set once, the store is built with this hub's deliver). */
  attach(store: ObjectStore): void {
    this.store = store;
  }

  /** Sends a store event to every watch it concerns. */
  readonly deliverAll = (ev: StoreEvent): void => {
    for (const w of this.watchers) deliver(w, ev);
  };

  /** Answers a WATCH request: headers at once, then the initial or replayed events, then live ones. */
  start(req: IncomingMessage, res: ServerResponse, target: WatchTarget, q: Record<string, string>): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const w: Watcher = {
      def: target.def,
      filter: filterOf(q, target.namespace, target.name),
      bookmarks: q.allowWatchBookmarks === 'true' || q.allowWatchBookmarks === '1',
      res,
      socket: req.socket,
    };
    if (!this.replay(w, q.resourceVersion ?? '')) {
      res.end();
      return;
    }
    this.add(w, Number(q.timeoutSeconds));
    res.on('close', () => this.remove(w));
    req.socket.on('close', () => this.remove(w));
  }

  /** Open watch streams, optionally of one resource. */
  open(resource?: ResourceName): number {
    return [...this.watchers].filter((w) => !resource || w.def.name === resource).length;
  }

  waitFor(n: number, resource: ResourceName | undefined, timeoutMs: number): Promise<void> {
    return this.waiters.wait(
      () => this.open(resource) >= n,
      timeoutMs,
      () =>
        new Error(
          `fake kube-apiserver: expected ${n} open watch(es) on ${resource ?? 'any resource'}, have ${this.open(resource)}`,
        ),
    );
  }

  /** Destroys every open watch socket (clients see an error) or ends each stream cleanly; returns how many. */
  drop(mode: 'destroy' | 'end' = 'destroy'): number {
    const n = this.watchers.size;
    for (const w of [...this.watchers]) {
      this.remove(w);
      if (mode === 'end') w.res.end();
      else w.socket.destroy();
    }
    return n;
  }

  sendBookmarks(): void {
    for (const w of this.watchers) if (w.bookmarks) this.writeBookmark(w);
  }

  /** The initial events; false when the stream ends at once (an ERROR was written). */
  private replay(w: Watcher, from: string): boolean {
    if (from === '' || from === '0') {
      for (const o of this.store.list(w.def, w.filter)) writeEvent(w, 'ADDED', o);
      return true;
    }
    const n = Number(from);
    if (!Number.isInteger(n) || n < 0) {
      writeEvent(w, 'ERROR', status(400, `invalid resource version: ${from}`));
      return false;
    }
    const floor = this.store.historyFloor;
    if (n < floor) {
      writeEvent(w, 'ERROR', status(410, `too old resource version: ${n} (${floor + 1})`, 'Expired'));
      return false;
    }
    for (const ev of this.store.eventsAfter(n)) deliver(w, ev);
    return true;
  }

  private add(w: Watcher, timeoutSeconds: number): void {
    this.watchers.add(w);
    if (Number.isFinite(timeoutSeconds) && timeoutSeconds > 0) {
      w.timer = setTimeout(() => {
        if (w.bookmarks) this.writeBookmark(w);
        this.remove(w);
        w.res.end();
      }, timeoutSeconds * 1000);
    }
    this.waiters.notify();
  }

  private remove(w: Watcher): void {
    if (w.timer) clearTimeout(w.timer);
    if (this.watchers.delete(w)) this.waiters.notify();
  }

  private writeBookmark(w: Watcher): void {
    writeEvent(w, 'BOOKMARK', {
      kind: w.def.kind,
      apiVersion: apiVersionOf(w.def),
      metadata: { resourceVersion: String(this.store.resourceVersion) },
    });
  }
}

/** Sends an event to a watcher, translating label/field selector transitions as the watch cache does. */
function deliver(w: Watcher, ev: StoreEvent): void {
  if (w.def !== ev.def) return;
  const now = objMatches(ev.obj, w.filter);
  const before = ev.type === 'MODIFIED' && ev.prev !== undefined && objMatches(ev.prev, w.filter);
  let type: string | undefined;
  if (ev.type === 'ADDED') type = now ? 'ADDED' : undefined;
  else if (ev.type === 'DELETED') type = now ? 'DELETED' : undefined;
  else if (now && before) type = 'MODIFIED';
  else if (now) type = 'ADDED';
  else if (before) type = 'DELETED';
  if (type) writeEvent(w, type, ev.obj);
}

function writeEvent(w: Watcher, type: string, object: unknown): void {
  if (!w.res.writableEnded && !w.socket.destroyed) w.res.write(`${JSON.stringify({ type, object })}\n`);
}
