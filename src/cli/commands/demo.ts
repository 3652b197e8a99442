/**
 * `irsa demo` (what `npm start` runs): the seed's whole story with nothing but Node, against a local sandbox that
 * validates tokens as AWS STS does. Each step mirrors a number of the seed's diagram. The pod is played by a child
 * process that gets ONLY the pod's environment (role ARN, token file, STS endpoint, region) and lets the AWS SDK's
 * own default credential chain do the rest — so a user's real AWS keys can never be what makes the demo pass.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
import { systemErrorWords } from '../../io/system-errors.js';
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

type Sandbox = Awaited<ReturnType<typeof import('../../sandbox/index.js').startSandbox>>;
type SigningKey = ReturnType<typeof generateSigningKey>;

/** The steps reported so far; a step that did not behave as expected ends the story (DemoStepFailed). */
class Story {
  readonly steps: DemoStep[] = [];
  readonly started = performance.now();
  constructor(private readonly ctx: Context) {}

  step(seed: string, title: string, ok: boolean, detail: string): void {
    const n = this.steps.length + 1;
    this.steps.push({ n, title, ok, detail, seed, atMs: this.elapsedMs() });
    if (this.ctx.output === 'text') {
      this.ctx.out(`${String(n).padStart(2)}. ${ok ? '✔' : '✘'} ${title}  [seed ${seed}]\n      ${detail}`);
    }
    if (!ok) throw new DemoStepFailed(title);
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.started);
  }
}

interface Identity {
  Account: string;
  Arn: string;
}

export async function demo(opts: DemoOptions, ctx: Context): Promise<Report> {
  const story = new Story(ctx);
  const dir = await mkdtemp(join(tmpdir(), 'irsa-demo-'));
  let identity: Identity | undefined;
  let sandbox: Sandbox | undefined;
  let failure: string | undefined;
  let sandboxReadyMs: number | undefined;
  try {
    sandbox = await startDemoSandbox(dir);
    sandboxReadyMs = story.elapsedMs();
    if (ctx.output === 'text') {
      ctx.out(
        `irsa demo: the seed's story on a local AWS sandbox (STS/IAM ${sandbox.endpoint}, issuer host ${sandbox.issuerUrlBase})\n`,
      );
    }
    identity = await playStory(story, sandbox, dir);
  } catch (e) {
    failure = e instanceof DemoStepFailed ? undefined : e instanceof IrsaError ? e.message : systemErrorWords(e);
    if (failure !== undefined && ctx.output === 'text') ctx.err(`irsa demo: ${failure}`);
  } finally {
    if (sandbox) await sandbox.close();
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
  }
  return demoReport(story, { identity, failure, sandboxReadyMs, dir: opts.keep ? dir : undefined });
}

async function startDemoSandbox(dir: string): Promise<Sandbox> {
  const { startSandbox } = await import('../../sandbox/index.js');
  return startSandbox({
    stateDir: join(dir, 'sandbox'),
    port: 0,
    issuerPort: 0,
    accountId: ACCOUNT_ID,
    region: REGION,
  });
}

/** The seed's diagram, step by step; the identity the pod got. */
async function playStory(story: Story, sb: Sandbox, dir: string): Promise<Identity | undefined> {
  const pair = await signingKeyStep(story, join(dir, 'cluster'));
  const { issuer, thumbprint } = await publishStep(story, sb, pair);
  const roleArn = await iamSteps(story, sb, issuer, thumbprint);
  const mint = async (serviceAccount: string, audience: string) =>
    (
      await mintToken({
        signingKey: pair.key,
        issuer,
        namespace: NAMESPACE,
        serviceAccount,
        audiences: [audience],
        expirationSeconds: 86400,
        pod: { name: 'test-pod', uid: randomUUID() },
      })
    ).token;
  // 2-3 — the pod is scheduled; the apiserver signs a token for its namespace and service account.
  const good = await mint(SERVICE_ACCOUNT, DEFAULT_AUDIENCE);
  story.step(
    '2, 3',
    'Token signed for the pod',
    true,
    `sub system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}, aud ${DEFAULT_AUDIENCE}, expires in 24h, kid ${pair.key.kid}`,
  );
  const pod = await mountStep(story, sb, roleArn, join(dir, 'pod'), good);
  // The two refusals users hit most need their own token files; all three "pods" run at once.
  const other = await pod.write('other-sa.token', await mint(OTHER_SERVICE_ACCOUNT, DEFAULT_AUDIENCE));
  const wrongAud = await pod.write('wrong-aud.token', await mint(SERVICE_ACCOUNT, WRONG_AUDIENCE));
  const [asPod, asOther, asWrongAud] = await Promise.all([pod.run(pod.tokenFile), pod.run(other), pod.run(wrongAud)]);
  const identity = sdkChainStep(story, sb, asPod);
  refusalStep(
    story,
    asOther,
    'AccessDenied',
    MSG_NOT_AUTHORIZED,
    `Refusal: token of another service account (system:serviceaccount:${NAMESPACE}:${OTHER_SERVICE_ACCOUNT})`,
  );
  refusalStep(
    story,
    asWrongAud,
    'InvalidIdentityToken',
    MSG_INCORRECT_AUDIENCE,
    `Refusal: token with the wrong audience (${WRONG_AUDIENCE})`,
  );
  return identity;
}

