// `irsa export terraform` as a user runs it (the built CLI): HCL on stdout, --out-dir rewriting only its own files,
// no AWS call and no credentials needed; and equivalence by round trip against a real moto_server: Terraform applies
// the export, then `irsa plan` on the same irsa.yaml finds nothing to do (same tags, bytes, settings) and so does
// `terraform plan -detailed-exitcode`. The other way too: what `irsa apply` made, taken into Terraform's state with
// the export's `import {}` blocks. The Terraform tests need terraform and the AWS provider's local plugin mirror
// (test/support/terraform.ts): without them they skip and the file says so in one line.
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, runProcess } from '../support/cli.js';
import { type MotoServer, startMoto } from '../support/moto-server.js';
import { terraformTest } from '../support/terraform.js';
import { awsEnv, irsa, irsaJson, type T, unique, workspace } from './provision-support.js';

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const S3_READ_ONLY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const THUMBPRINT = '9E99A48A9960B14926BB7F3B02E22DA2B0AB7280';
// Every character HCL would otherwise read as syntax or escape: Terraform must hand IAM exactly these bytes back.
const AWKWARD = `costs $5 \${not.a.ref} %{if x} "quoted" \\ back $`;

/** The small config: a created bucket, both documents, the provider, three roles with attachments. */
function configText(u: string): string {
  const bucket = `irsa-tf-${u}`;
  return `apiVersion: irsa-anywhere/v1
kind: Config
region: us-east-1
tags: {suite: export-terraform}
clusters:
  - name: c${u}
    issuer: https://${bucket}.s3.us-east-1.amazonaws.com/c${u}
    keys: [keys/sa.pub]
    thumbprints: [${THUMBPRINT}]
    publish:
      s3: {bucket: ${bucket}, prefix: c${u}, create: true, maxAge: 10m}
    serviceAccounts:
      - {namespace: default, name: app, policies: [${READ_ONLY}]}
      - namespace: jobs
        name: worker
        description: ${JSON.stringify(AWKWARD)}
        maxSessionDuration: 2h
        permissionsBoundary: ${READ_ONLY}
        policies: [${READ_ONLY}, ${S3_READ_ONLY}]
        inlinePolicies:
          reports: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::reports/*"}]}
      - {namespace: web, name: site, role: site-${u}, path: /web/, policies: [${S3_READ_ONLY}], tags: {tier: front}}
`;
}

