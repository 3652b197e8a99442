// Provisioning at scale against moto: `irsa apply` of N service accounts (one role each with one managed policy, one
// OIDC provider, the documents published to a new S3 bucket and read back through the S3 API) and then a no-op
// `irsa plan`, each timed (wall clock) with
// its AWS calls counted by a proxy in front of moto (test/support/fault-proxy.ts) and by irsa itself (by action).
// When terraform and the AWS provider's local plugin mirror are on the machine, the same resources through
// Terraform are measured in the same run, through the same proxy and moto (names of their own).
//
//   npm run build
//   node --import tsx bench/provisioning.mjs [--roles 200] [--plans 3] [--no-terraform] [--json]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateSigningKey } from '../src/core/keys/generate.ts';
import { startFaultProxy } from '../test/support/fault-proxy.ts';
import { findTerraform } from '../test/support/terraform.ts';
import { startMoto } from '../test/support/moto-server.ts';
import { CLI, requireBuild, scratchDir } from './lib.mjs';

const args = process.argv.slice(2);
const arg = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const ROLES = Number(arg('--roles', 200));
const PLANS = Number(arg('--plans', 3));
const JSON_OUT = args.includes('--json');
const PLUGIN_DIR = '/opt/tf-plugins';
const THUMBPRINT = '9E99A48A9960B14926BB7F3B02E22DA2B0AB7280';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

requireBuild();
const dir = scratchDir('irsa-bench-prov-');
const moto = await startMoto();
const proxy = await startFaultProxy(moto.endpoint);
const log = (line) => !JSON_OUT && console.log(line);

/** Runs a command to its end; resolves with its output and wall time (ms). */
function timed(cmd, argv, env, cwd = dir) {
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

const awsEnv = {
  AWS_ENDPOINT_URL: proxy.endpoint,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** The proxy's count of one phase, by service:action. */
function proxyCounts() {
  const byAction = {};
  for (const c of proxy.calls) {
    const key = `${c.service}:${c.action}`;
    byAction[key] = (byAction[key] ?? 0) + 1;
  }
  return { total: proxy.calls.length, byAction };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function benchIrsa() {
  const work = join(dir, 'irsa');
  mkdirSync(join(work, 'keys'), { recursive: true });
  writeFileSync(join(work, 'keys/sa.pub'), generateSigningKey({ type: 'ec' }).publicPem);
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
  const run = (cmd) =>
    timed(
      process.execPath,
      [CLI, cmd, '-f', 'irsa.yaml', '--output', 'json', ...(cmd === 'apply' ? ['--auto-approve'] : [])],
      awsEnv,
      work,
    );
  proxy.reset();
  const apply = await run('apply');
  if (apply.code !== 0) throw new Error(`irsa apply exited ${apply.code}: ${apply.stdout}${apply.stderr}`);
  const applied = { ms: apply.ms, proxy: proxyCounts(), irsa: JSON.parse(apply.stdout).data.awsCalls };
  const plans = [];
  for (let i = 0; i < PLANS; i++) {
    proxy.reset();
    const plan = await run('plan');
    if (plan.code !== 0) throw new Error(`irsa plan exited ${plan.code} (not a no-op): ${plan.stdout}`);
    plans.push({ ms: plan.ms, proxy: proxyCounts(), irsa: JSON.parse(plan.stdout).data.awsCalls });
  }
  return { apply: applied, plan: { msMedian: median(plans.map((p) => p.ms)), runs: plans } };
}

function terraformConfig() {
  return `terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
provider "aws" {
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
locals {
  host = "oidc.example.com/tf-bench"
  sas  = toset([for i in range(${ROLES}) : "sa\${i}"])
}
resource "aws_iam_openid_connect_provider" "p" {
  url             = "https://\${local.host}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["${THUMBPRINT}"]
  tags            = { "irsa-anywhere/managed-by" = "terraform-bench" }
}
resource "aws_iam_role" "r" {
  for_each = local.sas
  name     = "\${each.key}@tfbench"
  tags     = { "irsa-anywhere/managed-by" = "terraform-bench" }
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.p.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = { StringEquals = {
        "\${local.host}:sub" = "system:serviceaccount:tfbench:\${each.key}"
        "\${local.host}:aud" = "sts.amazonaws.com"
      } }
    }]
  })
}
resource "aws_iam_role_policy_attachment" "a" {
  for_each   = aws_iam_role.r
  role       = each.value.name
  policy_arn = "${READ_ONLY}"
}
`;
}

async function benchTerraform() {
  const terraform = findTerraform();
  if (!terraform || !existsSync(join(PLUGIN_DIR, 'registry.terraform.io/hashicorp/aws'))) return undefined;
  const work = join(dir, 'terraform');
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'main.tf'), terraformConfig());
  const env = { TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
  const init = spawnSync(terraform, ['init', '-input=false', `-plugin-dir=${PLUGIN_DIR}`], {
    cwd: work,
    env: { ...process.env, ...env },
  });
  if (init.status !== 0) throw new Error(`terraform init: ${init.stderr}`);
  proxy.reset();
  const apply = await timed(terraform, ['apply', '-auto-approve', '-input=false', '-no-color'], env, work);
  if (apply.code !== 0) throw new Error(`terraform apply exited ${apply.code}: ${apply.stderr}`);
  const applied = { ms: apply.ms, proxy: proxyCounts() };
  const plans = [];
  for (let i = 0; i < PLANS; i++) {
    proxy.reset();
    const plan = await timed(terraform, ['plan', '-detailed-exitcode', '-input=false', '-no-color'], env, work);
    if (plan.code !== 0) throw new Error(`terraform plan exited ${plan.code} (not a no-op): ${plan.stdout}`);
    plans.push({ ms: plan.ms, proxy: proxyCounts() });
  }
  return { apply: applied, plan: { msMedian: median(plans.map((p) => p.ms)), runs: plans } };
}

try {
  const load = loadavg()[0].toFixed(1);
  log(`provisioning ${ROLES} service accounts against moto (load average ${load}), ${PLANS} no-op plans each`);
  const irsa = await benchIrsa();
  const terraform = args.includes('--no-terraform') ? undefined : await benchTerraform();
  const result = { roles: ROLES, loadAverage: Number(load), irsa, terraform: terraform ?? null };
  if (JSON_OUT) console.log(JSON.stringify(result, null, 2));
  else printTable(result);
} finally {
  await proxy.close();
  await moto.stop();
}

function printTable({ irsa, terraform }) {
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
  if (!terraform) console.log('(terraform or its AWS provider plugin mirror not found: not measured)');
}
