import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRoleName } from '../../src/core/aws/arn.js';
import { buildTrustPolicy } from '../../src/core/aws/trust-policy-builder.js';
import { buildDiscovery, serializeDiscovery } from '../../src/core/issuer/discovery.js';
import { buildJwks, serializeJwks } from '../../src/core/issuer/jwks.js';
import { type GeneratedKeyPair, generateSigningKey } from '../../src/core/keys/generate.js';
import { type MintRequest, mintToken } from '../../src/core/tokens/mint.js';
import { IamExecutor } from '../../src/io/aws/iam-executor.js';
import { writeFileAtomic } from '../../src/io/files.js';
import { OidcKeyFetcher } from '../../src/io/oidc/fetcher.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

/**
 * A whole IRSA chain on a real sandbox: signing key, issuer documents published on its HTTPS host, the IAM OIDC
 * provider (thumbprint of the served chain), role `app@default` with the scoped trust. Everything is torn down in
 * t.after.
 */
export interface Chain {
  sb: Sandbox;
  dir: string;
  issuer: string;
  issuerPath: string;
  pair: GeneratedKeyPair;
  iam: IamExecutor;
  providerArn: string;
  roleArn: string;
  roleName: string;
  thumbprint: string;
  mint(overrides?: Partial<MintRequest>): Promise<string>;
  writeToken(token: string, name?: string): string;
  /** Publishes discovery/JWKS again (e.g. another key set, or a discovery issuer that differs). */
  publish(options?: { keys?: GeneratedKeyPair[]; discoveryIssuer?: string }): Promise<void>;
  /** A pod's environment: no AWS_* of ours, empty shared files, the web-identity variables. */
  podEnv(tokenFile: string, extra?: Record<string, string>): NodeJS.ProcessEnv;
  /** The admin environment for the IAM API (doctor reads IAM with it). */
  adminEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
}

export async function startChain(
  t: { after: (fn: () => unknown) => void },
  options: { issuerPath?: string; providerUrl?: string; namespace?: string; serviceAccount?: string } = {},
): Promise<Chain> {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-chain-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sb = await startSandbox({ stateDir: join(dir, 'sandbox'), accountId: '111122223333', region: 'us-east-1' });
  t.after(() => sb.close());
  const issuerPath = options.issuerPath ?? 'cluster-1';
  const issuer = `${sb.issuerUrlBase}/${issuerPath}`;
  const namespace = options.namespace ?? 'default';
  const serviceAccount = options.serviceAccount ?? 'app';
  const pair = generateSigningKey({ type: 'rsa' });
  const publish = async (o: { keys?: GeneratedKeyPair[]; discoveryIssuer?: string } = {}) => {
    const jwks = buildJwks((o.keys ?? [pair]).map((k) => k.key));
    const base = join(sb.issuerDir, issuerPath);
    await writeFileAtomic(
      join(base, '.well-known', 'openid-configuration'),
      serializeDiscovery(buildDiscovery(o.discoveryIssuer ?? issuer, `${issuer}/openid/v1/jwks`, jwks)),
    );
    await writeFileAtomic(join(base, 'openid', 'v1', 'jwks'), serializeJwks(jwks));
  };
  await publish();
  const iam = new IamExecutor({
    endpoint: sb.endpoint,
    region: sb.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  t.after(() => iam.destroy());
  const { thumbprint } = await new OidcKeyFetcher().probe(issuer);
  const providerUrl = options.providerUrl ?? issuer;
  const provider = await iam.ensureOidcProvider({
    url: providerUrl,
    clientIds: ['sts.amazonaws.com'],
    thumbprints: [thumbprint],
  });
  const roleName = defaultRoleName(namespace, serviceAccount);
  const role = await iam.ensureRole({
    name: roleName,
    trustPolicy: buildTrustPolicy({ providerArn: provider.arn, providerUrl, namespace, serviceAccount }),
  });
  const empty = join(dir, 'empty');
  writeFileSync(empty, '');
  const scrubbed = () => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
    return {
      ...env,
      HOME: dir,
      AWS_CONFIG_FILE: empty,
      AWS_SHARED_CREDENTIALS_FILE: empty,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_REGION: sb.region,
    };
  };
  return {
    sb,
    dir,
    issuer,
    issuerPath,
    pair,
    iam,
    providerArn: provider.arn,
    roleArn: role.arn,
    roleName,
    thumbprint,
    mint: async (o = {}) =>
      (
        await mintToken({
          signingKey: pair.key,
          issuer,
          namespace,
          serviceAccount,
          pod: { name: 'app-0', uid: randomUUID() },
          ...o,
        })
      ).token,
    writeToken(token, name = `token-${randomUUID()}`) {
      const file = join(dir, name);
      writeFileSync(file, token, { mode: 0o600 });
      return file;
    },
    publish,
    podEnv: (tokenFile, extra = {}) => ({
      ...scrubbed(),
      AWS_ROLE_ARN: role.arn,
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ENDPOINT_URL_STS: sb.endpoint,
      ...extra,
    }),
    adminEnv: (extra = {}) => ({
      ...scrubbed(),
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_STS: sb.endpoint,
      AWS_ENDPOINT_URL_IAM: sb.endpoint,
      ...extra,
    }),
  };
}
