import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { E, IrsaError } from '../core/errors.js';
import type { KubeObject } from '../core/webhook/types.js';
import { systemErrorWords } from '../io/system-errors.js';
import { scanKubeList } from './list-scan.js';
import { type ServiceAccountSource, slimServiceAccount } from './sa-source.js';

function digest(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * Parses ServiceAccounts from YAML or JSON: single objects, multi-document YAML, a JSON array, or a `v1` `List`
 * (what `kubectl get serviceaccounts -A -o yaml|json` prints). Objects of other kinds are ignored. A ServiceAccount
 * without a namespace is in `default`, as `kubectl apply` would put it.
 */
export function parseServiceAccounts(input: string | Buffer, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  forEachServiceAccount(input, source, (sa) => out.push(sa));
  return out;
}

/**
 * The same, one ServiceAccount at a time: a JSON List is read item by item (list-scan.ts), so a large file never
 * exists as a whole parsed tree next to the cache built from it.
 */
export function forEachServiceAccount(input: string | Buffer, source: string, each: (sa: KubeObject) => void): void {
  const visit = (doc: unknown, where: string): void => {
    if (doc === null || doc === undefined) return;
    if (Array.isArray(doc)) {
      for (const [i, d] of doc.entries()) visit(d, `${where}[${i}]`);
      return;
    }
    if (typeof doc !== 'object') throw new IrsaError(E.ERR_SA_FILE, `${where}: not a Kubernetes object`);
    const o = doc as Record<string, unknown>;
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      for (const [i, d] of o.items.entries()) visit(d, `${where}.items[${i}]`);
      return;
    }
    if (o.kind !== 'ServiceAccount') return;
    const md = o.metadata as Record<string, unknown> | undefined;
    if (typeof md?.name !== 'string' || md.name === '') {
      throw new IrsaError(E.ERR_SA_FILE, `${where}: ServiceAccount without metadata.name`);
    }
    if (md.annotations !== undefined && (typeof md.annotations !== 'object' || md.annotations === null)) {
      throw new IrsaError(E.ERR_SA_FILE, `${where}: metadata.annotations is not a map`);
    }
    each({ ...o, metadata: { ...md, namespace: typeof md.namespace === 'string' ? md.namespace : 'default' } });
  };
  const buf = typeof input === 'string' ? undefined : input;
  const text = typeof input === 'string' ? input : undefined;
  const first = buf ? buf[firstNonSpace(buf)] : text!.trimStart().charCodeAt(0);
  if (first === 0x7b /* { */ || first === 0x5b /* [ */) {
    try {
      if (first === 0x7b) {
        let n = 0;
        const rest = scanKubeList(buf ?? Buffer.from(text!), (item) => visit(item, `${source}.items[${n++}]`));
        // A single object (no items array): scanKubeList returned all of it.
        if (n === 0) visit(rest, source);
      } else visit(JSON.parse(text ?? buf!.toString('utf8')), source);
    } catch (e) {
      if (e instanceof IrsaError) throw e;
      throw new IrsaError(E.ERR_SA_FILE, `${source}: invalid JSON (${(e as Error).message})`);
    }
    return;
  }
  const yamlText = text ?? buf!.toString('utf8');
  // A large `kubectl get -o yaml` List is parsed entry by entry: the yaml package's whole-document tree of 10,000
  // ServiceAccounts is ~300 MB; one entry at a time it is nothing.
  const entries = splitYamlListItems(yamlText);
  if (entries) {
    entries.forEach((entry, n) => {
      const where = `${source}.items[${n}]`;
      const d = parseDocument(entry);
      const err = d.errors[0];
      if (err) throw new IrsaError(E.ERR_SA_FILE, `${where}: invalid YAML (${err.message.split('\n')[0]})`);
      visit(d.toJS(), where);
    });
    return;
  }
  const docs = parseAllDocuments(yamlText);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((d, i) => {
    const err = d.errors[0];
    if (err)
      throw new IrsaError(E.ERR_SA_FILE, `${source}: document ${i + 1}: invalid YAML (${err.message.split('\n')[0]})`);
    visit(d.toJS(), list.length > 1 ? `${source}#${i + 1}` : source);
  });
}

