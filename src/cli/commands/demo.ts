/**
 * `irsa demo` (what `npm start` runs): the seed's whole story with nothing but Node, against a local sandbox that
 * validates tokens as AWS STS does. Each step mirrors a number of the seed's diagram. The pod is played by a child
 * process that gets ONLY the pod's environment (role ARN, token file, STS endpoint, region) and lets the AWS SDK's
 * own default credential chain do the rest — so a user's real AWS keys can never be what makes the demo pass.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRoleName, oidcProviderArn, partitionForRegion } from '../../core/aws/arn.js';
import { buildTrustPolicy } from '../../core/aws/trust-policy-builder.js';
import { DEFAULT_AUDIENCE } from '../../core/defaults.js';
import { E, IrsaError } from '../../core/errors.js';
import { buildDiscovery, serializeDiscovery } from '../../core/issuer/discovery.js';
import { buildJwks, serializeJwks } from '../../core/issuer/jwks.js';
import { generateSigningKey } from '../../core/keys/generate.js';
import { MSG_INCORRECT_AUDIENCE, MSG_NOT_AUTHORIZED } from '../../core/sts/aws-errors.js';
import { mintToken } from '../../core/tokens/mint.js';
import { writeFileAtomic } from '../../io/files.js';
import type { Context, Report } from '../context.js';

export interface DemoOptions {
  keep?: boolean;
}

export interface DemoStep {
  n: number;
  title: string;
  ok: boolean;
  detail: string;
  /** The numbers of the seed's diagram this step plays. */
  seed: string;
  /** Milliseconds since the demo started, when the step completed. */
  atMs: number;
}

const NAMESPACE = 'default';
const SERVICE_ACCOUNT = 'test-pod-sa';
const OTHER_SERVICE_ACCOUNT = 'other-sa';
/** The seed's account and region (its ConfigMap: ap-southeast-2, arn:aws:iam::111111111111:role/test-pod-sa@default). */
const ACCOUNT_ID = '111111111111';
const REGION = 'ap-southeast-2';
/** The seed's `--api-audiences` sample: what a token for the cluster API (not for AWS) carries. */
const WRONG_AUDIENCE = 'kubernetes.svc.default';
const POLICY_ARN = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const TOKEN_PATH = 'var/run/secrets/eks.amazonaws.com/serviceaccount/token';

