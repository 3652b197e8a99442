// Property tests of the STS validation core (issue 9, "Keep the fuzzing"): thousands of hostile tokens, mutations of
// a valid one (test/support/hostile-tokens.ts), decided against an in-memory issuer with fast-check's fixed seed.
// No forgery is ever accepted, every valid control is, and every refusal carries a code AssumeRoleWithWebIdentity
// answers with. The long run over HTTP against the sandbox is fuzz/sts.fuzz.ts (`npm run fuzz`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildJwks } from '../../src/core/issuer/jwks.js';
import { generateSigningKey } from '../../src/core/keys/generate.js';
import { decideAssumeRoleWithWebIdentity } from '../../src/core/sts/decide.js';
import type { IssuerKeySource } from '../../src/core/sts/types.js';
import { type HostileToken, type HostileWorld, hostileToken, judge } from '../support/hostile-tokens.js';
import { irsaTrust, MemoryIam } from './sts-fixtures.js';

const ISSUER = 'https://oidc.example.com/fuzz';
const world: HostileWorld = {
  issuer: ISSUER,
  sub: 'system:serviceaccount:default:app',
  aud: 'sts.amazonaws.com',
  now: 1_800_000_000,
  rsa: generateSigningKey({ type: 'rsa' }).key,
  ec: generateSigningKey({ type: 'ec', curve: 'P-256' }).key,
  attacker: generateSigningKey({ type: 'rsa' }).key,
};
const iam = new MemoryIam();
const provider = iam.addProvider(ISSUER, []);
const role = iam.addRole('app', irsaTrust(provider, 'default', 'app'));
/** The issuer's documents in memory, over a trusted chain: the core's own checks are what is under test. */
const keys: IssuerKeySource = {
  async getKeys(issuerUrl) {
    if (issuerUrl !== ISSUER) return { ok: false, reason: 'connect', detail: 'no such issuer' };
    const jwks = buildJwks([world.rsa, world.ec]) as unknown as { keys: Record<string, unknown>[] };
    return { ok: true, discovery: { issuer: ISSUER }, jwks, chainTrusted: true, servedThumbprints: [] };
  },
};

test('property: hostile tokens never get credentials, and every refusal is an AWS error code', async () => {
  const kinds = new Map<string, number>();
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(hostileToken(world), async (h: HostileToken) => {
      const d = await decideAssumeRoleWithWebIdentity(
        { roleArn: role.arn, roleSessionName: 'fuzz', webIdentityToken: h.token },
        { iam, keys, now: world.now },
      );
      const problem = judge(h, d.ok ? { accepted: true } : { accepted: false, ...d.error });
      assert.equal(problem, undefined, `${problem}: ${JSON.stringify(h.token.slice(0, 300))}`);
      assert.equal(d.trace.at(-1)?.status, d.ok ? 'pass' : 'fail');
      if (d.ok) accepted++;
      const family = h.kind.split(' ')[0];
      kinds.set(family, (kinds.get(family) ?? 0) + 1);
    }),
    { seed: 20_260_908, numRuns: 3000 },
  );
  // The run covered every family and the valid controls went through (the property can tell accept from refuse).
  for (const family of [
    'valid',
    'header',
    'claim',
    'alg',
    'HS256',
    'attacker',
    'signature',
    'truncated',
    're-encoded',
    'duplicate',
    'huge',
    'garbage',
  ]) {
    assert.ok((kinds.get(family) ?? 0) > 0, `no ${family} case in ${JSON.stringify([...kinds])}`);
  }
  assert.ok(accepted >= (kinds.get('valid') ?? 0), 'every valid control accepted');
});
