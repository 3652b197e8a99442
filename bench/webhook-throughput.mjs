// Webhook throughput benchmark (not a test): POST /mutate over TLS keep-alive at 32 concurrent connections with a
// realistic ~3 KB pod whose ServiceAccount has a role, against `irsa webhook serve` (the real CLI process, file
// ServiceAccount source), next to a bare node:https server that only parses the same body and answers a fixed
// AdmissionReview. Same certificate type (ECDSA P-256 from src/core/certs), same machine, same run, short
// slices in pairs (order alternating), verdict = median of the pair ratios. Targets (issues 4 and 8): req/s ratio >= 0.85 and
// p99 <= 1.5x the bare server's p99.
//
//   npm run build && node --import tsx bench/webhook-throughput.mjs [--pairs 12] [--seconds 3] [--warmup 3] [--json]
//
// Servers are pinned to CPU 0 and the load generator (this process) to CPU 1 when taskset exists, as in the
// baseline of ../shared/reference/node20-dependencies.md §4a.
// Certificates are issued in this process: @peculiar/x509 needs the Reflect polyfill first (src/core/certs/issue.ts).
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { issueCa, issueServingCert } from '../src/core/certs/issue.ts';
import {
  canPin,
  cpuSeconds,
  pinSelf,
  requireBuild,
  scratchDir,
  startProcess,
  stopProcesses,
  webhookListening,
  webhookServeArgv,
} from './lib.mjs';
import { body, ROLE } from './webhook-pod.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const CONCURRENT_ROUNDS = opt('--rounds', 6);
const SECONDS_CONCURRENT = opt('--seconds', 5);
const ROUNDS = opt('--pairs', 8);
const SECONDS = opt('--pair-seconds', 3);
const WARMUP = opt('--warmup', 3);
const CONNECTIONS = 32;
const JSON_OUT = args.includes('--json');

requireBuild();
if (canPin) pinSelf(1);
const dir = scratchDir('irsa-bench-webhook-');

