// The long STS fuzz (`npm run fuzz`, or `npm run build && node fuzz/run.mjs fuzz/sts.fuzz.ts`): hostile tokens
// (test/support/hostile-tokens.ts, the generator of the property test) POSTed to AssumeRoleWithWebIdentity of a real
// `irsa sandbox` process, 16 at a time. Reports accepted forgeries, 5xx answers, wrong error codes, refused valid
// controls, hangs (no answer within 10 s), a crash of the sandbox, and its RSS before and after; exits 1 on any.
// FUZZ_RUNS (default 100,000) and FUZZ_SEED (default 9) set the size and the seed.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import fc from 'fast-check';
import { buildDiscovery, serializeDiscovery } from '../src/core/issuer/discovery.js';
import { buildJwks, serializeJwks } from '../src/core/issuer/jwks.js';
import { generateSigningKey } from '../src/core/keys/generate.js';
import {
  type HostileToken,
  type HostileWorld,
  hostileToken,
  judge,
  type Outcome,
} from '../test/support/hostile-tokens.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? 9);
const CONCURRENCY = 16;
const BATCH = 500;
const TIMEOUT_MS = 10_000;
const CLI = resolve(import.meta.dirname, '../dist/cli.js');
const SUB = 'system:serviceaccount:default:app';

const dir = mkdtempSync(join(tmpdir(), 'irsa-fuzz-sts-'));
let sandbox: ChildProcess | undefined;
let crashed: string | undefined;
process.on('exit', () => {
  sandbox?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** `irsa sandbox` as users run it; resolves with its endpoint and issuer URLs once its banner is out. */
function startSandbox(): Promise<{ endpoint: string; issuer: string; pid: number }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, 'sandbox', '--port', '0', '--issuer-port', '0', '--state-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    sandbox = child;
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/\S+), issuer host at (https:\/\/\S+) /.exec(out);
      if (m) resolvePromise({ endpoint: m[1], issuer: m[2], pid: child.pid as number });
    });
    child.stderr.on('data', (d) => {
      err = (err + d).slice(-4000);
    });
    child.on('exit', (code, signal) => {
      crashed = `the sandbox exited (code ${code}, signal ${signal}): ${err.trim().split('\n').slice(-3).join(' | ')}`;
      reject(new Error(crashed));
    });
  });
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : Number.NaN;
}

/** Discovery and JWKS for the two published keys, the provider (thumbprint computed by the sandbox) and the role. */
async function provision(endpoint: string, issuer: string, world: HostileWorld): Promise<string> {
  const jwks = buildJwks([world.rsa, world.ec]);
  mkdirSync(join(dir, 'issuer/.well-known'), { recursive: true });
  mkdirSync(join(dir, 'issuer/openid/v1'), { recursive: true });
  const discovery = buildDiscovery(issuer, `${issuer}/openid/v1/jwks`, jwks);
  writeFileSync(join(dir, 'issuer/.well-known/openid-configuration'), serializeDiscovery(discovery));
  writeFileSync(join(dir, 'issuer/openid/v1/jwks'), serializeJwks(jwks));
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const iam = new IAMClient({ endpoint, region: 'us-east-1', credentials });
  const provider = await iam.send(
    new CreateOpenIDConnectProviderCommand({ Url: issuer, ClientIDList: ['sts.amazonaws.com'] }),
  );
  const host = issuer.slice('https://'.length);
  const statement = {
    Effect: 'Allow',
    Principal: { Federated: provider.OpenIDConnectProviderArn },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: { StringEquals: { [`${host}:sub`]: SUB, [`${host}:aud`]: 'sts.amazonaws.com' } },
  };
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
  const role = await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: policy }));
  iam.destroy();
  return role.Role?.Arn as string;
}

interface Tally {
  sent: number;
  accepted: number;
  forgeries: string[];
  serverErrors: string[];
  hangs: number;
  problems: string[];
  codes: Map<string, number>;
}

