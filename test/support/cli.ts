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
    child.stdin.end(options.input ?? '');
  });
}

/** Runs the built CLI (`npm test` builds first) as a user would. */
export function runCli(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env };
  return runProcess(process.execPath, [CLI, ...args], { ...options, env });
}

/** A temporary directory removed when the test ends. */
export function tempDir(t: { after: (fn: () => void) => void }, prefix = 'irsa-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
