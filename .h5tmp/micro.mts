import { publishIssuer, sandboxFor, rsaKey, mint, provision } from '../test/sandbox/helpers.ts';
import { decideAssumeRoleWithWebIdentity } from '../src/core/sts/decide.ts';
import { OidcKeyFetcher } from '../src/io/oidc/fetcher.ts';
import { IamStore } from '../src/sandbox/iam-store.ts';
import { buildJwks } from '../src/core/issuer/jwks.ts';
import { createLocalJWKSet, jwtVerify } from 'jose';
const afters: (() => unknown)[] = [];
const t = { after: (f: () => unknown) => afters.push(f) };
const sb = await sandboxFor(t);
const key = rsaKey();
const issuer = publishIssuer(sb, [key]);
const { roleArn } = await provision(sb, issuer);
const token = await mint(key, issuer);
const store = IamStore.open(sb.stateDir + '/state.json', '000000000000', 'aws');
const keys = new OidcKeyFetcher({});
const req = { roleArn, roleSessionName: 's1', webIdentityToken: token };
const jwks = createLocalJWKSet(buildJwks([key]) as any);
async function rate(name: string, fn: () => Promise<unknown>) {
  const end = performance.now() + 3000; let n = 0;
  await Promise.all(Array.from({ length: 32 }, async () => { while (performance.now() < end) { await fn(); n++; } }));
  console.log(name, Math.round(n / 3), '/s');
}
for (let i = 0; i < 1; i++) {

  await rate('decide', () => decideAssumeRoleWithWebIdentity(req, { iam: store, keys }));
}
for (const f of afters.reverse()) await f();