/**
 * The entries of a single-document YAML List in block style (`items:` at column 0, entries `- ` at one indent), as
 * standalone YAML texts; undefined for anything else (parsed whole instead). The other top-level keys (kind,
 * apiVersion, metadata) carry nothing the webhook reads.
 */
export function splitYamlListItems(text: string): string[] | undefined {
  if (/^---/m.test(text.replace(/^---[^\n]*\n/, '')) || !/^kind: *\w*List *$/m.test(text)) return undefined;
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^items: *$/.test(l));
  if (start === -1) return undefined;
  const first = lines.slice(start + 1).find((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const m = first === undefined ? undefined : /^( *)- /.exec(first);
  if (!m) return undefined;
  const indent = m[1].length;
  const entryStart = `${m[1]}- `;
  const cut = indent + 2;
  const entries: string[] = [];
  let cur: string[] | undefined;
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith(entryStart)) {
      if (cur) entries.push(cur.join('\n'));
      cur = [l.slice(cut)];
      continue;
    }
    const blankOrComment = l.trim() === '' || l.trimStart().startsWith('#');
    if (!blankOrComment && !l.startsWith(' '.repeat(cut))) {
      // Back at a shallower indent: the items block has ended (or is not what we expect).
      if (/^[^\s#-][^:]*:/.test(l)) break;
      return undefined;
    }
    if (!cur) return undefined;
    cur.push(l.slice(Math.min(cut, l.length - l.trimStart().length)));
  }
  if (cur) entries.push(cur.join('\n'));
  return entries;
}

function countAll(byNamespace: Map<string, Map<string, KubeObject>>): number {
  let n = 0;
  for (const byName of byNamespace.values()) n += byName.size;
  return n;
}

function firstNonSpace(buf: Buffer): number {
  let i = 0;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++;
  return i;
}

/**
 * --service-accounts-file: ServiceAccounts from a file, for clusters driven from Git and offline use. Reloaded on
 * change (fs.watch on the directory, so the `..data` swap of a mounted ConfigMap counts, plus a poll); a file that
 * fails to parse is logged and the last good set kept.
 */
export class FileServiceAccountSource implements ServiceAccountSource {
  /** namespace → name → ServiceAccount: two lookups of the request's own strings, no key built per pod. */
  private map = new Map<string, Map<string, KubeObject>>();
  /** Digests, not contents: a 10,000-ServiceAccount file is ~14 MB we need not keep. */
  private lastDigest: string | undefined;
  private lastBadDigest: string | undefined;
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
    return this.map.get(namespace)?.get(name);
  }

  size(): number {
    return countAll(this.map);
  }

  /** The first load must succeed: a webhook started on a broken file would skip every pod. */
  async start(): Promise<void> {
    const content = this.read();
    this.apply(content, digest(content));
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

  private read(): Buffer {
    try {
      return readFileSync(this.file);
    } catch (e) {
      throw new IrsaError(E.ERR_FILE_READ, `${this.file}: cannot read ServiceAccounts (${systemErrorWords(e)})`);
    }
  }

  private apply(content: Buffer, digest: string): void {
    if (digest === this.lastDigest) return;
    const next = new Map<string, Map<string, KubeObject>>();
    forEachServiceAccount(content, this.file, (sa) => {
      const slim = slimServiceAccount(sa, this.options.annotationPrefix);
      const namespace = slim.metadata?.namespace as string;
      let byName = next.get(namespace);
      if (byName === undefined) {
        byName = new Map();
        next.set(namespace, byName);
      }
      byName.set(slim.metadata?.name as string, slim);
    });
    this.map = next;
    this.lastDigest = digest;
    this.options.onReload?.(countAll(next));
  }

  private schedule(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.reload(), 100);
    this.debounce.unref();
  }

  /** Re-reads the file; keeps the last good set when it cannot. */
  reload(): void {
    let d: string | undefined;
    try {
      const content = this.read();
      d = digest(content);
      if (d === this.lastBadDigest) return; // already reported
      this.apply(content, d);
    } catch (e) {
      this.lastBadDigest = d;
      this.options.onError?.(`${(e as Error).message}; keeping the previous ${this.size()} ServiceAccounts`);
    }
  }

  async close(): Promise<void> {
    this.watcher?.close();
    clearInterval(this.timer);
    clearTimeout(this.debounce);
  }
}
