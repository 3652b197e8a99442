// Shared pieces of the plan/apply/destroy command tests: the environment the built CLI and the AWS CLI both run in
// (one endpoint, static test keys, an isolated HOME with empty AWS files), irsa.yaml written to a directory with a
// key pair beside it, the AWS CLI as the independent reader of what was made, and names unique to each test so
// tests share one moto without seeing each other's resources.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GeneratedKeyPair, generateSigningKey } from '../../src/core/keys/generate.js';
import { type RunResult, runCli, runProcess, tempDir } from '../support/cli.js';

export interface T {
  after: (fn: () => void | Promise<void>) => void;
}

/** A short lower-case suffix: bucket, cluster and role names of one test. */
export function unique(): string {
  return randomBytes(4).toString('hex');
}

/** Every AWS_* of the caller's environment dropped; the endpoints, keys and region given; HOME of its own. */
export function awsEnv(t: T, endpoints: Record<string, string>, region = 'us-east-1'): NodeJS.ProcessEnv {
  const home = tempDir(t, 'irsa-prov-home-');
  writeFileSync(join(home, 'config'), '');
  writeFileSync(join(home, 'credentials'), '');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && k !== 'KUBECONFIG') env[k] = v;
  return {
    ...env,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...endpoints,
  };
}

export interface Workspace {
  dir: string;
  /** irsa.yaml in `dir`. */
  file: string;
  pair: GeneratedKeyPair;
  /** keys/sa.pub, relative to `dir` as irsa.yaml names it. */
  publicKey: string;
  write(text: string): void;
}

/** A directory with a signing key pair (keys/sa.key, keys/sa.pub) and irsa.yaml written by `write`. */
export function workspace(t: T, type: 'ec' | 'rsa' = 'ec'): Workspace {
  const dir = tempDir(t, 'irsa-prov-');
  const pair = generateSigningKey(type === 'ec' ? { type: 'ec' } : { type: 'rsa' });
  mkdirSync(join(dir, 'keys'));
  writeFileSync(join(dir, 'keys/sa.key'), pair.privatePem, { mode: 0o600 });
  writeFileSync(join(dir, 'keys/sa.pub'), pair.publicPem);
  const file = join(dir, 'irsa.yaml');
  return { dir, file, pair, publicKey: 'keys/sa.pub', write: (text) => writeFileSync(file, text) };
}

/** The built CLI in the workspace directory. */
export function irsa(args: string[], env: NodeJS.ProcessEnv, options: { input?: string; cwd?: string } = {}) {
  return runCli(args, { env, timeoutMs: 120_000, ...options });
}

/** `irsa <cmd> -f irsa.yaml --output json …`, parsed. */
export async function irsaJson(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<RunResult & { json: { ok: boolean; data: Loose; error?: Loose; warnings: string[] } }> {
  const r = await irsa([...args, '--output', 'json'], env);
  let json: Loose;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { ...r, json };
}

// biome-ignore lint/suspicious/noExplicitAny: JSON read back from the CLIs is checked field by field
export type Loose = any;

/** The AWS CLI, JSON output parsed (undefined for an empty answer); throws with its stderr on failure. */
export async function aws(args: string[], env: NodeJS.ProcessEnv): Promise<Loose> {
  const r = await runProcess('aws', [...args, '--output', 'json'], { env, timeoutMs: 60_000 });
  if (r.code !== 0) throw new AwsCliError(args, r);
  return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
}

export class AwsCliError extends Error {
  readonly result: RunResult;
  constructor(args: string[], result: RunResult) {
    super(`aws ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
    this.result = result;
  }
}

/** The AWS CLI's answer, or the error code it printed (`NoSuchEntity`, `NoSuchBucket`, …). */
export async function awsOrCode(args: string[], env: NodeJS.ProcessEnv): Promise<Loose> {
  try {
    return await aws(args, env);
  } catch (e) {
    if (!(e instanceof AwsCliError)) throw e;
    const m = /\(([A-Za-z0-9.]+)\)/.exec(e.result.stderr);
    return { errorCode: m ? m[1] : e.result.stderr.trim() };
  }
}

/** The last non-empty line of a text output. */
export function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}