export async function demo(opts: DemoOptions, ctx: Context): Promise<Report> {
  const started = performance.now();
  const steps: DemoStep[] = [];
  const text = ctx.output === 'text';
  const dir = await mkdtemp(join(tmpdir(), 'irsa-demo-'));
  let identity: { Account: string; Arn: string } | undefined;
  let sandbox: { close(): Promise<void> } | undefined;
  let failure: string | undefined;
  let sandboxReadyMs: number | undefined;

  const step = (seed: string, title: string, ok: boolean, detail: string) => {
    const s: DemoStep = { n: steps.length + 1, title, ok, detail, seed, atMs: Math.round(performance.now() - started) };
    steps.push(s);
    if (text) ctx.out(`${String(s.n).padStart(2)}. ${ok ? '✔' : '✘'} ${title}  [seed ${seed}]\n      ${detail}`);
    if (!ok) throw new DemoStepFailed(title);
  };

  // The SDK's Node-version notice says nothing about the demo; keep the output to the story.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    const { startSandbox } = await import('../../sandbox/index.js');
    const sb = await startSandbox({
      stateDir: join(dir, 'sandbox'),
      port: 0,
      issuerPort: 0,
      accountId: ACCOUNT_ID,
      region: REGION,
    });
    sandbox = sb;
    sandboxReadyMs = Math.round(performance.now() - started);
    const partition = partitionForRegion(sb.region);
    if (text) {
      ctx.out(
        `irsa demo: the seed's story on a local AWS sandbox (STS/IAM ${sb.endpoint}, issuer host ${sb.issuerUrlBase})\n`,
      );
    }

    // 1 — the cluster's service-account signing key.
    const pair = generateSigningKey({ type: 'rsa', bits: 2048 });
    const clusterDir = join(dir, 'cluster');
    await writeFileAtomic(join(clusterDir, 'sa.key'), pair.privatePem, { mode: 0o600 });
    await writeFileAtomic(join(clusterDir, 'sa.pub'), pair.publicPem);
    step(
      '1',
      'Cluster signing key',
      true,
      `RSA 2048, kid ${pair.key.kid} (sa.key for the apiserver, sa.pub published)`,
    );

    // 1/6 — Service Account Issuer Discovery, published where STS will fetch it.
    const issuer = `${sb.issuerUrlBase.replace(/\/$/, '')}/demo-cluster`;
    const jwksUri = `${issuer}/openid/v1/jwks`;
    const jwks = buildJwks([pair.key]);
    const discovery = serializeDiscovery(buildDiscovery(issuer, jwksUri, jwks));
    const issuerDir = join(sb.stateDir, 'issuer', 'demo-cluster');
    await writeFileAtomic(join(issuerDir, '.well-known', 'openid-configuration'), discovery);
    await writeFileAtomic(join(issuerDir, 'openid', 'v1', 'jwks'), serializeJwks(jwks));
    const served = await httpsGet(`${issuer}/.well-known/openid-configuration`, sb.caPem);
    step(
      '1, 6',
      'Issuer discovery published',
      served.status === 200 && served.body === discovery,
      `${issuer}/.well-known/openid-configuration -> HTTP ${served.status}${served.body === discovery ? ', byte-identical' : ', content differs'}; JWKS at ${jwksUri}`,
    );

    // 5/6 — the IAM OIDC identity provider, thumbprint taken from the chain the issuer host actually serves.
    const { OidcKeyFetcher } = await import('../../io/oidc/fetcher.js');
    const { thumbprint } = await new OidcKeyFetcher().probe(issuer);
    const { IamExecutor } = await import('../../io/aws/iam-executor.js');
    const iam = new IamExecutor({
      endpoint: sb.endpoint,
      region: sb.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    let roleArn: string;
    try {
      const provider = await iam.ensureOidcProvider({
        url: issuer,
        clientIds: [DEFAULT_AUDIENCE],
        thumbprints: [thumbprint],
      });
      const expectedArn = oidcProviderArn(partition, sb.accountId, issuer);
      step(
        '5, 6',
        'IAM OIDC identity provider',
        provider.arn === expectedArn,
        `${provider.arn} (client ID ${DEFAULT_AUDIENCE}, thumbprint ${thumbprint} of the served chain's top certificate)`,
      );

      // 7 — the role, trusting exactly this service account with this audience.
      const roleName = defaultRoleName(NAMESPACE, SERVICE_ACCOUNT);
      const trust = buildTrustPolicy({
        providerArn: provider.arn,
        providerUrl: issuer,
        namespace: NAMESPACE,
        serviceAccount: SERVICE_ACCOUNT,
      });
      const role = await iam.ensureRole({ name: roleName, trustPolicy: trust, managedPolicyArns: [POLICY_ARN] });
      roleArn = role.arn;
      step(
        '7',
        `IAM role ${roleName}`,
        role.arn.endsWith(`:role/${roleName}`),
        `${role.arn} trusts only sub system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT} with aud ${DEFAULT_AUDIENCE}; ${POLICY_ARN} attached`,
      );
    } finally {
      iam.destroy();
    }

    // 2-3 — the pod is scheduled; the apiserver signs a token for its namespace and service account.
    const mint = (serviceAccount: string, audience: string) =>
      mintToken({
        signingKey: pair.key,
        issuer,
        namespace: NAMESPACE,
        serviceAccount,
        audiences: [audience],
        expirationSeconds: 86400,
        pod: { name: 'test-pod', uid: randomUUID() },
      });
    const good = await mint(SERVICE_ACCOUNT, DEFAULT_AUDIENCE);
    step(
      '2, 3',
      'Token signed for the pod',
      true,
      `sub system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}, aud ${DEFAULT_AUDIENCE}, expires in 24h, kid ${pair.key.kid}`,
    );

    // 4 — projected into the pod; the ConfigMap tells the SDK where it is and which role to assume.
    const podDir = join(dir, 'pod');
    const tokenFile = join(podDir, TOKEN_PATH);
    await writeFileAtomic(tokenFile, good.token, { mode: 0o600 });
    const emptyFile = join(podDir, 'empty');
    await writeFile(emptyFile, '');
    const podEnv = {
      AWS_ROLE_ARN: roleArn,
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_REGION: sb.region,
      AWS_DEFAULT_REGION: sb.region,
      AWS_ENDPOINT_URL_STS: sb.endpoint,
    };
    step(
      '4',
      'Token mounted into the pod',
      true,
      `${tokenFile}; env AWS_ROLE_ARN=${roleArn} AWS_WEB_IDENTITY_TOKEN_FILE=<that file> AWS_REGION=${sb.region} AWS_ENDPOINT_URL_STS=${sb.endpoint}`,
    );

    // The two refusals users hit most need their own token files; all three "pods" run at once.
    const otherFile = join(podDir, 'other-sa.token');
    await writeFileAtomic(otherFile, (await mint(OTHER_SERVICE_ACCOUNT, DEFAULT_AUDIENCE)).token, { mode: 0o600 });
    const wrongAudFile = join(podDir, 'wrong-aud.token');
    await writeFileAtomic(wrongAudFile, (await mint(SERVICE_ACCOUNT, WRONG_AUDIENCE)).token, { mode: 0o600 });
    const home = join(podDir, 'home');
    const runPod = (file: string) =>
      runWhoamiAsPod({ ...podEnv, AWS_WEB_IDENTITY_TOKEN_FILE: file }, { emptyFile, home });
    const [asPod, asOther, asWrongAud] = await Promise.all([
      runPod(tokenFile),
      runPod(otherFile),
      runPod(wrongAudFile),
    ]);

    // 5-9 — the SDK's default chain: AssumeRoleWithWebIdentity (STS fetches discovery + JWKS over HTTPS), then
    // GetCallerIdentity signed with the short-lived credentials.
    const expectedArnPrefix = `arn:${partition}:sts::${sb.accountId}:assumed-role/${defaultRoleName(NAMESPACE, SERVICE_ACCOUNT)}/`;
    const okIdentity =
      asPod.ok && asPod.data?.Account === sb.accountId && String(asPod.data?.Arn).startsWith(expectedArnPrefix);
    if (asPod.ok && asPod.data) identity = { Account: String(asPod.data.Account), Arn: String(asPod.data.Arn) };
    step(
      '5-9',
      'AWS SDK default chain: credentials and GetCallerIdentity',
      okIdentity,
      asPod.ok
        ? `Account ${asPod.data?.Account}, Arn ${asPod.data?.Arn}${asPod.data?.expiration ? `, credentials expire ${asPod.data.expiration}` : ''}`
        : `the pod got: ${asPod.error}`,
    );

    const expectRefusal = (got: PodRun, code: string, message: string, why: string) =>
      step(
        '5, 7',
        why,
        !got.ok && got.error === `${code}: ${message}`,
        got.ok ? `UNEXPECTED SUCCESS as ${got.data?.Arn}` : `refused as AWS refuses it: ${got.error}`,
      );
    expectRefusal(
      asOther,
      'AccessDenied',
      MSG_NOT_AUTHORIZED,
      `Refusal: token of another service account (system:serviceaccount:${NAMESPACE}:${OTHER_SERVICE_ACCOUNT})`,
    );
    expectRefusal(
      asWrongAud,
      'InvalidIdentityToken',
      MSG_INCORRECT_AUDIENCE,
      `Refusal: token with the wrong audience (${WRONG_AUDIENCE})`,
    );
  } catch (e) {
    failure = e instanceof DemoStepFailed ? undefined : e instanceof Error ? e.message : String(e);
    if (failure !== undefined && text) ctx.err(`irsa demo: ${failure}`);
  } finally {
    if (sandbox) await sandbox.close();
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
  }

  const ok = failure === undefined && steps.length === 9 && steps.every((s) => s.ok);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const summary = [
    '',
    ...(identity ? [`Account: ${identity.Account}`, `Arn:     ${identity.Arn}`, ''] : []),
    ok
      ? `All ${steps.length} steps behaved as expected in ${seconds} s.`
      : `The demo FAILED at step ${steps.length + (failure ? 1 : 0)}${failure ? ` (${failure})` : ''}.`,
    `Sandbox stopped; ${opts.keep ? `files kept in ${dir}` : 'temporary directory removed'}.`,
  ];
  return {
    ok,
    data: {
      steps,
      identity: identity ?? null,
      elapsedMs: Math.round(performance.now() - started),
      sandboxReadyMs,
      ...(failure ? { error: failure } : {}),
      ...(opts.keep ? { dir } : {}),
    },
    text: summary.join('\n'),
  };
}

/** A demo step whose outcome was not the expected one (already reported on its own line). */
class DemoStepFailed extends IrsaError {
  constructor(title: string) {
    super(E.ERR_DEMO_STEP, title);
    this.name = 'DemoStepFailed';
  }
}

interface PodRun {
  ok: boolean;
  data?: Record<string, unknown>;
  /** `Code: message` as the SDK reported it. */
  error?: string;
}

/**
 * Runs `irsa whoami` as the pod would: every AWS_* variable of ours removed, the pod's set, shared config and
 * credentials files pointed at an empty file, HOME elsewhere, instance metadata off.
 */
function runWhoamiAsPod(podEnv: Record<string, string>, paths: { emptyFile: string; home: string }): Promise<PodRun> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  Object.assign(env, podEnv, {
    AWS_CONFIG_FILE: paths.emptyFile,
    AWS_SHARED_CREDENTIALS_FILE: paths.emptyFile,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    HOME: paths.home,
  });
  const cli = process.argv[1];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'whoami', '--output', 'json'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', () => {
      clearTimeout(timer);
      let parsed: { ok?: boolean; data?: Record<string, unknown>; error?: { message?: string } };
      try {
        parsed = JSON.parse(stdout);
      } catch {
        return reject(new IrsaError(E.ERR_DEMO_STEP, `the pod process printed no report: ${stderr.split('\n')[0]}`));
      }
      resolve(
        parsed.ok
          ? { ok: true, data: parsed.data }
          : { ok: false, error: parsed.error?.message ?? (stderr.split('\n')[0] || 'unknown error') },
      );
    });
  });
}

/** GET over HTTPS trusting only the sandbox's CA: proves the issuer documents are served, and served right. */
function httpsGet(url: string, caPem: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: caPem, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}