/** 1 — the cluster's service-account signing key. */
async function signingKeyStep(story: Story, clusterDir: string): Promise<SigningKey> {
  const pair = generateSigningKey({ type: 'rsa', bits: 2048 });
  await writeFileAtomic(join(clusterDir, 'sa.key'), pair.privatePem, { mode: 0o600 });
  await writeFileAtomic(join(clusterDir, 'sa.pub'), pair.publicPem);
  story.step(
    '1',
    'Cluster signing key',
    true,
    `RSA 2048, kid ${pair.key.kid} (sa.key for the apiserver, sa.pub published)`,
  );
  return pair;
}

/**
 * 1/6 — Service Account Issuer Discovery, published where STS will fetch it, and fetched back by the fetcher the
 * sandbox's STS uses: the documents are served, and served right. The thumbprint is that of the chain the issuer
 * host actually served.
 */
async function publishStep(
  story: Story,
  sb: Sandbox,
  pair: SigningKey,
): Promise<{ issuer: string; thumbprint: string }> {
  const issuer = `${sb.issuerUrlBase.replace(/\/$/, '')}/demo-cluster`;
  const jwksUri = `${issuer}/openid/v1/jwks`;
  const jwks = buildJwks([pair.key]);
  const discovery = buildDiscovery(issuer, jwksUri, jwks);
  const issuerDir = join(sb.stateDir, 'issuer', 'demo-cluster');
  await writeFileAtomic(join(issuerDir, '.well-known', 'openid-configuration'), serializeDiscovery(discovery));
  await writeFileAtomic(join(issuerDir, 'openid', 'v1', 'jwks'), serializeJwks(jwks));
  const { OidcKeyFetcher } = await import('../../io/oidc/fetcher.js');
  // No --trust-ca, as the sandbox's STS has none: this fetch sees the chain, and the thumbprint, that STS will.
  const fetched = await new OidcKeyFetcher().getKeys(issuer);
  const same =
    fetched.ok &&
    JSON.stringify(fetched.discovery) === JSON.stringify(discovery) &&
    fetched.jwks.keys.some((k) => k.kid === pair.key.kid);
  story.step(
    '1, 6',
    'Issuer discovery published',
    same,
    fetched.ok
      ? `${issuer}/.well-known/openid-configuration -> HTTP 200, ${same ? 'the document written' : 'content differs'}; JWKS at ${jwksUri}`
      : `${issuer}: ${fetched.reason} (${fetched.detail ?? ''})`,
  );
  return { issuer, thumbprint: fetched.ok ? (fetched.tls?.[0]?.thumbprint ?? '') : '' };
}