/** One request; what came back, as the judge reads it. */
async function assume(endpoint: string, roleArn: string, h: HostileToken, t: Tally): Promise<void> {
  const body = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: roleArn,
    RoleSessionName: 'fuzz',
    WebIdentityToken: h.token,
  });
  let status: number;
  let text: string;
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    status = res.status;
    text = await res.text();
  } catch (e) {
    if ((e as Error).name === 'TimeoutError') t.hangs++;
    else t.problems.push(`${h.kind}: no answer (${(e as Error).message})`);
    return;
  }
  t.sent++;
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
  const outcome: Outcome =
    status === 200 ? { accepted: true } : { accepted: false, status, code: field('Code'), type: field('Type') };
  if (status >= 500) t.serverErrors.push(`${status} ${field('Code')} (${h.kind})`);
  if (outcome.accepted) t.accepted++;
  else t.codes.set(String(outcome.code), (t.codes.get(String(outcome.code)) ?? 0) + 1);
  const problem = judge(h, outcome);
  if (problem?.startsWith('accepted forgery')) t.forgeries.push(`${problem}: ${h.token.slice(0, 200)}`);
  else if (problem && status < 500) t.problems.push(problem);
}

/** Sends `tokens` with CONCURRENCY requests in flight. */
async function sendAll(endpoint: string, roleArn: string, tokens: HostileToken[], t: Tally): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tokens.length && !crashed) await assume(endpoint, roleArn, tokens[next++], t);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function main(): Promise<number> {
  const { endpoint, issuer, pid } = await startSandbox();
  const world: HostileWorld = {
    issuer,
    sub: SUB,
    aud: 'sts.amazonaws.com',
    now: Math.floor(Date.now() / 1000),
    rsa: generateSigningKey({ type: 'rsa' }).key,
    ec: generateSigningKey({ type: 'ec', curve: 'P-256' }).key,
    attacker: generateSigningKey({ type: 'rsa' }).key,
  };
  const roleArn = await provision(endpoint, issuer, world);
  const tally = (): Tally => ({
    sent: 0,
    accepted: 0,
    forgeries: [],
    serverErrors: [],
    hangs: 0,
    problems: [],
    codes: new Map(),
  });
  const arbitrary = hostileToken(world);
  // Warm the JWKS cache and prove the set-up: a few valid tokens must be accepted.
  const warm = tally();
  const valid = fc.sample(arbitrary, { seed: SEED - 1, numRuns: 200 }).filter((h) => h.valid);
  await sendAll(endpoint, roleArn, valid, warm);
  if (valid.length === 0 || warm.accepted !== valid.length)
    throw new Error(`set-up: ${warm.accepted}/${valid.length} valid tokens accepted`);
  const t = tally();
  const rssBefore = rssMiB(pid);
  const started = performance.now();
  for (let done = 0; done < RUNS && !crashed; done += BATCH) {
    const tokens = fc.sample(arbitrary, { seed: SEED + done, numRuns: Math.min(BATCH, RUNS - done) });
    await sendAll(endpoint, roleArn, tokens, t);
    if ((done + BATCH) % 10_000 === 0) {
      const rate = Math.round((t.sent / (performance.now() - started)) * 1000);
      console.log(`  ${done + BATCH} tokens, ${rate}/s, RSS ${rssMiB(pid)} MiB`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const rssAfter = crashed ? Number.NaN : rssMiB(pid);
  const health = crashed ? 0 : (await fetch(`${endpoint}/health`)).status;
  report(t, { seconds, rssBefore, rssAfter, health });
  const bad = t.forgeries.length + t.serverErrors.length + t.hangs + t.problems.length + (crashed ? 1 : 0);
  return bad || health !== 200 ? 1 : 0;
}

function report(t: Tally, r: { seconds: number; rssBefore: number; rssAfter: number; health: number }): void {
  const codes = [...t.codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`);
  console.log(
    `STS fuzz: ${RUNS} hostile tokens (seed ${SEED}) over HTTP, ${CONCURRENCY} in flight, ${r.seconds.toFixed(0)} s`,
  );
  console.log(
    `  answered ${t.sent} (${Math.round(t.sent / r.seconds)}/s); accepted ${t.accepted} (legitimately signed)`,
  );
  console.log(`  refusals by code: ${codes.join(', ')}`);
  console.log(`  accepted forgeries: ${t.forgeries.length}`);
  console.log(
    `  5xx: ${t.serverErrors.length}; hangs (> ${TIMEOUT_MS / 1000} s): ${t.hangs}; crashes: ${crashed ? 1 : 0}`,
  );
  console.log(`  other wrong answers: ${t.problems.length}`);
  console.log(`  sandbox RSS: ${r.rssBefore} MiB before, ${r.rssAfter} MiB after; /health ${r.health}`);
  for (const line of [...t.forgeries, ...t.serverErrors, ...t.problems].slice(0, 20)) console.log(`  ! ${line}`);
  if (crashed) console.log(`  ! ${crashed}`);
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`STS fuzz could not run: ${(e as Error).message}`);
    process.exit(1);
  },
);
