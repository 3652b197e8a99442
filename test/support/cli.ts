import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/cli.js');
/** Third-party test data vendored with its licence notices (test/vectors/<source>/NOTICE.md or LICENSE-NOTE.md). */
export const TEST_VECTORS = join(ROOT, 'test/vectors');
/** Kubernetes' own key and discovery vectors (see test/vectors/kubernetes/NOTICE.md). */
export const VECTORS = join(TEST_VECTORS, 'kubernetes');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end with a kill-timer, collecting its output; `env` is the whole environment. */
export function runProcess(
  command: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
    // A program may exit before it reads its input (a refused command line does): the write then fails with EPIPE,
    // which is no failure of the run; its exit code and output say what happened.
    child.stdin.on('error', (e: NodeJS.ErrnoException) => e.code !== 'EPIPE' && reject(e));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Runs the built CLI (`npm test` builds first) as a user would. On Node 20 the CLI's first stderr line is its
 * end-of-life notice (src/cli/main.ts); every run checks that it comes exactly once there and never on Node 22+,
 * then returns stderr without it, so the tests compare the same stderr on every Node.
 */
export async function runCli(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const env = { ...process.env, ...options.env };
  const r = await runProcess(process.execPath, [CLI, ...args], { ...options, env });
  const expected = eolNoticeExpected(env) ? 1 : 0;
  const found = r.stderr.match(new RegExp(EOL_NOTICE.source, 'gm'))?.length ?? 0;
  const what = `the Node ${process.versions.node} end-of-life notice, on irsa ${args.join(' ')}`;
  assert.equal(found, expected, what);
  if (expected) assert.match(r.stderr, EOL_NOTICE, `${what}: the first line`);
  return { ...r, stderr: r.stderr.replace(EOL_NOTICE, '') };
}

/** The CLI's Node 20 end-of-life notice, one line (src/cli/main.ts). */
export const EOL_NOTICE = /^irsa: Node\.js v20\.\S+ reached its end of life on 2026-04-30 .*\n/;

/** Whether the CLI, run with `env` on this Node, prints the notice: on Node 20 unless silenced. */
export function eolNoticeExpected(env: NodeJS.ProcessEnv): boolean {
  const silenced = ['off', '0', 'false'].includes(env.IRSA_NODE_EOL_NOTICE ?? '') || env.NODE_NO_WARNINGS === '1';
  return Number(process.versions.node.split('.')[0]) === 20 && !silenced;
}

/** A temporary directory removed when the test ends. */
export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'irsa-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
