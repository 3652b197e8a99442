// Webhook throughput benchmark (not a test): POST /mutate over TLS keep-alive at 32 concurrent connections with a
// realistic ~3 KB pod whose ServiceAccount has a role, against `irsa webhook serve` (the real CLI process, file
// ServiceAccount source), next to a bare node:https server that only parses the same body and answers a fixed
// AdmissionReview. Same certificate type (ECDSA P-256 from src/core/certs), same machine, same run, short
// slices in pairs (order alternating), verdict = median of the pair ratios. Targets (issue 4): req/s ratio >= 0.8 and
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
  webhookListening,
  webhookServeArgv,
} from './lib.mjs';

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

// --- a realistic pod (Deployment-made: labels, annotations, two containers, probes, resources, volumes) ---------
const ROLE = 'arn:aws:iam::111122223333:role/orders-api';
const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    generateName: 'orders-api-7d9f8b6c5d-',
    namespace: 'shop',
    labels: {
      app: 'orders-api',
      'app.kubernetes.io/name': 'orders-api',
      'app.kubernetes.io/instance': 'orders-api-prod',
      'app.kubernetes.io/version': '2.14.3',
      'pod-template-hash': '7d9f8b6c5d',
    },
    annotations: {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9090',
      'kubectl.kubernetes.io/restartedAt': '2026-11-20T10:11:12Z',
    },
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'orders-api-7d9f8b6c5d',
        uid: '3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  },
  spec: {
    serviceAccountName: 'orders-api',
    containers: [
      {
        name: 'api',
        image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/orders-api:2.14.3',
        ports: [
          { name: 'http', containerPort: 8080, protocol: 'TCP' },
          { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
        ],
        env: [
          { name: 'NODE_ENV', value: 'production' },
          { name: 'LOG_LEVEL', value: 'info' },
          { name: 'DB_HOST', value: 'orders-db.shop.svc.cluster.local' },
          { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
        ],
        envFrom: [{ configMapRef: { name: 'orders-api-config' } }],
        resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
        livenessProbe: {
          httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' },
          initialDelaySeconds: 10,
          periodSeconds: 10,
          timeoutSeconds: 2,
          failureThreshold: 3,
        },
        readinessProbe: {
          httpGet: { path: '/ready', port: 'http', scheme: 'HTTP' },
          periodSeconds: 5,
          timeoutSeconds: 2,
          failureThreshold: 3,
        },
        volumeMounts: [
          { name: 'config', mountPath: '/etc/orders', readOnly: true },
          { name: 'tmp', mountPath: '/tmp' },
          { name: 'kube-api-access-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
        ],
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 10001,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
      },
      {
        name: 'log-shipper',
        image: 'fluent/fluent-bit:3.2.1',
        args: ['--config=/fluent-bit/etc/fluent-bit.conf'],
        resources: { requests: { cpu: '20m', memory: '32Mi' }, limits: { memory: '64Mi' } },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
        imagePullPolicy: 'IfNotPresent',
      },
    ],
    volumes: [
      { name: 'config', configMap: { name: 'orders-api-files', defaultMode: 420 } },
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
    ],
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              labelSelector: { matchLabels: { app: 'orders-api' } },
              topologyKey: 'kubernetes.io/hostname',
            },
          },
        ],
      },
    },
    securityContext: { fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    schedulerName: 'default-scheduler',
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
  },
};
const body = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'shop',
    operation: 'CREATE',
    userInfo: {
      username: 'system:serviceaccount:kube-system:replicaset-controller',
      uid: 'a1b2c3d4-0000-4000-8000-000000000001',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
    },
    object: pod,
    oldObject: null,
    dryRun: false,
    options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
  },
});

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
s.listen(0, '127.0.0.1', () => console.error(JSON.stringify({ msg: 'webhook listening', port: s.address().port })));
`;

// BENCH_NODE_ARGS: extra node flags for both servers alike, e.g. '--max-semi-space-size=32'.
const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
async function start(argv, env = {}) {
  const { child, ready } = await startProcess([...nodeArgs, ...argv], { env, pin: canPin, ready: webhookListening });
  return { child, port: ready.port };
}

const webhook = await start(
  webhookServeArgv(dir, ['--service-accounts-file', join(dir, 'sa.json'), '--aws-default-region', 'eu-west-1']),
);
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

for (const server of [bare, webhook]) if (WARMUP > 0) await run(server.port, WARMUP);

// 1. Side by side: both servers loaded at the same time, sharing CPU 0 (each gets half of it while both are busy).
//    Whatever else the machine does hits both at the same instant, so the ratio of their rates is their ratio of
//    CPU cost per request with the noise cancelled; the target's req/s ratio is the median over these rounds.
const concurrent = [];
for (let round = 0; round < CONCURRENT_ROUNDS; round++) {
  const cpu0 = [cpuSeconds(bare.child.pid), cpuSeconds(webhook.child.pid)];
  const [b, w] = await Promise.all([run(bare.port, SECONDS_CONCURRENT), run(webhook.port, SECONDS_CONCURRENT)]);
  const cpu1 = [cpuSeconds(bare.child.pid), cpuSeconds(webhook.child.pid)];
  for (const [which, r] of [
    ['bare', b],
    ['webhook', w],
  ]) {
    if (r.non2xx || r.errors) throw new Error(`${which}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  }
  const c = {
    bareRps: b.requests.total / SECONDS_CONCURRENT,
    webhookRps: w.requests.total / SECONDS_CONCURRENT,
    ratio: w.requests.total / b.requests.total,
    // Share of CPU 0 each got: near 50/50 when both stayed busy (a server starved by its client would show it).
    cpuShare: cpu0[0] === undefined ? undefined : (cpu1[1] - cpu0[1]) / (cpu1[0] - cpu0[0] + cpu1[1] - cpu0[1]),
  };
  concurrent.push(c);
  const share = c.cpuShare === undefined ? '' : `  webhook CPU share ${(c.cpuShare * 100).toFixed(0)} %`;
  log(
    `side by side ${round + 1}: bare ${Math.round(c.bareRps)} req/s, webhook ${Math.round(c.webhookRps)} req/s,` +
      ` ratio ${c.ratio.toFixed(3)}${share}`,
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
  ratioOk: ratio >= 0.8,
  p99Ok: p99x <= 1.5,
};
if (JSON_OUT) {
  const config = { connections: CONNECTIONS, bodyBytes: Buffer.byteLength(body), SECONDS_CONCURRENT, SECONDS };
  console.log(JSON.stringify({ config, summary, verdict, concurrent, pairs, results }, null, 2));
} else {
  console.log(`\n${CONNECTIONS} connections per server, request body ${Buffer.byteLength(body)} bytes`);
  console.log(
    `  req/s ratio ${verdict.ratio} (median of ${CONCURRENT_ROUNDS} side-by-side rounds of ${SECONDS_CONCURRENT} s;` +
      ` range ${verdict.ratioRange.join('–')}) target >= 0.8: ${verdict.ratioOk ? 'ok' : 'MISSED'}`,
  );
  console.log(
    `  p99 ${verdict.p99x}x bare (median of ${ROUNDS} alternating pairs of ${SECONDS} s; range ${verdict.p99xRange.join('–')})` +
      ` target <= 1.5: ${verdict.p99Ok ? 'ok' : 'MISSED'}`,
  );
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
process.exit(verdict.ratioOk && verdict.p99Ok ? 0 : 1);
