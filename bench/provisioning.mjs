// Provisioning at scale against moto, irsa and Terraform side by side on the same resources: one irsa.yaml of N
// service accounts (one role each with one managed policy, one OIDC provider, both documents published to a new S3
// bucket); `irsa apply` then M no-op `irsa plan`s, and `terraform apply` of that file's export (`irsa export
// terraform`) then M no-op `terraform plan -detailed-exitcode`s. Each side gets its own fresh moto, started in the
// same run, with the fault proxy of the tests (test/support/fault-proxy.ts) in front counting every AWS call. After
// Terraform's apply, `irsa plan` on the same file must find nothing to do (the export is the same resources).
//
//   npm run build
//   node --import tsx bench/provisioning.mjs [--roles 200] [--plans 3] [--no-terraform] [--json]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateSigningKey } from '../src/core/keys/generate.ts';
import { startFaultProxy } from '../test/support/fault-proxy.ts';
import { startMoto } from '../test/support/moto-server.ts';
import { findPluginMirror, findTerraform } from '../test/support/terraform.ts';
import { CLI, requireBuild, scratchDir } from './lib.mjs';

const args = process.argv.slice(2);
const arg = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const ROLES = Number(arg('--roles', 200));
const PLANS = Number(arg('--plans', 3));
const JSON_OUT = args.includes('--json');
const THUMBPRINT = '9E99A48A9960B14926BB7F3B02E22DA2B0AB7280';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

requireBuild();
const dir = scratchDir('irsa-bench-prov-');
const log = (line) => !JSON_OUT && console.log(line);
const backends = [];

/** A fresh moto with a counting proxy in front: one per side. */
async function startBackend() {
  const moto = await startMoto();
  const proxy = await startFaultProxy(moto.endpoint);
  const backend = { moto, proxy };
  backends.push(backend);
  return backend;
}

/** Runs a command to its end; resolves with its output and wall time (ms). */
function timed(cmd, argv, env, cwd) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

const awsEnv = (proxy) => ({
  AWS_ENDPOINT_URL: proxy.endpoint,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  IRSA_NODE_EOL_NOTICE: 'off',
});

