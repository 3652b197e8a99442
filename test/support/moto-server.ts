import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** moto's own server app behind one lock: see moto_serial.py for the race it removes. */
const MOTO_SERIAL = join(import.meta.dirname, 'moto_serial.py');

/** A free loopback TCP port (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface MotoServer {
  endpoint: string;
  /** What moto wrote to stderr: its last 4000 characters, or all of it when started with `keepStderr`. */
  stderr(): string;
  stop(): Promise<void>;
}

export interface MotoOptions {
  /** Keep all of stderr (request log and tracebacks), not only its tail: for diagnosing a 500. */
  keepStderr?: boolean;
  /** Plain `moto_server`, requests entering moto side by side: only for scripts/moto-stress.ts to show the race. */
  unserialised?: boolean;
}

/**
 * A real moto server on a free 127.0.0.1 port, with AWS-managed IAM policies loaded (ReadOnlyAccess and friends).
 * It is moto_server's app with requests entering moto one at a time (test/support/moto_serial.py): moto's backends
 * are not thread-safe, and under load two concurrent calls could fail one with an HTML 500 that real AWS never sends.
 * Register `stop` with t.after: the process is killed by its own pid.
 */
export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const port = await freePort();
  const listen = ['-p', String(port), '-H', '127.0.0.1'];
  const [cmd, argv] = options.unserialised ? ['moto_server', listen] : ['python3', [MOTO_SERIAL, ...listen]];
  const child: ChildProcess = spawn(cmd, argv, {
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
    if (!options.keepStderr) stderr = stderr.slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited early: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      await res.arrayBuffer();
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not start on ${endpoint}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { endpoint, stderr: () => stderr, stop };
}
