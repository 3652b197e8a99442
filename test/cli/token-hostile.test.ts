// `irsa token inspect` on hostile and odd tokens (issue 9 items 6 and 8), run as a user runs it: nothing in a token
// may drive the terminal, signatures STS refuses for their length are reported, odd shapes are warned about.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from '../support/cli.js';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const sig = (bytes: number) => Buffer.alloc(bytes, 7).toString('base64url');
const NOW = Math.floor(Date.now() / 1000);
const claims = (over: Record<string, unknown> = {}) => ({
  aud: ['sts.amazonaws.com'],
  exp: NOW + 3600,
  iat: NOW,
  iss: 'https://oidc.example.com',
  'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'app', uid: 'u' } },
  nbf: NOW,
  sub: 'system:serviceaccount:default:app',
  ...over,
});

/** Writes `token` to a file and runs `token inspect` on it, as text and as JSON. */
async function inspect(t: Parameters<typeof tempDir>[0], token: string) {
  const file = join(tempDir(t), 'token');
  writeFileSync(file, token);
  const text = await runCli(['token', 'inspect', file]);
  const json = await runCli(['token', 'inspect', file, '--output', 'json']);
  return {
    text,
    json,
    report: JSON.parse(json.stdout) as { data: { findings: { id: string; message: string }[]; claims?: unknown } },
  };
}

// Characters that drive a terminal or change how a line reads: controls (ESC, BEL, CSI as C1, DEL) and bidi.
const DRIVES_TERMINAL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

test('token inspect never lets a hostile token drive the terminal', async (t) => {
  // The reproduction: findings (alg-unsupported, iss-invalid, binding-mismatch) echoed raw ESC/BEL, and bidi
  // overrides (U+202E) were escaped nowhere.
  const evil = '\u001b]0;owned\u0007\u001b[2J\u202egnp.exe\u009b31m\u007f\u2066\u200f';
  const token = `${b64({ alg: `XS256${evil}`, kid: `k${evil}` })}.${b64(
    claims({
      iss: `https://oidc.example.com/${evil}?q=1`,
      aud: [`aud${evil}`],
      sub: `system:serviceaccount:default:app`,
      'kubernetes.io': { namespace: `ns${evil}`, serviceaccount: { name: `sa${evil}`, uid: 'u' } },
      [`claim${evil}`]: 1,
    }),
  )}.${sig(256)}`;
  const { text, json, report } = await inspect(t, token);
  assert.equal(text.code, 1, text.stderr);
  // --output json: the raw stdout is terminal-safe too (JSON's own \uXXXX escapes), and parses to the same data.
  for (const line of json.stdout.split('\n')) assert.doesNotMatch(line, DRIVES_TERMINAL, JSON.stringify(line));
  for (const id of ['alg-unsupported', 'iss-invalid', 'binding-mismatch', 'aud-not-sts']) {
    assert.match(text.stdout, new RegExp(`\\b${id}\\b`), id);
  }
  const lines = text.stdout.split('\n');
  for (const line of lines) assert.doesNotMatch(line, DRIVES_TERMINAL, JSON.stringify(line));
  assert.match(text.stdout, /\\u001b\]0;owned\\u0007/, 'shown as visible escapes');
  assert.match(text.stdout, /\\u202egnp\.exe\\u009b31m\\u007f\\u2066\\u200f/);
  // The findings in JSON carry the same escaped messages.
  for (const f of report.data.findings) assert.doesNotMatch(f.message, DRIVES_TERMINAL, f.id);
});

test('token inspect reports signatures STS refuses for their length', async (t) => {
  // The reproduction: an RS256 token with an empty signature and an ES256 token with a 3-byte signature were both
  // "no problems found".
  const rs = await inspect(t, `${b64({ alg: 'RS256', kid: 'k' })}.${b64(claims())}.`);
  assert.equal(rs.text.code, 1);
  assert.match(rs.text.stdout, /error\s+signature-malformed\s+RS256 signature is 0 bytes/);
  assert.doesNotMatch(rs.text.stdout, /no problems found/);
  const es = await inspect(t, `${b64({ alg: 'ES256', kid: 'k' })}.${b64(claims())}.${sig(3)}`);
  assert.equal(es.text.code, 1);
  assert.match(es.text.stdout, /error\s+signature-malformed\s+ES256 signature is 3 bytes; .* exactly 64/);
  for (const [alg, bytes] of [
    ['RS256', 255],
    ['ES384', 64],
    ['ES512', 131],
  ] as const) {
    const r = await inspect(t, `${b64({ alg, kid: 'k' })}.${b64(claims())}.${sig(bytes)}`);
    assert.ok(
      r.report.data.findings.some((f) => f.id === 'signature-malformed'),
      `${alg} ${bytes}`,
    );
  }
  // The right lengths are no finding.
  for (const [alg, bytes] of [
    ['RS256', 256],
    ['RS512', 512],
    ['ES256', 64],
    ['ES384', 96],
    ['ES512', 132],
  ] as const) {
    const r = await inspect(t, `${b64({ alg, kid: 'k' })}.${b64(claims())}.${sig(bytes)}`);
    assert.ok(!r.report.data.findings.some((f) => f.id === 'signature-malformed'), `${alg} ${bytes}`);
  }
});

test('token inspect warns about odd but not forged shapes the sandbox refuses (crit, duplicates, timestamps)', async (t) => {
  // The reproduction: a crit header, exp in milliseconds or 1e308, a string or null nbf/iat and duplicate members
  // were all "no problems found".
  const header = b64({ alg: 'RS256', kid: 'k', crit: ['b64'], b64: true });
  const crit = await inspect(t, `${header}.${b64(claims())}.${sig(256)}`);
  assert.match(crit.text.stdout, /warning\s+crit-unsupported\s+header "crit" \["b64"\].*\(U17\)/);
  for (const exp of [(NOW + 3600) * 1000, 1e308]) {
    const r = await inspect(t, `${b64({ alg: 'RS256', kid: 'k' })}.${b64(claims({ exp }))}.${sig(256)}`);
    assert.match(r.text.stdout, /warning\s+timestamp-out-of-range\s+exp .* lies past year 9999/);
  }
  for (const [name, value] of [
    ['nbf', 'tomorrow'],
    ['iat', null],
  ] as const) {
    const r = await inspect(t, `${b64({ alg: 'RS256', kid: 'k' })}.${b64(claims({ [name]: value }))}.${sig(256)}`);
    assert.equal(r.text.code, 1);
    assert.match(
      r.text.stdout,
      new RegExp(`error\\s+malformed-claim\\s+${name} is (a string|null), not a number.*U18`),
    );
  }
  const twice = JSON.stringify(claims()).replace('"sub":', '"sub":"system:serviceaccount:kube-system:admin","sub":');
  const dup = await inspect(t, `${b64({ alg: 'RS256', kid: 'k' })}.${b64(twice)}.${sig(256)}`);
  assert.match(dup.text.stdout, /warning\s+duplicate-member\s+payload\.sub named twice.*\(U19\)/);
});
