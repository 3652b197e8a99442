// Commander's usage errors speak like every other failure: one line on stderr naming the command, and with
// `--output json` one error object on stdout (issue 9.4). Each reproduction from the issue is a case.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from '../support/cli.js';

const ARN = 'arn:aws:iam::111122223333:role/app@default';

/** Runs a command line that must be refused as a usage error, in both output formats. */
async function usageError(args: string[], command: string, message: RegExp): Promise<void> {
  const text = await runCli(args);
  assert.equal(text.code, 1, `${args.join(' ')}: ${text.stderr}`);
  assert.equal(text.stdout, '');
  const lines = text.stderr.trim().split('\n');
  assert.equal(lines.length, 1, text.stderr);
  const name = `irsa${command ? ` ${command}` : ''}`;
  assert.ok(lines[0].startsWith(`${name}: `), lines[0]);
  assert.ok(lines[0].endsWith(` (see ${name} --help)`), lines[0]);
  assert.match(lines[0].slice(name.length + 2, -` (see ${name} --help)`.length), message);
  assert.doesNotMatch(lines[0], /^error:|\n\s+at /);

  const json = await runCli(['--output', 'json', ...args]);
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(report), ['command', 'ok', 'error', 'warnings']);
  assert.equal(report.command, command);
  assert.equal(report.ok, false);
  assert.equal(report.error.code, 'ERR_USAGE');
  assert.match(report.error.message, message);
  assert.deepEqual(report.warnings, []);
}

test('an unknown option is reported before the required one it was meant to be, with "did you mean"', async () => {
  await usageError(
    ['manifests', 'workload', '--namespace', 'default', '--serviceaccount', 'app', '--role-arn', ARN],
    'manifests workload',
    /^unknown option '--serviceaccount' \(Did you mean --service-account\?\)/,
  );
});

test('every kind of usage error gives the JSON envelope with --output json', async () => {
  await Promise.all([
    usageError(['token', 'mint', '--signing-key', 'k'], 'token mint', /required option '--issuer <url>' not specified/),
    usageError(['keys', 'generate', '--out-dir', 'x', '--bogus'], 'keys generate', /unknown option '--bogus'/),
    usageError(['keys', 'generate', '--type', 'dsa', '--out-dir', 'x'], 'keys generate', /Allowed choices are rsa, ec/),
    usageError(
      ['keys', 'generate', '--bits', 'many', '--out-dir', 'x'],
      'keys generate',
      /^--bits must be a whole number/,
    ),
    usageError(['no-such-command'], '', /unknown command 'no-such-command'/),
    usageError(['token', 'inspect', 'a', 'b'], 'token inspect', /too many arguments/),
  ]);
});

test('one port parser: 99999 is refused in words for every port flag', async () => {
  await Promise.all([
    usageError(
      ['sandbox', '--port', '99999', '--state-dir', 's'],
      'sandbox',
      /^--port must be a port number from 0 to 65535, got: 99999$/,
    ),
    usageError(
      ['sandbox', '--issuer-port', '-1', '--state-dir', 's'],
      'sandbox',
      /^--issuer-port must be a port number/,
    ),
    usageError(['webhook', 'serve', '--port', '99999'], 'webhook serve', /^--port must be a port number/),
    usageError(
      ['webhook', 'serve', '--metrics-port', '65536'],
      'webhook serve',
      /^--metrics-port must be a port number/,
    ),
    // issuer watch had a parser of its own: "option '--metrics-port <port>' argument '99999' is invalid. a port …".
    usageError(
      ['issuer', 'watch', '--issuer', 'https://x.example.com/c', '--metrics-port', '99999'],
      'issuer watch',
      /^--metrics-port must be a port number from 0 to 65535, got: 99999$/,
    ),
  ]);
});

// Reproduction: `irsa issuer watch --interval 0` ran its passes back to back (a busy loop against the apiservers, the
// issuer host and IAM), and `--timeout 0` meant no timeout at all.
test('a duration flag with a floor: an interval of 0 or a timeout of 0 refused, naming the flag and the floor', async () => {
  const watch = ['issuer', 'watch', '--issuer', 'https://x.example.com/c'];
  await Promise.all([
    usageError([...watch, '--interval', '0'], 'issuer watch', /^--interval must be at least 1s, got: 0$/),
    usageError([...watch, '--iam-interval', '0s'], 'issuer watch', /^--iam-interval must be at least 1s, got: 0s$/),
    usageError(
      ['issuer', 'check', '--issuer', 'https://x.example.com/c', '--timeout', '0'],
      'issuer check',
      /^--timeout must be at least 100ms, got: 0$/,
    ),
    usageError(
      ['issuer', 'watch', 'manifests', '--issuer', 'https://x.example.com/c', '--interval', '0'],
      'issuer watch',
      /^--interval must be at least 1s, got: 0$/,
    ),
  ]);
});

