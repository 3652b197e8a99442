/**
 * `npm run fuzz`: admission reviews over HTTPS against a real `irsa webhook serve` (dist/cli.js, ServiceAccounts from
 * a file), FUZZ_RUNS of them (default 100,000), from FUZZ_SEED. Most are generated pods (test/support/
 * webhook-arbitraries.ts) whose answer is held to test/support/webhook-invariants.ts, the patched pod sent again
 * to check that nothing more is added; the rest are hostile bodies: not JSON, truncated, over the size limit, wrong
 * kinds and shapes, deep nesting, megabyte annotation values. Two servers with different flags share the load.
 *
 * Reports requests by status, 5xx, crashes (a server process that exits), hangs (no answer in 10 s), internal errors
 * answered fail-open, patches that do not apply or make a pod the apiserver refuses, warnings that are long or
 * carry control characters, and each server's RSS before and after. Exits non-zero when any of those bad counts is above zero.
 */
// @peculiar/x509 (the test certificates) needs the metadata polyfill loaded first, as at the CLI's entry point.
import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { issueCa, issueServingCert } from '../src/core/certs/issue.js';
import type { JsonPatchOp, KubeObject } from '../src/core/webhook/types.js';
import { NAMESPACE, podArbitrary, serviceAccountArbitrary } from '../test/support/webhook-arbitraries.js';
import { answerProblems, applyChecked, podProblems, warningProblems } from '../test/support/webhook-invariants.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const CONCURRENCY = 16;
const TIMEOUT_MS = 10_000;
const BATCH = 500;
const POOL = 64;
// FUZZ_CLI: another build's cli.js (to show what an older build lets through).
const CLI = process.env.FUZZ_CLI ?? resolve(import.meta.dirname, '../dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'irsa-fuzz-webhook-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

type Json = Record<string, unknown>;

interface Server {
  name: string;
  child: ChildProcess;
  port: number;
  exited: boolean;
  rssBefore: number;
  /** After the first batch: what growth after that would be a leak. */
  rssWarm?: number;
}

interface Tally {
  reviews: number;
  byStatus: Record<string, number>;
  serverErrors: number;
  crashes: number;
  hangs: number;
  internalErrors: number;
  badPatches: number;
  unsafeWarnings: number;
  connectionErrors: number;
  mutated: number;
  examples: string[];
}

const tally: Tally = {
  reviews: 0,
  byStatus: {},
  serverErrors: 0,
  crashes: 0,
  hangs: 0,
  internalErrors: 0,
  badPatches: 0,
  unsafeWarnings: 0,
  connectionErrors: 0,
  mutated: 0,
  examples: [],
};

function note(kind: keyof Tally, example: string): void {
  (tally[kind] as number)++;
  if (tally.examples.length < 10) tally.examples.push(`${kind}: ${example.slice(0, 400)}`);
}

// --- servers -------------------------------------------------------------------------------------------------

async function setUp(): Promise<{ caPem: string; servers: Server[] }> {
  const ca = await issueCa();
  const leaf = await issueServingCert({ ca, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  writeFileSync(join(dir, 'tls.crt'), leaf.certPem);
  writeFileSync(join(dir, 'tls.key'), leaf.keyPem);
  // The pool of ServiceAccounts pods run as: sa-0 … sa-63 in the test namespace, annotations as the property test
  // makes them (some absent: the pod's ServiceAccount is then not found).
  const pool = fc.sample(serviceAccountArbitrary, { seed: SEED, numRuns: POOL });
  const items = pool.flatMap((sa, i) =>
    sa ? [{ ...sa, metadata: { ...(sa.metadata as Json), name: `sa-${i}`, namespace: NAMESPACE } }] : [],
  );
  writeFileSync(join(dir, 'sa.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  writeFileSync(
    join(dir, 'cc.json'),
    JSON.stringify({ identities: [0, 1, 2, 3].map((i) => ({ namespace: NAMESPACE, serviceAccount: `sa-${i}` })) }),
  );
  const configured = ['--aws-default-region', 'eu-west-1', '--sts-regional-endpoint', '--token-fs-group', '65534'];
  const servers = await Promise.all([
    serve('defaults', []),
    serve('region+sts+fsGroup+cc', [...configured, '--watch-container-credentials-config', join(dir, 'cc.json')]),
  ]);
  return { caPem: ca.certPem, servers };
}

function serve(name: string, flags: string[]): Promise<Server> {
  const args = [
    CLI,
    'webhook',
    'serve',
    ...['--port', '0', '--metrics-port', '0', '--bind-address', '127.0.0.1'],
    ...['--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key')],
    ...['--service-accounts-file', join(dir, 'sa.json')],
    ...flags,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const server: Server = { name, child, port: 0, exited: false, rssBefore: 0 };
  // stderr is read to the end (a full pipe would block the server); only its tail is kept, for a crash report.
  let err = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 30 s: ${err}`)), 30_000);
    child.stderr!.on('data', (d) => {
      err = (err + d).slice(-4000);
      const line = server.port ? undefined : err.split('\n').find((l) => l.includes('"webhook listening"'));
      if (line) {
        clearTimeout(timer);
        server.port = JSON.parse(line).port;
        server.rssBefore = rss(child.pid!);
        resolvePromise(server);
      }
    });
    child.on('exit', (code, signal) => {
      server.exited = true;
      if (!server.port) reject(new Error(`${name} did not start: ${err}`));
      else if (!stopping) note('crashes', `${name} exited (${code ?? signal}): ${err.split('\n').slice(-3).join(' ')}`);
    });
  });
}

/** Resident memory of a process in MB (VmRSS). */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

let stopping = false;

// --- requests --------------------------------------------------------------------------------------------------

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

interface Answer {
  status: number;
  body: string;
}

function post(server: Server, caPem: string, body: Buffer | string, contentType = 'application/json'): Promise<Answer> {
  tally.reviews++;
  return new Promise((resolvePromise) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path: '/mutate', method: 'POST', ca: caPem, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', () => resolvePromise({ status: -1, body: '' }));
      },
    );
    req.setHeader('content-type', contentType);
    req.setTimeout(TIMEOUT_MS, () => {
      note('hangs', `${server.name}: no answer in ${TIMEOUT_MS} ms`);
      req.destroy();
    });
    // A body over the limit is answered 413 and the connection closed before it is all sent: not an error.
    req.on('error', () => resolvePromise({ status: -1, body: '' }));
    req.end(body);
  });
}

function count(server: Server, a: Answer, what: string, closes = false): Json | undefined {
  tally.byStatus[a.status] = (tally.byStatus[a.status] ?? 0) + 1;
  // Only a body over the limit may lose its connection (413, closed before the rest is read).
  if (a.status === -1 && !closes) note('connectionErrors', `${server.name} ${what}: connection failed`);
  if (a.status >= 500) note('serverErrors', `${server.name} ${what}: ${a.status} ${a.body}`);
  if (a.status !== 200) return undefined;
  const response = (JSON.parse(a.body) as { response: Json }).response;
  const warnings = (response.warnings as string[] | undefined) ?? [];
  if (warnings.some((w) => w.includes('internal error'))) note('internalErrors', `${server.name} ${what}: ${warnings}`);
  return response;
}

function patchOf(response: Json): JsonPatchOp[] {
  return response.patch ? JSON.parse(Buffer.from(response.patch as string, 'base64').toString()) : [];
}

function review(object: unknown, extra: Json = {}): string {
  const request = { uid: 'fuzz', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: NAMESPACE, object };
  return JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request, ...extra });
}

/** A generated pod (valid for the apiserver) sent, its answer checked, the patched pod sent again. */
async function generatedCase(server: Server, caPem: string, pod: KubeObject): Promise<void> {
  const first = count(server, await post(server, caPem, review(pod)), 'pod');
  if (!first) return;
  const patch = patchOf(first);
  if (patch.length > 0) tally.mutated++;
  const applied = applyChecked(pod, patch);
  let second: JsonPatchOp[] = [];
  if (applied.pod && patch.length > 0) {
    const again = count(server, await post(server, caPem, review(applied.pod)), 'patched pod');
    second = again ? patchOf(again) : [];
  }
  const problems = answerProblems(pod, patch, (first.warnings as string[]) ?? [], () => second);
  if (problems.length > 0) note('badPatches', `${server.name}: ${problems.join('; ')} for ${JSON.stringify(pod)}`);
}

/** A hostile body: any answer but a 5xx, a hang or a crash is fine; a patch must still apply to what was sent. */
async function hostileCase(server: Server, caPem: string, h: Hostile): Promise<void> {
  const response = count(server, await post(server, caPem, h.body, h.contentType), h.name, h.closes);
  if (!response) return;
  const unsafe = warningProblems((response.warnings as string[] | undefined) ?? []);
  if (unsafe.length > 0) note('unsafeWarnings', `${server.name} ${h.name}: ${unsafe.join('; ')}`);
  if (!h.object) return;
  const applied = applyChecked(h.object as KubeObject, patchOf(response));
  if (applied.error) note('badPatches', `${server.name} ${h.name}: ${applied.error}`);
}

// --- hostile bodies ----------------------------------------------------------------------------------------------

interface Hostile {
  name: string;
  body: string | Buffer;
  contentType?: string;
  /** The object sent, when it was an object: a patch must apply to it. */
  object?: unknown;
  /** Over the size limit: the server answers 413 and closes the connection, maybe before the client sees it. */
  closes?: boolean;
}

/** `open` depth times, `inner`, then `close` depth times: `[[[…]]]`, `{"a":{"a":…1}}`. */
const nested = (depth: number, open: string, close: string, inner = '') =>
  open.repeat(depth) + inner + close.repeat(depth);

const hostileArbitrary: fc.Arbitrary<Hostile> = fc.oneof(
  fc.string({ maxLength: 200 }).map((s) => ({ name: 'not JSON', body: s })),
  fc.uint8Array({ maxLength: 300 }).map((b) => ({ name: 'random bytes', body: Buffer.from(b) })),
  fc.tuple(podArbitrary, fc.nat()).map(([p, n]) => {
    const text = review(p);
    return { name: 'truncated', body: text.slice(0, n % text.length) };
  }),
  fc.constantFrom<Hostile>(
    { name: 'over the size limit', body: Buffer.alloc(4 * 1024 * 1024, 0x20), closes: true },
    { name: 'deep arrays', body: `{"request":{"object":${nested(200_000, '[', ']')}}}` },
    { name: 'deep objects', body: `{"request":{"uid":"x","object":{"spec":${nested(100_000, '{"a":', '}', '1')}}}}` },
    {
      name: 'deep env',
      body: review({ spec: { containers: [{ name: 'a', env: JSON.parse(nested(2000, '[', ']')) }] } }),
    },
    { name: 'wrong content type', body: review({ spec: {} }), contentType: 'text/plain' },
    { name: 'wrong apiVersion', body: JSON.stringify({ apiVersion: 'v2', kind: 'AdmissionReview', request: {} }) },
    { name: 'wrong kind', body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'Pod', request: {} }) },
    {
      name: 'ConfigMap',
      body: review({ kind: 'ConfigMap', data: {} }, { request: { kind: { kind: 'ConfigMap' }, object: {} } }),
    },
    { name: 'null object', body: review(null) },
    { name: 'array object', body: review([]) },
  ),
  fc
    .record({
      spec: fc.oneof(
        fc.constant([]),
        fc.record({
          containers: fc.constantFrom('x', 5, null, [null, 1, 'a'], [{ name: 7, env: {}, volumeMounts: 'x' }]),
          volumes: fc.constantFrom(undefined, 'x', [{ name: 1 }], [null]),
          initContainers: fc.constantFrom(undefined, {}, [[]]),
        }),
      ),
      metadata: fc.constantFrom(
        undefined,
        'x',
        { labels: 'x', annotations: [] },
        { annotations: { 'eks.amazonaws.com/token-expiration': 5 } },
      ),
    })
    .map((object) => ({ name: 'odd shapes', body: review(object), object })),
  fc.constantFrom('token-expiration', 'skip-containers', 'role-arn').map((key) => {
    const object = {
      metadata: { annotations: { [`eks.amazonaws.com/${key}`]: '9'.repeat(2_900_000) } },
      spec: { serviceAccountName: 'sa-0', containers: [{ name: 'a' }] },
    };
    return { name: `megabyte ${key}`, body: review(object), object };
  }),
);

// --- the run --------------------------------------------------------------------------------------------------

/** Runs `jobs` with at most CONCURRENCY in flight. */
async function pool(jobs: Array<() => Promise<void>>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length && !stopping) await jobs[next++]();
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function main(): Promise<void> {
  const { caPem, servers } = await setUp();
  const started = Date.now();
  for (let batch = 0; tally.reviews < RUNS && servers.every((s) => !s.exited); batch++) {
    const pods = fc.sample(podArbitrary, { seed: SEED + batch, numRuns: BATCH });
    const hostile = fc.sample(hostileArbitrary, { seed: SEED - batch - 1, numRuns: BATCH / 10 });
    const jobs: Array<() => Promise<void>> = [];
    pods.forEach((p, i) => {
      const spec = p.spec as Json;
      if (podProblems(p).length > 0) throw new Error('the generator made a pod the apiserver would refuse');
      // Point the pod at a ServiceAccount of the pool (or one that does not exist).
      if (spec.serviceAccountName === 'app') spec.serviceAccountName = `sa-${(batch * BATCH + i) % (POOL + 4)}`;
      jobs.push(() => generatedCase(servers[i % 2], caPem, p));
    });
    hostile.forEach((h, i) => {
      jobs.push(() => hostileCase(servers[i % 2], caPem, h));
    });
    await pool(jobs);
    if (batch === 0) for (const s of servers) s.rssWarm = rss(s.child.pid!);
    if (batch % 20 === 0) console.log(`${tally.reviews} reviews, ${Math.round((Date.now() - started) / 1000)} s`);
  }
  report(servers, Date.now() - started);
}

function report(servers: Server[], ms: number): void {
  stopping = true;
  const rows = servers.map((s) => {
    const after = s.exited ? Number.NaN : rss(s.child.pid!);
    return (
      `  ${s.name}: RSS ${s.rssBefore.toFixed(1)} MB before, ${s.rssWarm?.toFixed(1)} MB after the first ` +
      `${BATCH + BATCH / 10} cases, ${after.toFixed(1)} MB after`
    );
  });
  for (const s of servers) s.child.kill('SIGTERM');
  agent.destroy();
  const bad =
    tally.serverErrors +
    tally.crashes +
    tally.hangs +
    tally.connectionErrors +
    tally.internalErrors +
    tally.badPatches +
    tally.unsafeWarnings;
  console.log(
    `\nwebhook fuzz: ${tally.reviews} admission reviews over HTTPS in ${(ms / 1000).toFixed(0)} s (seed ${SEED})`,
  );
  console.log(
    `  by status (-1: connection closed, over-limit bodies only): ${JSON.stringify(tally.byStatus)}; ` +
      `generated pods mutated: ${tally.mutated}`,
  );
  console.log(
    `  5xx ${tally.serverErrors}, crashes ${tally.crashes}, hangs ${tally.hangs}, ` +
      `connection errors ${tally.connectionErrors} (bodies under the limit), internal errors ${tally.internalErrors}, ` +
      `patches that fail to apply or make an invalid pod ${tally.badPatches}, unsafe warnings ${tally.unsafeWarnings}`,
  );
  for (const r of rows) console.log(r);
  for (const e of tally.examples) console.log(`  example ${e}`);
  process.exitCode = bad > 0 ? 1 : 0;
}

await main();
