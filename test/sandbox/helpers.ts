// Shared set-up for the sandbox tests: a sandbox per test, a published issuer, the real aws CLI / boto3 with an
// isolated HOME, raw query-protocol posts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDiscovery, serializeDiscovery } from '../../src/core/issuer/discovery.js';
import { buildJwks, serializeJwks } from '../../src/core/issuer/jwks.js';
import { generateSigningKey } from '../../src/core/keys/generate.js';
import type { LoadedKey } from '../../src/core/keys/parse.js';
import { mintToken } from '../../src/core/tokens/mint.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/index.js';
import { type RunResult, runProcess } from '../support/cli.js';

export interface T {
  after: (fn: () => void | Promise<void>) => void;
}

export function tmp(t: T, prefix = 'irsa-sbx-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function sandboxFor(t: T, options: Partial<SandboxOptions> = {}): Promise<Sandbox> {
  const sb = await startSandbox({ stateDir: options.stateDir ?? tmp(t), port: 0, issuerPort: 0, ...options });
  t.after(() => sb.close());
  return sb;
}

/** Publishes discovery + JWKS for `keys` under the sandbox issuer host; returns the issuer URL. */
export function publishIssuer(sb: Sandbox, keys: LoadedKey[], path = ''): string {
  const issuer = `${sb.issuerUrlBase}${path}`;
  const jwks = buildJwks(keys);
  const dir = join(sb.issuerDir, path);
  mkdirSync(join(dir, '.well-known'), { recursive: true });
  mkdirSync(join(dir, 'openid/v1'), { recursive: true });
  writeFileSync(
    join(dir, '.well-known/openid-configuration'),
    serializeDiscovery(buildDiscovery(issuer, `${issuer}/openid/v1/jwks`, jwks)),
  );
  writeFileSync(join(dir, 'openid/v1/jwks'), serializeJwks(jwks));
  return issuer;
}

export const rsaKey = () => generateSigningKey({ type: 'rsa' }).key;
export const ecKey = () => generateSigningKey({ type: 'ec' }).key;

export async function mint(
  key: LoadedKey,
  issuer: string,
  o: {
    namespace?: string;
    serviceAccount?: string;
    audiences?: string[];
    now?: number;
    expirationSeconds?: number;
  } = {},
): Promise<string> {
  return (
    await mintToken({
      signingKey: key,
      issuer,
      namespace: o.namespace ?? 'default',
      serviceAccount: o.serviceAccount ?? 'test-pod-sa',
      audiences: o.audiences,
      now: o.now,
      expirationSeconds: o.expirationSeconds,
    })
  ).token;
}

export function trustPolicy(
  providerArn: string,
  providerHostPath: string,
  sub: string,
  aud = 'sts.amazonaws.com',
): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${providerHostPath}:sub`]: sub, [`${providerHostPath}:aud`]: aud } },
      },
    ],
  });
}

/** Environment for the aws CLI / boto3: isolated HOME and config files, the sandbox endpoints, admin keys. */
export function awsEnv(t: T, sb: Sandbox, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = tmp(t, 'irsa-home-');
  writeFileSync(join(home, 'config'), '');
  writeFileSync(join(home, 'credentials'), '');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  return {
    ...env,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_DEFAULT_REGION: sb.region,
    AWS_ENDPOINT_URL_STS: sb.endpoint,
    AWS_ENDPOINT_URL_IAM: sb.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

export type Run = RunResult;

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<Run> {
  return runProcess(cmd, args, { env, timeoutMs });
}

export const aws = (args: string[], env: NodeJS.ProcessEnv) => run('aws', [...args, '--output', 'json'], env);

/** A raw query-protocol POST (unsigned), as an attacker or a bare HTTP client would send it. */
export async function post(
  endpoint: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** `<Code>` and `<Message>` of an ErrorResponse. */
export function awsError(body: string): { code?: string; message?: string; type?: string } {
  const text = (re: RegExp) => re.exec(body)?.[1]?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return {
    code: text(/<Code>([^<]*)<\/Code>/),
    message: text(/<Message>([^<]*)<\/Message>/),
    type: text(/<Type>([^<]*)<\/Type>/),
  };
}

export function assumeForm(roleArn: string, token: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: roleArn,
    RoleSessionName: 's1',
    WebIdentityToken: token,
    ...extra,
  };
}

import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';

export function iamClient(sb: Sandbox, credentials = { accessKeyId: 'test', secretAccessKey: 'test' }): IAMClient {
  return new IAMClient({ endpoint: sb.endpoint, region: sb.region, credentials });
}

/** Provider for `issuer` (thumbprint computed by the sandbox from the served chain) and a role trusting `sub`. */
export async function provision(
  sb: Sandbox,
  issuer: string,
  o: {
    roleName?: string;
    sub?: string;
    aud?: string;
    policy?: string;
    clientIds?: string[];
    thumbprints?: string[];
  } = {},
): Promise<{ providerArn: string; roleArn: string }> {
  const iam = iamClient(sb);
  const { OpenIDConnectProviderArn } = await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: issuer,
      ClientIDList: o.clientIds ?? ['sts.amazonaws.com'],
      ThumbprintList: o.thumbprints,
    }),
  );
  const providerArn = OpenIDConnectProviderArn as string;
  const hostPath = issuer.replace(/^https:\/\//, '');
  const { Role } = await iam.send(
    new CreateRoleCommand({
      RoleName: o.roleName ?? 'test-pod-sa@default',
      AssumeRolePolicyDocument:
        o.policy ?? trustPolicy(providerArn, hostPath, o.sub ?? 'system:serviceaccount:default:test-pod-sa', o.aud),
    }),
  );
  iam.destroy();
  return { providerArn, roleArn: Role?.Arn as string };
}

import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

class Sha256 {
  private h;
  constructor(secret?: string | Uint8Array) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(d: string | Uint8Array) {
    this.h.update(d);
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
  reset() {}
}

/** A SigV4-signed query-protocol POST built by hand (for clock skew and other cases the SDKs would correct). */
export async function signedPost(
  endpoint: string,
  form: Record<string, string>,
  creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  o: { service?: string; date?: Date; region?: string } = {},
): Promise<{ status: number; body: string }> {
  const url = new URL(endpoint);
  const body = new URLSearchParams(form).toString();
  const signer = new SignatureV4({
    credentials: creds,
    region: o.region ?? 'us-east-1',
    service: o.service ?? 'iam',
    sha256: Sha256 as never,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      query: {},
      headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    },
    { signingDate: o.date ?? new Date() },
  );
  const res = await fetch(`${endpoint}/`, { method: 'POST', headers: signed.headers, body });
  return { status: res.status, body: await res.text() };
}
