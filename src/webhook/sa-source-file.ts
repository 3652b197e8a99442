import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { IrsaError } from '../core/errors.js';
import type { KubeObject } from '../core/webhook/types.js';
import { type ServiceAccountSource, saKey, slimServiceAccount } from './sa-source.js';

/**
 * Parses ServiceAccounts from YAML or JSON: single objects, multi-document YAML, a JSON array, or a `v1` `List`
 * (what `kubectl get serviceaccounts -A -o yaml` prints). Objects of other kinds are ignored. A ServiceAccount
 * without a namespace is in `default`, as `kubectl apply` would put it.
 */
export function parseServiceAccounts(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  const visit = (doc: unknown, where: string): void => {
    if (doc === null || doc === undefined) return;
    if (Array.isArray(doc)) {
      doc.forEach((d, i) => visit(d, `${where}[${i}]`));
      return;
    }
    if (typeof doc !== 'object') throw new IrsaError('ERR_SA_FILE', `${where}: not a Kubernetes object`);
    const o = doc as Record<string, unknown>;
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      o.items.forEach((d, i) => visit(d, `${where}.items[${i}]`));
      return;
    }
    if (o.kind !== 'ServiceAccount') return;
    const md = o.metadata as Record<string, unknown> | undefined;
    if (typeof md?.name !== 'string' || md.name === '') {
      throw new IrsaError('ERR_SA_FILE', `${where}: ServiceAccount without metadata.name`);
    }
    if (md.annotations !== undefined && (typeof md.annotations !== 'object' || md.annotations === null)) {
      throw new IrsaError('ERR_SA_FILE', `${where}: metadata.annotations is not a map`);
    }
    out.push({ ...o, metadata: { ...md, namespace: typeof md.namespace === 'string' ? md.namespace : 'default' } });
  };
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new IrsaError('ERR_SA_FILE', `${source}: invalid JSON (${(e as Error).message})`);
    }
    visit(doc, source);
    return out;
  }
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((d, i) => {
    const err = d.errors[0];
    if (err) throw new IrsaError('ERR_SA_FILE', `${source}: document ${i + 1}: invalid YAML (${err.message.split('\n')[0]})`);
    visit(d.toJS(), list.length > 1 ? `${source}#${i + 1}` : source);
  });
  return out;
}

/**
 * --service-accounts-file: ServiceAccounts from a file, for clusters driven from Git and offline use. Reloaded on
 * change (fs.watch on the directory, so the `..data` swap of a mounted ConfigMap counts, plus a poll); a file that
 * fails to parse is logged and the last good set kept.
 */
export class FileServiceAccountSource implements ServiceAccountSource {
  private map = new Map<string, KubeObject>();
  private lastText: string | undefined;
  private lastBadText: string | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  ready = false;

  constructor(
    private readonly file: string,
    private readonly options: {
      annotationPrefix: string;
      pollMs?: number;
      onReload?: (count: number) => void;
      onError?: (message: string) => void;
    },
  ) {}

  get(namespace: string, name: string): KubeObject | undefined {
    return this.map.get(saKey(namespace, name));
  }

  size(): number {
    return this.map.size;
  }

  /** The first load must succeed: a webhook started on a broken file would skip every pod. */
  async start(): Promise<void> {
    this.apply(this.read());
    this.ready = true;
    try {
      this.watcher = watch(dirname(this.file), { persistent: false }, () => this.schedule());
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // The poll still notices changes.
    }
    this.timer = setInterval(() => this.reload(), this.options.pollMs ?? 5_000);
    this.timer.unref();
  }

  private read(): string {
    try {
      return readFileSync(this.file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : (e as Error).message;
      throw new IrsaError('ERR_FILE_READ', `${this.file}: cannot read ServiceAccounts (${why})`);
    }
  }

  private apply(text: string): void {
    if (text === this.lastText) return;
    const next = new Map<string, KubeObject>();
    for (const sa of parseServiceAccounts(text, this.file)) {
      const slim = slimServiceAccount(sa, this.options.annotationPrefix);
      next.set(saKey(slim.metadata?.namespace as string, slim.metadata?.name as string), slim);
    }
    this.map = next;
    this.lastText = text;
    this.options.onReload?.(next.size);
  }

  private schedule(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.reload(), 100);
    this.debounce.unref();
  }

  /** Re-reads the file; keeps the last good set when it cannot. */
  reload(): void {
    let text: string | undefined;
    try {
      text = this.read();
      if (text === this.lastBadText) return; // already reported
      this.apply(text);
    } catch (e) {
      this.lastBadText = text;
      this.options.onError?.(`${(e as Error).message}; keeping the previous ${this.map.size} ServiceAccounts`);
    }
  }

  async close(): Promise<void> {
    this.watcher?.close();
    clearInterval(this.timer);
    clearTimeout(this.debounce);
  }
}
