import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import { createSecureContext } from 'node:tls';
import { E, IrsaError } from '../core/errors.js';
import { systemErrorWords } from '../io/system-errors.js';

/** A serving certificate chain and its key, PEM. */
export interface TlsCredentials {
  certPem: string;
  keyPem: string;
}

/** Throws unless cert and key are PEM that TLS accepts and that belong together. */
export function validateCredentials(c: TlsCredentials, what: string): void {
  try {
    createSecureContext({ cert: c.certPem, key: c.keyPem });
  } catch (e) {
    throw new IrsaError(E.ERR_TLS_CREDENTIALS, `${what}: not a usable certificate and key (${(e as Error).message})`);
  }
}

/**
 * Serves --tls-cert/--tls-key and reloads them when they change, without a restart: fs.watch on their
 * directories (catches atomic renames and the `..data` symlink swap of mounted Secrets) plus a poll as a fallback
 * for file systems without events. A pair that fails to load is logged and the last good pair kept.
 */
export class TlsFileReloader {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private last: TlsCredentials | undefined;

  constructor(
    private readonly certFile: string,
    private readonly keyFile: string,
    private readonly options: {
      apply: (c: TlsCredentials) => void;
      onError: (message: string) => void;
      pollMs?: number;
    },
  ) {}

  /** Reads the pair once; throws (naming the file) when it is unusable, as start-up must fail loudly. */
  load(): TlsCredentials {
    const c = { certPem: read(this.certFile, 'TLS certificate'), keyPem: read(this.keyFile, 'TLS key') };
    validateCredentials(c, `${this.certFile} / ${this.keyFile}`);
    return c;
  }

  /** Loads and keeps watching; `apply` is called for each later change. */
  start(): TlsCredentials {
    const c = this.load();
    this.last = c;
    const dirs = new Set([dirname(this.certFile), dirname(this.keyFile)]);
    for (const dir of dirs) {
      try {
        const w = watch(dir, { persistent: false }, () => this.schedule());
        w.on('error', () => w.close());
        this.watchers.push(w);
      } catch {
        // No inotify (or too many watches): the poll below still notices changes.
      }
    }
    this.timer = setInterval(() => this.reload(), this.options.pollMs ?? 10_000);
    this.timer.unref();
    return c;
  }

  private schedule(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.reload(), 100);
    this.debounce.unref();
  }

  /** Re-reads both files; applies them when they changed and are usable. */
  reload(): void {
    let c: TlsCredentials;
    try {
      c = { certPem: read(this.certFile, 'TLS certificate'), keyPem: read(this.keyFile, 'TLS key') };
    } catch (e) {
      this.options.onError((e as Error).message);
      return;
    }
    if (this.last && c.certPem === this.last.certPem && c.keyPem === this.last.keyPem) return;
    try {
      validateCredentials(c, `${this.certFile} / ${this.keyFile}`);
    } catch (e) {
      // Often the moment between writing the certificate and the key: the next event brings the matching pair.
      this.options.onError(`${(e as Error).message}; keeping the previous certificate`);
      return;
    }
    this.last = c;
    this.options.apply(c);
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    clearInterval(this.timer);
    clearTimeout(this.debounce);
  }
}

function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new IrsaError(E.ERR_FILE_READ, `${file}: cannot read ${what} (${systemErrorWords(e)})`);
  }
}

/** --tls-cert/--tls-key as a TlsProvider (see start.ts). */
export function fileTlsProvider(
  certFile: string,
  keyFile: string,
  options: { onError: (message: string) => void; pollMs?: number },
) {
  let reloader: TlsFileReloader | undefined;
  return {
    async start(apply: (c: TlsCredentials) => void): Promise<TlsCredentials> {
      reloader = new TlsFileReloader(certFile, keyFile, { apply, onError: options.onError, pollMs: options.pollMs });
      return reloader.start();
    },
    close(): void {
      reloader?.close();
    },
  };
}
