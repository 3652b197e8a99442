// What the benchmark scripts share: the built CLI, a scratch directory, starting the processes under test (pinned to
// CPU 0 when asked) and waiting until they say they are ready, and reading a process's CPU time. Every process
// started here is killed when the benchmark exits, however it exits.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const CLI = join(ROOT, 'dist/cli.js');

const children = [];
const dirs = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * Stops every started process with SIGTERM and waits for it to exit (at most `ms`), so a server run with
 * `--cpu-prof` (BENCH_NODE_ARGS) writes its profile; the exit handler's SIGKILL is for anything left.
 */
export async function stopProcesses(ms = 5000) {
  await Promise.all(
    children
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map(
        (c) =>
          new Promise((done) => {
            const timer = setTimeout(done, ms);
            c.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            c.kill('SIGTERM');
          }),
      ),
  );
}

/** Exits with a message unless dist/cli.js exists (the benchmarks measure the built CLI). */
export function requireBuild() {
  if (!existsSync(CLI)) {
    console.error('dist/cli.js is missing: run `npm run build` first');
    process.exit(1);
  }
}

/** A temporary directory, removed when the benchmark exits. */
export function scratchDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Whether processes can be pinned to CPUs (taskset present, 2 CPUs or more). */
export const canPin = cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

/** Pins this process (the load generator) to `cpu`. */
export function pinSelf(cpu) {
  spawnSync('taskset', ['-cp', String(cpu), String(process.pid)]);
}

/**
 * Starts `node ...argv` (on CPU 0 with `pin`) and resolves with `{ child, ready }` once `ready(output)` returns a
 * value for what it has written so far on `stream`; rejects if it exits first.
 */
export function startProcess(argv, { env = {}, pin = false, stream = 'stderr', ready }) {
  return new Promise((resolvePromise, reject) => {
    const [cmd, cmdArgs] = pin ? ['taskset', ['-c', '0', process.execPath, ...argv]] : [process.execPath, argv];
    const stdio = stream === 'stdout' ? ['ignore', 'pipe', 'inherit'] : ['ignore', 'ignore', 'pipe'];
    const child = spawn(cmd, cmdArgs, { stdio, env: { ...process.env, ...env } });
    children.push(child);
    let out = '';
    child[stream].on('data', (d) => {
      out += d;
      const value = ready(out);
      if (value !== undefined) resolvePromise({ child, ready: value });
    });
    child.on('exit', (code) => reject(new Error(`${argv.join(' ')} exited ${code}: ${out}`)));
  });
}

/** `ready` for `irsa webhook serve` (and servers that imitate it): its "webhook listening" log line, parsed. */
export function webhookListening(output) {
  const line = output.split('\n').find((l) => l.includes('"webhook listening"'));
  return line === undefined ? undefined : JSON.parse(line);
}

/** `irsa webhook serve` on free loopback ports with these TLS files; `extra` flags follow. */
export function webhookServeArgv(tlsDir, extra = []) {
  return [
    CLI,
    'webhook',
    'serve',
    '--port',
    '0',
    '--metrics-port',
    '0',
    '--bind-address',
    '127.0.0.1',
    '--tls-cert',
    join(tlsDir, 'tls.crt'),
    '--tls-key',
    join(tlsDir, 'tls.key'),
    ...extra,
  ];
}

/** CPU seconds (user + system) a process has used, from /proc (Linux); undefined elsewhere. */
export function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ
  } catch {
    return undefined;
  }
}