test('one duration syntax: every duration flag names itself and what it accepts', async () => {
  const syntax = /must be a duration such as 24h, 90m, 1h30m, 3600s or 3600 \(plain seconds\), got: soon$/;
  await Promise.all([
    usageError(
      ['webhook', 'serve', '--token-expiration', 'soon'],
      'webhook serve',
      new RegExp(`^--token-expiration ${syntax.source}`),
    ),
    usageError(
      [
        'manifests',
        'workload',
        '--namespace',
        'a',
        '--service-account',
        'b',
        '--role-arn',
        ARN,
        '--expiration',
        'soon',
      ],
      'manifests workload',
      new RegExp(`^--expiration ${syntax.source}`),
    ),
    usageError(
      [
        'issuer',
        'apiserver-flags',
        '--distro',
        'k3s',
        '--issuer',
        'https://x.example',
        '--max-token-expiration',
        'soon',
      ],
      'issuer apiserver-flags',
      new RegExp(`^--max-token-expiration ${syntax.source}`),
    ),
    // The grace period was once plain milliseconds: 2000 now means 2000 s, which is over its bound and says why.
    usageError(
      ['webhook', 'serve', '--service-account-lookup-grace-period', '2000'],
      'webhook serve',
      /^--service-account-lookup-grace-period must be at most 30s \(a plain number is seconds\), got: 2000$/,
    ),
  ]);
});

test('help shows duration defaults as durations; help and version still exit 0', async () => {
  const serve = await runCli(['webhook', 'serve', '--help']);
  assert.equal(serve.code, 0);
  assert.match(serve.stdout, /--token-expiration <duration>[\s\S]*\(default: 24h\)/);
  assert.match(serve.stdout, /--service-account-lookup-grace-period <duration>[\s\S]*\(default: 2s\)/);
  assert.match(serve.stdout, /--context <name>/);
  const mint = await runCli(['token', 'mint', '--help']);
  assert.match(mint.stdout, /--expiration <duration>[\s\S]*\(default: 24h\)/);
  const version = await runCli(['--version', '--output', 'json']);
  assert.equal(version.code, 0);
});

test('a group without its subcommand: help on stderr, and the envelope with --output json', async () => {
  const r = await runCli(['--output', 'json', 'token']);
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  assert.equal(report.command, 'token');
  assert.equal(report.error.code, 'ERR_USAGE');
  assert.match(report.error.message, /a subcommand is required: mint, inspect/);
  assert.match(r.stderr, /Usage: irsa token/);
});

// Reproduction: `irsa rotate status --cluster $'\e[31mRED\a'` printed the escape raw to the terminal in its error
// (so did `audit --provider`, `issuer watch manifests --namespace` and a ServiceAccount name in irsa.yaml). Every
// failure line goes through the one terminal-safe writer; the JSON envelope keeps the value, escaped as JSON.
test('an escape in a flag value or an irsa.yaml field never reaches the terminal raw, in any failure', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'irsa.yaml');
  writeFileSync(
    file,
    'apiVersion: irsa-anywhere/v1\nkind: Config\nregion: us-east-1\nclusters:\n  - name: prod\n' +
      '    issuer: https://oidc.example.com/prod\n    keys: [sa.pub]\n    publish: {directory: ./public}\n' +
      '    serviceAccounts:\n      - {namespace: default, name: "te\\e]0;pwn\\ast"}\n',
  );
  const ESC = '\u001b[31mRED\u0007';
  const cases: [string[], string][] = [
    [['rotate', 'status', '-f', file, '--cluster', ESC], 'rotate status'],
    [['audit', '--provider', `arn:aws:iam::1:oidc${ESC}`], 'audit'],
    [
      ['issuer', 'watch', 'manifests', '--issuer', 'https://x.example.com/c', '--aws-secret', 's', '--namespace', ESC],
      'issuer watch manifests',
    ],
    [['iam', 'policy', '-f', file, '--for', ESC], 'iam policy'],
    [['export', 'terraform', '-f', file], 'export terraform'],
  ];
  for (const [args, command] of cases) {
    const text = await runCli(args);
    assert.equal(text.code, 1, `${args.join(' ')}: ${text.stderr}`);
    assert.ok(text.stderr.startsWith(`irsa ${command}: `), text.stderr);
    assert.doesNotMatch(
      text.stderr,
      /[\u0000-\u0008\u000b-\u001f\u007f]/,
      `${command}: ${JSON.stringify(text.stderr)}`,
    );
    assert.match(text.stderr, /\\u001b/);
    const json = await runCli(['--output', 'json', ...args]);
    const report = JSON.parse(json.stdout);
    assert.equal(report.ok, false);
    assert.match(report.error.message, /\u001b/);
  }
});