/** AWS_* of the caller dropped, and no endpoint or credentials: the export must not need them. */
function offlineEnv(t: T): NodeJS.ProcessEnv {
  const env = awsEnv(t, {});
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_DEFAULT_REGION']) delete env[k];
  // Any call would go nowhere (a closed port) and fail the command.
  return { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
}

test('HCL on stdout, no AWS call, no credentials; the stdout text is the files one after another', async (t) => {
  const ws = workspace(t);
  ws.write(configText(unique()));
  const env = offlineEnv(t);
  const r = await irsa(['export', 'terraform', '-f', ws.file], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  for (const name of ['irsa-terraform.tf', 'irsa-documents.tf', 'irsa-oidc-provider.tf', 'irsa-roles.tf']) {
    assert.match(r.stdout, new RegExp(`^# ---- ${name}$`, 'm'));
  }
  assert.doesNotMatch(r.stdout, /irsa-imports\.tf|^import \{/m);
  assert.doesNotMatch(r.stdout, /^variable /m);
  assert.match(r.stdout, /version = "~> 5\.0"/);
  const json = await irsaJson(['export', 'terraform', '-f', ws.file, '--import'], env);
  assert.equal(json.code, 0);
  assert.deepEqual(
    json.json.data.files.map((f: { name: string }) => f.name),
    ['irsa-terraform.tf', 'irsa-documents.tf', 'irsa-oidc-provider.tf', 'irsa-roles.tf', 'irsa-imports.tf'],
  );
});

test('--out-dir: writes its files, leaves the same bytes alone, refuses a file it did not write unless --force, removes its own stale ones', async (t) => {
  const ws = workspace(t);
  ws.write(configText(unique()));
  const env = offlineEnv(t);
  const out = join(ws.dir, 'tf');
  const run = (...extra: string[]) => irsaJson(['export', 'terraform', '-f', ws.file, '--out-dir', out, ...extra], env);
  const first = await run('--import');
  assert.equal(first.code, 0, first.stdout);
  assert.equal(first.json.data.changed.length, 5);
  assert.ok(readFileSync(join(out, 'irsa-roles.tf'), 'utf8').startsWith('# Written by `irsa export terraform`'));
  writeFileSync(join(out, 'main.tf'), 'locals {}\n');
  const again = await run('--import');
  assert.deepEqual([again.json.data.changed.length, again.json.data.unchanged.length], [0, 5]);
  const dropped = await run();
  assert.deepEqual(dropped.json.data.removed, [join(out, 'irsa-imports.tf')]);
  assert.deepEqual(readdirSync(out).sort(), [
    'irsa-documents.tf',
    'irsa-oidc-provider.tf',
    'irsa-roles.tf',
    'irsa-terraform.tf',
    'main.tf',
  ]);
  writeFileSync(join(out, 'irsa-roles.tf'), '# mine\n');
  const refused = await run();
  assert.equal(refused.code, 1);
  assert.equal(refused.json.error.code, 'ERR_FILE_EXISTS');
  assert.match(refused.json.error.message, /irsa-roles\.tf exists and was not written by irsa export terraform/);
  assert.equal(readFileSync(join(out, 'irsa-roles.tf'), 'utf8'), '# mine\n');
  const forced = await run('--force');
  assert.equal(forced.code, 0);
  assert.match(readFileSync(join(out, 'irsa-roles.tf'), 'utf8'), /^# Written by/);
  assert.equal(readFileSync(join(out, 'main.tf'), 'utf8'), 'locals {}\n', 'never touches other files');
});

// Reproduction: irsa.yaml kept as tf/irsa-roles.tf, `irsa export terraform -f tf/irsa-roles.tf --out-dir tf --force`
// replaced the very file it had read with HCL. A file read is never the file written, --force or not.
test('--out-dir over its own irsa.yaml (by path or hard link): refused even with --force, the file unchanged', async (t) => {
  const ws = workspace(t);
  const config = configText(unique()).replace('keys/sa.pub', join(ws.dir, 'keys/sa.pub'));
  const out = join(ws.dir, 'tf');
  mkdirSync(out);
  const input = join(out, 'irsa-roles.tf');
  writeFileSync(input, config);
  linkSync(input, join(ws.dir, 'linked.yaml'));
  const env = offlineEnv(t);
  for (const file of [input, join(ws.dir, 'linked.yaml')]) {
    const r = await irsaJson(['export', 'terraform', '-f', file, '--out-dir', out, '--force'], env);
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.json.error.code, 'ERR_FILE_IS_INPUT');
    assert.match(r.json.error.message, /irsa-roles\.tf .*is a file this command reads/);
    assert.equal(readFileSync(input, 'utf8'), config);
    assert.deepEqual(readdirSync(out), ['irsa-roles.tf'], 'nothing written');
  }
});

// Reproduction: `--out-dir /proc/nonexistent/x` never returned (Node's recursive mkdir spins on /proc's ENOENT).
test('--out-dir that cannot be made: one line naming it, exit 1, no hang', async (t) => {
  const ws = workspace(t);
  ws.write(configText(unique()));
  writeFileSync(join(ws.dir, 'afile'), 'x');
  const cases: [string, RegExp][] = [
    ['/proc/irsa-nonexistent/x', /^\/proc\/irsa-nonexistent\/x: cannot create the directory \(no such file\)$/],
    [join(ws.dir, 'afile/sub'), /afile\/sub: cannot create the directory \(a part of the path is not a directory\)$/],
    [join(ws.dir, 'afile'), /afile is a file, not a directory: cannot write into it$/],
  ];
  for (const [dir, message] of cases) {
    if (dir.startsWith('/proc') && process.platform !== 'linux') continue;
    const r = await runCli(['export', 'terraform', '-f', ws.file, '--out-dir', dir, '--output', 'json'], {
      env: offlineEnv(t),
      timeoutMs: 20_000,
    });
    assert.equal(r.code, 1, r.stdout);
    const report = JSON.parse(r.stdout);
    assert.equal(report.error.code, 'ERR_FILE_WRITE');
    assert.match(report.error.message, message);
  }
});

/** Terraform pointed at moto: an `_override.tf` file replaces the export's provider block (region kept). */
function pointAtMoto(dir: string, endpoint: string): void {
  writeFileSync(
    join(dir, 'moto_override.tf'),
    `provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  s3_use_path_style           = true
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    iam = "${endpoint}"
    sts = "${endpoint}"
    s3  = "${endpoint}"
  }
}
`,
  );
}

function terraformRunner(terraform: string, dir: string, env: NodeJS.ProcessEnv) {
  const tfEnv = { ...env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
  return (...args: string[]) =>
    runProcess(terraform, [...args, '-no-color'], { cwd: dir, env: tfEnv, timeoutMs: 300_000 });
}

async function freshMoto(t: T): Promise<MotoServer> {
  const moto = await startMoto();
  t.after(() => moto.stop());
  return moto;
}

terraformTest(
  'round trip: Terraform applies the export, then irsa plan and terraform plan find nothing to do',
  async (t, terraform, pluginDir) => {
    const moto = await freshMoto(t);
    const ws = workspace(t);
    ws.write(configText(unique()));
    const env = awsEnv(t, { AWS_ENDPOINT_URL: moto.endpoint });
    const out = join(ws.dir, 'tf');
    const exported = await irsa(['export', 'terraform', '-f', ws.file, '--out-dir', out], offlineEnv(t));
    assert.equal(exported.code, 0, exported.stderr);
    pointAtMoto(out, moto.endpoint);
    const tf = terraformRunner(terraform, out, env);
    const init = await tf('init', '-input=false', '-backend=false', `-plugin-dir=${pluginDir}`);
    assert.equal(init.code, 0, init.stderr);
    const fmt = await tf('fmt', '-check', '-diff');
    assert.equal(fmt.code, 0, `terraform fmt would change the export:\n${fmt.stdout}`);
    const apply = await tf('apply', '-auto-approve', '-input=false');
    assert.equal(apply.code, 0, apply.stderr);
    assert.match(apply.stdout, /Apply complete! Resources: 14 added, 0 changed, 0 destroyed\./);

    const plan = await irsaJson(['plan', '-f', ws.file], env);
    assert.equal(plan.code, 0, JSON.stringify(plan.json.data?.changes ?? plan.json.error, null, 2));
    assert.equal(plan.json.data.status, 'no-changes');
    assert.deepEqual(plan.json.data.conflicts, []);
    const tfPlan = await tf('plan', '-detailed-exitcode', '-input=false');
    assert.equal(tfPlan.code, 0, tfPlan.stdout + tfPlan.stderr);
  },
);

terraformTest(
  'moving from irsa apply to Terraform: the --import blocks take it all into state, with nothing to recreate',
  async (t, terraform, pluginDir) => {
    const moto = await freshMoto(t);
    const ws = workspace(t);
    ws.write(configText(unique()));
    const env = awsEnv(t, { AWS_ENDPOINT_URL: moto.endpoint });
    const applied = await irsa(['apply', '-f', ws.file, '--auto-approve'], env);
    assert.equal(applied.code, 0, applied.stderr);
    const out = join(ws.dir, 'tf');
    const exported = await irsa(['export', 'terraform', '-f', ws.file, '--out-dir', out, '--import'], offlineEnv(t));
    assert.equal(exported.code, 0, exported.stderr);
    pointAtMoto(out, moto.endpoint);
    const tf = terraformRunner(terraform, out, env);
    assert.equal((await tf('init', '-input=false', '-backend=false', `-plugin-dir=${pluginDir}`)).code, 0);
    const apply = await tf('apply', '-auto-approve', '-input=false');
    assert.equal(apply.code, 0, apply.stderr);
    // The objects' content is not read back on import, so Terraform writes the same bytes once; nothing is added.
    assert.match(apply.stdout, /Apply complete! Resources: 14 imported, 0 added, 2 changed, 0 destroyed\./);
    const tfPlan = await tf('plan', '-detailed-exitcode', '-input=false');
    assert.equal(tfPlan.code, 0, tfPlan.stdout + tfPlan.stderr);
    const plan = await irsaJson(['plan', '-f', ws.file], env);
    assert.equal(plan.code, 0, JSON.stringify(plan.json.data?.changes, null, 2));
  },
);