/** The proxy's count of one phase, by service:action (S3 by method and subresource, not by key). */
function proxyCounts(proxy) {
  const byAction = {};
  for (const c of proxy.calls) {
    const action =
      c.service === 's3' ? `${c.action.split(' ')[0]}${c.query ? ` ${c.query.split('=')[0]}` : ''}` : c.action;
    const key = `${c.service}:${action}`;
    byAction[key] = (byAction[key] ?? 0) + 1;
  }
  return { total: proxy.calls.length, byAction };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** irsa.yaml and its key in a directory of the side's own. */
function workspace(name) {
  const work = join(dir, name);
  mkdirSync(join(work, 'keys'), { recursive: true });
  writeFileSync(join(work, 'keys/sa.pub'), PUBLIC_KEY);
  const sas = Array.from(
    { length: ROLES },
    (_, i) => `      - {namespace: bench, name: sa${i}, policies: [${READ_ONLY}]}`,
  );
  writeFileSync(
    join(work, 'irsa.yaml'),
    `apiVersion: irsa-anywhere/v1\nkind: Config\nregion: us-east-1\nclusters:\n  - name: bench\n` +
      `    issuer: https://irsa-bench.s3.us-east-1.amazonaws.com/bench\n    keys: [keys/sa.pub]\n` +
      `    thumbprints: [${THUMBPRINT}]\n    publish: {s3: {bucket: irsa-bench, prefix: bench, create: true}}\n` +
      `    serviceAccounts:\n${sas.join('\n')}\n`,
  );
  return work;
}

const PUBLIC_KEY = generateSigningKey({ type: 'ec' }).publicPem;

const irsaRun = (cmd, proxy, work) =>
  timed(
    process.execPath,
    [CLI, cmd, '-f', 'irsa.yaml', '--output', 'json', ...(cmd === 'apply' ? ['--auto-approve'] : [])],
    awsEnv(proxy),
    work,
  );

async function benchIrsa() {
  const { proxy } = await startBackend();
  const work = workspace('irsa');
  proxy.reset();
  const apply = await irsaRun('apply', proxy, work);
  if (apply.code !== 0) throw new Error(`irsa apply exited ${apply.code}: ${apply.stdout}${apply.stderr}`);
  const applied = { ms: apply.ms, proxy: proxyCounts(proxy), irsa: JSON.parse(apply.stdout).data.awsCalls };
  const plans = [];
  for (let i = 0; i < PLANS; i++) {
    proxy.reset();
    const plan = await irsaRun('plan', proxy, work);
    if (plan.code !== 0) throw new Error(`irsa plan exited ${plan.code} (not a no-op): ${plan.stdout}`);
    plans.push({ ms: plan.ms, proxy: proxyCounts(proxy), irsa: JSON.parse(plan.stdout).data.awsCalls });
  }
  return { apply: applied, plan: { msMedian: median(plans.map((p) => p.ms)), runs: plans } };
}

/** The export's provider block pointed at the proxy (an `_override.tf` file replaces it). */
function motoOverride(proxy) {
  return `provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  s3_use_path_style           = true
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    iam = "${proxy.endpoint}"
    sts = "${proxy.endpoint}"
    s3  = "${proxy.endpoint}"
  }
}
`;
}

async function benchTerraform() {
  const terraform = findTerraform();
  const pluginDir = findPluginMirror();
  if (!terraform || !pluginDir) return undefined;
  const { proxy } = await startBackend();
  const work = workspace('terraform');
  const tf = join(work, 'tf');
  const exported = spawnSync(process.execPath, [CLI, 'export', 'terraform', '-f', 'irsa.yaml', '--out-dir', 'tf'], {
    cwd: work,
    env: { ...process.env, IRSA_NODE_EOL_NOTICE: 'off' },
  });
  if (exported.status !== 0) throw new Error(`irsa export terraform: ${exported.stderr}`);
  writeFileSync(join(tf, 'moto_override.tf'), motoOverride(proxy));
  const env = { TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
  const init = spawnSync(terraform, ['init', '-input=false', '-backend=false', `-plugin-dir=${pluginDir}`], {
    cwd: tf,
    env: { ...process.env, ...env },
  });
  if (init.status !== 0) throw new Error(`terraform init: ${init.stderr}`);
  proxy.reset();
  const apply = await timed(terraform, ['apply', '-auto-approve', '-input=false', '-no-color'], env, tf);
  if (apply.code !== 0) throw new Error(`terraform apply exited ${apply.code}: ${apply.stderr}`);
  const applied = { ms: apply.ms, proxy: proxyCounts(proxy) };
  const irsaPlan = await irsaRun('plan', proxy, work);
  if (irsaPlan.code !== 0)
    throw new Error(`irsa plan after terraform apply exited ${irsaPlan.code}: ${irsaPlan.stdout}`);
  const plans = [];
  for (let i = 0; i < PLANS; i++) {
    proxy.reset();
    const plan = await timed(terraform, ['plan', '-detailed-exitcode', '-input=false', '-no-color'], env, tf);
    if (plan.code !== 0) throw new Error(`terraform plan exited ${plan.code} (not a no-op): ${plan.stdout}`);
    plans.push({ ms: plan.ms, proxy: proxyCounts(proxy) });
  }
  return { apply: applied, plan: { msMedian: median(plans.map((p) => p.ms)), runs: plans }, irsaPlanExit: 0 };
}

try {
  const before = loadavg()[0].toFixed(1);
  log(`provisioning ${ROLES} service accounts against moto (load average ${before}), ${PLANS} no-op plans each`);
  const irsa = await benchIrsa();
  const terraform = args.includes('--no-terraform') ? undefined : await benchTerraform();
  const after = loadavg()[0].toFixed(1);
  const result = {
    roles: ROLES,
    loadAverage: { before: Number(before), after: Number(after) },
    irsa,
    terraform: terraform ?? null,
  };
  if (JSON_OUT) console.log(JSON.stringify(result, null, 2));
  else printTable(result);
} finally {
  for (const { proxy, moto } of backends) {
    await proxy.close();
    await moto.stop();
  }
}

function printTable({ irsa, terraform, loadAverage }) {
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const rows = [
    ['', 'apply: wall', 'apply: AWS calls', 'no-op plan: wall (median)', 'no-op plan: AWS calls'],
    ['irsa', s(irsa.apply.ms), irsa.apply.proxy.total, s(irsa.plan.msMedian), irsa.plan.runs[0].proxy.total],
  ];
  if (terraform) {
    rows.push([
      'terraform',
      s(terraform.apply.ms),
      terraform.apply.proxy.total,
      s(terraform.plan.msMedian),
      terraform.plan.runs[0].proxy.total,
    ]);
  }
  for (const r of rows) console.log(r.map((c, i) => String(c).padEnd(i === 0 ? 10 : 26)).join(''));
  console.log('\nirsa apply, calls by action:', JSON.stringify(irsa.apply.irsa.byAction));
  console.log('irsa no-op plan, calls by action:', JSON.stringify(irsa.plan.runs[0].irsa.byAction));
  if (terraform)
    console.log('terraform no-op plan, calls by action:', JSON.stringify(terraform.plan.runs[0].proxy.byAction));
  if (terraform) {
    const x = (a, b) => `${(a / b).toFixed(1)}x`;
    console.log(
      `irsa vs terraform: apply ${x(terraform.apply.ms, irsa.apply.ms)} faster, no-op plan ` +
        `${x(terraform.plan.msMedian, irsa.plan.msMedian)} faster; irsa plan after terraform apply: no changes`,
    );
  }
  console.log(`load average: ${loadAverage.before} before, ${loadAverage.after} after`);
  if (!terraform) console.log('(terraform or its AWS provider plugin mirror not found: not measured)');
}