// --- certificates (same type for both servers) and the ServiceAccount file -----------------------------------
const ca = await issueCa();
const leaf = await issueServingCert({ ca, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
writeFileSync(join(dir, 'tls.crt'), leaf.certPem);
writeFileSync(join(dir, 'tls.key'), leaf.keyPem);
const sas = [
  {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: 'orders-api',
      namespace: 'shop',
      annotations: { 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/token-expiration': '3600' },
    },
  },
];
for (let i = 0; i < 500; i++) {
  sas.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `sa-${i}`, namespace: `ns-${i % 50}` } });
}
writeFileSync(join(dir, 'sa.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: sas }));

// The bare server: parse the body, answer a fixed AdmissionReview with a base64 JSONPatch (~400 bytes).
const BARE = `
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';
const patch = Buffer.from(JSON.stringify([{op:'add',path:'/spec/volumes/-',value:{name:'aws-iam-token',projected:{sources:[{serviceAccountToken:{audience:'sts.amazonaws.com',expirationSeconds:86400,path:'token'}}]}}}])).toString('base64');
const answer = JSON.stringify({apiVersion:'admission.k8s.io/v1',kind:'AdmissionReview',response:{uid:'705ab4f5-6393-11e8-b7cc-42010a800002',allowed:true,patchType:'JSONPatch',patch}});
const s = createServer({ cert: readFileSync(process.env.CERT), key: readFileSync(process.env.KEY), keepAlive: true, keepAliveTimeout: 65000 }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  });
});
process.on('SIGTERM', () => process.exit(0));
s.listen(0, '127.0.0.1', () => console.error(JSON.stringify({ msg: 'webhook listening', port: s.address().port })));
`;

// BENCH_NODE_ARGS: extra node flags for both servers alike, e.g. '--max-semi-space-size=32'.
const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
async function start(argv, env = {}) {
  const { child, ready } = await startProcess([...nodeArgs, ...argv], { env, pin: canPin, ready: webhookListening });
  return { child, port: ready.port };
}

const serveArgv = webhookServeArgv(dir, [
  '--service-accounts-file',
  join(dir, 'sa.json'),
  '--aws-default-region',
  'eu-west-1',
]);
const webhook = await start(serveArgv);
// BENCH_COMPARE_CLI: another build's dist/cli.js (say, the commit before a change), served the same way and loaded
// in the same side-by-side rounds, so a before/after comparison shares every instant of machine noise.
const compareCli = process.env.BENCH_COMPARE_CLI;
const compare = compareCli ? await start([compareCli, ...serveArgv.slice(1)]) : undefined;
const bare = await start(['--input-type=module', '-e', BARE], {
  CERT: join(dir, 'tls.crt'),
  KEY: join(dir, 'tls.key'),
});

function run(port, seconds) {
  return new Promise((resolvePromise, reject) => {
    autocannon(
      {
        url: `https://127.0.0.1:${port}/mutate`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections: CONNECTIONS,
        duration: seconds,
        tlsOptions: { ca: ca.certPem },
      },
      (err, r) => (err ? reject(err) : resolvePromise(r)),
    );
  });
}

// Check once that the webhook really mutates this pod (a benchmark of a no-op would be meaningless).
{
  const { request } = await import('node:https');
  const res = await new Promise((ok, fail) => {
    const req = request(
      `https://127.0.0.1:${webhook.port}/mutate`,
      { method: 'POST', ca: ca.certPem, headers: { 'content-type': 'application/json' } },
      (r) => {
        let b = '';
        r.on('data', (c) => (b += c));
        r.on('end', () => ok(JSON.parse(b)));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
  const ops = JSON.parse(Buffer.from(res.response.patch, 'base64').toString('utf8'));
  if (!ops.some((o) => JSON.stringify(o).includes(ROLE))) throw new Error('the webhook did not inject the role');
  if (!JSON_OUT) console.log(`request body ${Buffer.byteLength(body)} bytes; webhook patch ${ops.length} ops`);
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const range = (xs) => [Math.min(...xs), Math.max(...xs)].map((x) => Number(x.toFixed(3)));
const log = (line) => JSON_OUT || console.log(line);

for (const server of [bare, webhook, compare]) if (server && WARMUP > 0) await run(server.port, WARMUP);

// 1. Side by side: both servers loaded at the same time, sharing CPU 0 (each gets half of it while both are busy).
//    Whatever else the machine does hits both at the same instant, so the ratio of their rates is their ratio of
//    CPU cost per request with the noise cancelled; the target's req/s ratio is the median over these rounds.
const concurrent = [];
for (let round = 0; round < CONCURRENT_ROUNDS; round++) {
  const servers = compare ? [bare, webhook, compare] : [bare, webhook];
  const cpu0 = servers.map((x) => cpuSeconds(x.child.pid));
  const [b, w, o] = await Promise.all(servers.map((x) => run(x.port, SECONDS_CONCURRENT)));
  const cpu1 = servers.map((x) => cpuSeconds(x.child.pid));
  for (const [which, r] of [
    ['bare', b],
    ['webhook', w],
    ['compare', o],
  ]) {
    if (r && (r.non2xx || r.errors)) throw new Error(`${which}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  }
  const cpuTotal = cpu0[0] === undefined ? undefined : servers.reduce((t, _, i) => t + cpu1[i] - cpu0[i], 0);
  const c = {
    bareRps: b.requests.total / SECONDS_CONCURRENT,
    webhookRps: w.requests.total / SECONDS_CONCURRENT,
    ratio: w.requests.total / b.requests.total,
    // Share of CPU 0 each got: near even when all stayed busy (a server starved by its client would show it).
    cpuShare: cpuTotal === undefined ? undefined : (cpu1[1] - cpu0[1]) / cpuTotal,
    ...(o
      ? { compareRps: o.requests.total / SECONDS_CONCURRENT, compareRatio: o.requests.total / b.requests.total }
      : {}),
  };
  concurrent.push(c);
  const share = c.cpuShare === undefined ? '' : `  webhook CPU share ${(c.cpuShare * 100).toFixed(0)} %`;
  const vs = o
    ? `; compare ${Math.round(c.compareRps)} req/s, ratio ${c.compareRatio.toFixed(3)}, webhook/compare ${(c.ratio / c.compareRatio).toFixed(3)}`
    : '';
  log(
    `side by side ${round + 1}: bare ${Math.round(c.bareRps)} req/s, webhook ${Math.round(c.webhookRps)} req/s,` +
      ` ratio ${c.ratio.toFixed(3)}${share}${vs}`,
  );
}

// 2. One at a time, in short alternating slices (order swapped every pair): latency needs each server alone (side
//    by side, each waits for the other's time slices). The p99 target is the median of the pairs' p99 factors;
//    the pairs' req/s ratio is printed too, but a burst of load from elsewhere lands on one slice of a pair, so it
//    scatters (its quartiles are printed with it).
const results = { webhook: [], bare: [] };
const pairs = [];
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? ['bare', 'webhook'] : ['webhook', 'bare'];
  const pair = {};
  for (const which of order) {
    const server = which === 'bare' ? bare : webhook;
    await run(server.port, 1);
    const cpu0 = cpuSeconds(server.child.pid);
    const r = await run(server.port, SECONDS);
    const cpu1 = cpuSeconds(server.child.pid);
    if (r.non2xx || r.errors) throw new Error(`${which}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    const cpuUs = cpu0 === undefined ? undefined : ((cpu1 - cpu0) / r.requests.total) * 1e6;
    const m = { rps: r.requests.total / SECONDS, p50: r.latency.p50, p99: r.latency.p99, cpuUs };
    results[which].push(m);
    pair[which] = m;
  }
  const p = {
    ratio: pair.webhook.rps / pair.bare.rps,
    p99x: pair.webhook.p99 / pair.bare.p99,
    cpuRatio: pair.bare.cpuUs && pair.webhook.cpuUs ? pair.bare.cpuUs / pair.webhook.cpuUs : undefined,
  };
  pairs.push(p);
  const cpu = (m) => (m.cpuUs === undefined ? '' : `, ${m.cpuUs.toFixed(0)} us CPU/req`);
  log(
    `alone ${String(round + 1).padStart(2)}: bare ${Math.round(pair.bare.rps)} req/s p99 ${pair.bare.p99} ms${cpu(pair.bare)};` +
      ` webhook ${Math.round(pair.webhook.rps)} req/s p99 ${pair.webhook.p99} ms${cpu(pair.webhook)}; ratio ${p.ratio.toFixed(3)}`,
  );
}

const summary = {};
for (const k of ['webhook', 'bare']) {
  summary[k] = {
    rpsAlone: Math.round(mean(results[k].map((x) => x.rps))),
    p50: median(results[k].map((x) => x.p50)),
    p99: median(results[k].map((x) => x.p99)),
    cpuUs: results[k][0].cpuUs === undefined ? undefined : median(results[k].map((x) => x.cpuUs)),
  };
}
const ratio = median(concurrent.map((c) => c.ratio));
const p99x = median(pairs.map((p) => p.p99x));
const verdict = {
  ratio: Number(ratio.toFixed(3)),
  ratioRange: range(concurrent.map((c) => c.ratio)),
  p99x: Number(p99x.toFixed(3)),
  p99xRange: range(pairs.map((p) => p.p99x)),
  aloneRatio: Number(median(pairs.map((p) => p.ratio)).toFixed(3)),
  aloneRatioRange: range(pairs.map((p) => p.ratio)),
  cpuRatio: pairs[0].cpuRatio && Number(median(pairs.map((p) => p.cpuRatio)).toFixed(3)),
  ...(compare
    ? {
        compareRatio: Number(median(concurrent.map((c) => c.compareRatio)).toFixed(3)),
        webhookOverCompare: Number(median(concurrent.map((c) => c.ratio / c.compareRatio)).toFixed(3)),
      }
    : {}),
  ratioOk: ratio >= 0.85,
  p99Ok: p99x <= 1.5,
};
if (JSON_OUT) {
  const config = { connections: CONNECTIONS, bodyBytes: Buffer.byteLength(body), SECONDS_CONCURRENT, SECONDS };
  console.log(JSON.stringify({ config, summary, verdict, concurrent, pairs, results }, null, 2));
} else {
  console.log(`\n${CONNECTIONS} connections per server, request body ${Buffer.byteLength(body)} bytes`);
  console.log(
    `  req/s ratio ${verdict.ratio} (median of ${CONCURRENT_ROUNDS} side-by-side rounds of ${SECONDS_CONCURRENT} s;` +
      ` range ${verdict.ratioRange.join('–')}) target >= 0.85: ${verdict.ratioOk ? 'ok' : 'MISSED'}`,
  );
  console.log(
    `  p99 ${verdict.p99x}x bare (median of ${ROUNDS} alternating pairs of ${SECONDS} s; range ${verdict.p99xRange.join('–')})` +
      ` target <= 1.5: ${verdict.p99Ok ? 'ok' : 'MISSED'}`,
  );
  if (compare) {
    console.log(
      `  compare (${compareCli}): req/s ratio ${verdict.compareRatio} to bare in the same rounds;` +
        ` webhook/compare ${verdict.webhookOverCompare} (median of rounds)`,
    );
  }
  for (const k of ['bare', 'webhook']) {
    const m = summary[k];
    const cpu = m.cpuUs === undefined ? '' : `, CPU ${m.cpuUs.toFixed(1)} us/req`;
    console.log(
      `  alone: ${k.padEnd(7)} ${m.rpsAlone} req/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms${cpu}`,
    );
  }
  console.log(
    `  alone: req/s ratio ${verdict.aloneRatio} (median of pairs; range ${verdict.aloneRatioRange.join('–')})` +
      (verdict.cpuRatio ? `, CPU per request bare/webhook ${verdict.cpuRatio}` : ''),
  );
}
await stopProcesses();
process.exit(verdict.ratioOk && verdict.p99Ok ? 0 : 1);