/** 5/6 and 7 — the IAM OIDC identity provider and the role trusting exactly this service account. */
async function iamSteps(story: Story, sb: Sandbox, issuer: string, thumbprint: string): Promise<string> {
  const { IamExecutor } = await import('../../io/aws/iam-executor.js');
  const iam = new IamExecutor({
    endpoint: sb.endpoint,
    region: sb.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    const provider = await iam.ensureOidcProvider({
      url: issuer,
      clientIds: [DEFAULT_AUDIENCE],
      thumbprints: [thumbprint],
    });
    story.step(
      '5, 6',
      'IAM OIDC identity provider',
      provider.arn === oidcProviderArn(partitionForRegion(sb.region), sb.accountId, issuer),
      `${provider.arn} (client ID ${DEFAULT_AUDIENCE}, thumbprint ${thumbprint} of the served chain's top certificate)`,
    );
    const roleName = defaultRoleName(NAMESPACE, SERVICE_ACCOUNT);
    const trustPolicy = buildTrustPolicy({
      providerArn: provider.arn,
      providerUrl: issuer,
      namespace: NAMESPACE,
      serviceAccount: SERVICE_ACCOUNT,
    });
    const role = await iam.ensureRole({ name: roleName, trustPolicy, managedPolicyArns: [POLICY_ARN] });
    story.step(
      '7',
      `IAM role ${roleName}`,
      role.arn.endsWith(`:role/${roleName}`),
      `${role.arn} trusts only sub system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT} with aud ${DEFAULT_AUDIENCE}; ${POLICY_ARN} attached`,
    );
    return role.arn;
  } finally {
    iam.destroy();
  }
}

interface DemoPod {
  tokenFile: string;
  write(name: string, token: string): Promise<string>;
  run(tokenFile: string): Promise<PodRun>;
}

/** 4 — projected into the pod; the ConfigMap tells the SDK where it is and which role to assume. */
async function mountStep(story: Story, sb: Sandbox, roleArn: string, podDir: string, token: string): Promise<DemoPod> {
  const tokenFile = join(podDir, TOKEN_PATH);
  await writeFileAtomic(tokenFile, token, { mode: 0o600 });
  const emptyFile = join(podDir, 'empty');
  await writeFile(emptyFile, '');
  const podEnv = {
    AWS_ROLE_ARN: roleArn,
    AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    AWS_REGION: sb.region,
    AWS_DEFAULT_REGION: sb.region,
    AWS_ENDPOINT_URL_STS: sb.endpoint,
  };
  story.step(
    '4',
    'Token mounted into the pod',
    true,
    `${tokenFile}; env AWS_ROLE_ARN=${roleArn} AWS_WEB_IDENTITY_TOKEN_FILE=<that file> AWS_REGION=${sb.region} AWS_ENDPOINT_URL_STS=${sb.endpoint}`,
  );
  const home = join(podDir, 'home');
  return {
    tokenFile,
    write: async (name, t) => {
      const file = join(podDir, name);
      await writeFileAtomic(file, t, { mode: 0o600 });
      return file;
    },
    run: (file) => runWhoamiAsPod({ ...podEnv, AWS_WEB_IDENTITY_TOKEN_FILE: file }, { emptyFile, home }),
  };
}

/**
 * 5-9 — the SDK's default chain: AssumeRoleWithWebIdentity (STS fetches discovery + JWKS over HTTPS), then
 * GetCallerIdentity signed with the short-lived credentials.
 */
function sdkChainStep(story: Story, sb: Sandbox, asPod: PodRun): Identity | undefined {
  const partition = partitionForRegion(sb.region);
  const expectedArnPrefix = `arn:${partition}:sts::${sb.accountId}:assumed-role/${defaultRoleName(NAMESPACE, SERVICE_ACCOUNT)}/`;
  const data = asPod.data;
  const identity = asPod.ok && data ? { Account: String(data.Account), Arn: String(data.Arn) } : undefined;
  story.step(
    '5-9',
    'AWS SDK default chain: credentials and GetCallerIdentity',
    identity?.Account === sb.accountId && identity.Arn.startsWith(expectedArnPrefix),
    asPod.ok
      ? `Account ${data?.Account}, Arn ${data?.Arn}${data?.expiration ? `, credentials expire ${data.expiration}` : ''}`
      : `the pod got: ${asPod.error}`,
  );
  return identity;
}

function refusalStep(story: Story, got: PodRun, code: string, message: string, why: string): void {
  story.step(
    '5, 7',
    why,
    !got.ok && got.error === `${code}: ${message}`,
    got.ok ? `UNEXPECTED SUCCESS as ${got.data?.Arn}` : `refused as AWS refuses it: ${got.error}`,
  );
}

function demoReport(
  story: Story,
  r: { identity?: Identity; failure?: string; sandboxReadyMs?: number; dir?: string },
): Report {
  const { steps } = story;
  const ok = r.failure === undefined && steps.length === 9 && steps.every((s) => s.ok);
  const seconds = (story.elapsedMs() / 1000).toFixed(1);
  const summary = [
    '',
    ...(r.identity ? [`Account: ${r.identity.Account}`, `Arn:     ${r.identity.Arn}`, ''] : []),
    ok
      ? `All ${steps.length} steps behaved as expected in ${seconds} s.`
      : `The demo FAILED at step ${steps.length + (r.failure ? 1 : 0)}${r.failure ? ` (${r.failure})` : ''}.`,
    `Sandbox stopped; ${r.dir ? `files kept in ${r.dir}` : 'temporary directory removed'}.`,
  ];
  return {
    ok,
    data: {
      steps,
      identity: r.identity ?? null,
      elapsedMs: story.elapsedMs(),
      sandboxReadyMs: r.sandboxReadyMs,
      ...(r.failure ? { error: r.failure } : {}),
      ...(r.dir ? { dir: r.dir } : {}),
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
