/**
 * `irsa doctor --token-file F --role-arn ARN`: every link of the chain checked with real requests — the IAM API
 * (through the SDK, so AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL point it at the sandbox or anywhere) and the
 * issuer's HTTPS documents (through the very fetcher the sandbox's STS uses) — and then the verdict of THE SAME
 * validation core as the sandbox, with its trace. Each failure names the AWS error users would see and the fix.
 * With --pod, the cluster-side checks (doctor-pod.ts) run instead.
 */
import { parseRoleArn } from '../../core/aws/arn.js';
import { audienceCheck, roleCheck, thumbprintCheck, trustPolicyCheck } from '../../core/doctor/iam-checks.js';
import { staticIamView } from '../../core/doctor/iam-view.js';
import {
  type IssuerFacts,
  issuerSchemeCheck,
  providerCheck,
  publiclyTrustedUrls,
  publishedIssuerChecks,
} from '../../core/doctor/issuer-checks.js';
import { renderChecks, renderTrace, verdictLine } from '../../core/doctor/render.js';
import { kidCheck, tokenChecks, tokenFileCheck } from '../../core/doctor/token-checks.js';
import { awsErrorText, check, type DoctorCheck } from '../../core/doctor/types.js';
import { IrsaError, UsageError } from '../../core/errors.js';
import { MSG_REQUEST_ARN_INVALID } from '../../core/sts/aws-errors.js';
import type { AssumeRoleDecision, IssuerKeysResult, OidcProviderState, RoleState } from '../../core/sts/types.js';
import { decodeToken } from '../../core/tokens/decode.js';
import { inspectToken } from '../../core/tokens/inspect.js';
import { readInput } from '../../io/files.js';
import type { Context, Report } from '../context.js';
import { readTrustCa } from '../trust-ca.js';

export interface DoctorOptions {
  tokenFile?: string;
  roleArn?: string;
  pod?: string;
  kubeconfig?: string;
  context?: string;
  trustCa?: string[];
}

const SESSION_NAME = 'irsa-doctor';

type IamExecutor = import('../../io/aws/iam-executor.js').IamExecutor;
type OidcKeyFetcher = import('../../io/oidc/fetcher.js').OidcKeyFetcher;
type Listed = { ok: true; v: { arn: string; url: string }[] } | { ok: false; e: Error };

/** What the token file told: the raw text (as the SDK sends it) and its decoded header and claims. */
interface TokenFacts {
  raw: string;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

interface RemoteInputs {
  roleArn: string;
  role: NonNullable<ReturnType<typeof parseRoleArn>>;
  iss: string;
  token: TokenFacts;
  trustCa: string[];
  now: number;
}

export async function doctor(opts: DoctorOptions, ctx: Context): Promise<Report> {
  // --trust-ca counts for both modes: the issuer is fetched by the same fetcher either way.
  const trustCa = readTrustCa(opts.trustCa);
  const { pod } = opts;
  if (pod) return (await import('./doctor-pod.js')).doctorPod({ ...opts, pod, trustCa }, ctx);
  const tokenFile = opts.tokenFile ?? process.env.AWS_WEB_IDENTITY_TOKEN_FILE;
  const roleArn = opts.roleArn ?? process.env.AWS_ROLE_ARN;
  if (!tokenFile) throw new UsageError('--token-file is required (or set AWS_WEB_IDENTITY_TOKEN_FILE)');
  if (!roleArn) throw new UsageError('--role-arn is required (or set AWS_ROLE_ARN)');

  const now = Math.floor(Date.now() / 1000);
  const checks: DoctorCheck[] = [];
  const finish = (decision?: AssumeRoleDecision) => report(ctx, { tokenFile, roleArn, checks, decision });
  const token = await tokenStep(tokenFile, now, checks);
  if (!token) return finish();
  const role = parseRoleArn(roleArn);
  checks.push(roleArnCheck(roleArn, role));
  const iss = token.claims.iss;
  const issuerCheck = issuerSchemeCheck(iss);
  checks.push(issuerCheck);
  if (issuerCheck.status === 'fail' || typeof iss !== 'string' || !role) return finish();
  return finish(await remoteSteps({ roleArn, role, iss, token, trustCa, now }, checks));
}

/** The token, as the SDK will send it: the file verbatim; undefined when it cannot be decoded. */
async function tokenStep(tokenFile: string, now: number, checks: DoctorCheck[]): Promise<TokenFacts | undefined> {
  const raw = (await readInput(tokenFile, 'token file')).toString('utf8');
  checks.push(tokenFileCheck(tokenFile, raw));
  try {
    checks.push(...tokenChecks(inspectToken(raw, now), now));
    const { header, payload } = decodeToken(raw);
    return { raw, header, claims: payload };
  } catch (e) {
    if (!(e instanceof IrsaError)) throw e;
    checks.push(
      check('token', 'Token shape and claims', 'fail', e.message, {
        fix: 'the file must hold the compact JWS the kubelet projects (header.payload.signature)',
      }),
    );
    return undefined;
  }
}

function roleArnCheck(roleArn: string, role: ReturnType<typeof parseRoleArn>): DoctorCheck {
  return role
    ? check('role-arn', 'Role ARN', 'pass', `role ${role.name} in account ${role.accountId} (${role.partition})`)
    : check('role-arn', 'Role ARN', 'fail', `${roleArn} is not arn:<partition>:iam::<12 digits>:role/<name>`, {
        awsError: awsErrorText({ code: 'ValidationError', message: MSG_REQUEST_ARN_INVALID }),
        fix: 'fix the eks.amazonaws.com/role-arn annotation or AWS_ROLE_ARN (a typo such as an extra ":")',
      });
}

/** Real requests: the IAM API and the issuer's documents, side by side; then the STS core's verdict. */
async function remoteSteps(r: RemoteInputs, checks: DoctorCheck[]): Promise<AssumeRoleDecision | undefined> {
  const [{ IamExecutor }, { OidcKeyFetcher }, { fetchIssuerFacts }] = await Promise.all([
    import('../../io/aws/iam-executor.js'),
    import('../../io/oidc/fetcher.js'),
    import('../../io/doctor/issuer-facts.js'),
  ]);
  const iam = new IamExecutor({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? iamRegion(r.role.partition),
  });
  const fetcher = new OidcKeyFetcher({ trustCa: r.trustCa });
  try {
    const [listed, facts, caller] = await Promise.all([
      iam.listOidcProviders().then(
        (v): Listed => ({ ok: true, v }),
        (e: Error): Listed => ({ ok: false, e }),
      ),
      fetchIssuerFacts(fetcher, r.iss),
      callerAccount(iam.client.config.region),
    ]);
    const account = accountCheck(caller, r.role.accountId);
    if (account) checks.push(account);
    const provider = await providerStep(iam, listed, r.iss, facts, checks);
    checks.push(...publishedIssuerChecks(r.iss, facts));
    const { fetched } = facts;
    if (fetched.ok) checks.push(kidCheck(r.token.header.kid, fetched.jwks.keys, String(fetched.discovery.jwks_uri)));
    if (provider) {
      checks.push(audienceCheck(r.token.claims.aud, provider));
      if (fetched.ok) checks.push(thumbprintCheck(fetched.tls ?? [], provider, publiclyTrustedUrls(facts)));
    }
    if (!listed.ok) return undefined;
    const roleState = await roleStep(iam, r, provider, checks);
    const decision = await verdict(r, fetcher, provider, roleState);
    addSignatureCheck(checks, decision, fetched);
    return decision;
  } finally {
    iam.destroy();
  }
}

/**
 * IAM is read with doctor's own credentials: if they belong to another account, every IAM fact is about the wrong
 * account (and a provider in another account is itself a classic "No OpenIDConnect provider found").
 */
function accountCheck(caller: string | undefined, accountId: string): DoctorCheck | undefined {
  if (!caller || caller === accountId) return undefined;
  return check(
    'iam-account',
    'IAM account',
    'warn',
    `doctor's credentials are for account ${caller}, the role is in ${accountId}: the IAM checks read account ${caller}`,
    { fix: `run doctor with credentials of account ${accountId}; the provider must be in the role's account` },
  );
}

/** The IAM OIDC provider byte-equal to iss, when IAM could be read and has one. */
async function providerStep(
  iam: IamExecutor,
  listed: Listed,
  iss: string,
  facts: IssuerFacts,
  checks: DoctorCheck[],
): Promise<OidcProviderState | undefined> {
  if (!listed.ok) {
    checks.push(
      check('iam-provider', 'IAM OIDC provider', 'fail', `cannot read IAM: ${listed.e.message}`, {
        fix:
          'run doctor with credentials allowed iam:ListOpenIDConnectProviders, iam:GetOpenIDConnectProvider and ' +
          'iam:GetRole (AWS_ENDPOINT_URL_IAM points it at a sandbox)',
      }),
    );
    return undefined;
  }
  const served = facts.fetched.ok ? facts.fetched.tls?.at(-1)?.thumbprint : undefined;
  checks.push(providerCheck(iss, listed.v, served));
  const exact = listed.v.find((p) => p.url === iss);
  return exact ? await iam.getOidcProvider(exact.arn) : undefined;
}

/** The role as IAM has it, and whether its trust policy admits this token. */
async function roleStep(
  iam: IamExecutor,
  r: RemoteInputs,
  provider: OidcProviderState | undefined,
  checks: DoctorCheck[],
): Promise<RoleState | undefined> {
  const current = await iam.getRole(r.role.name);
  const roleState: RoleState | undefined =
    current && current.arn === r.roleArn
      ? {
          arn: current.arn,
          name: current.name,
          path: current.path,
          roleId: current.roleId ?? '',
          assumeRolePolicyDocument: current.assumeRolePolicyDocument,
          maxSessionDuration: current.maxSessionDuration,
        }
      : undefined;
  checks.push(roleCheck(r.roleArn, roleState));
  if (roleState && provider) checks.push(trustPolicyCheck(roleState, provider, r.token.claims));
  return roleState;
}

/** The verdict: the sandbox's own core, on this account's IAM state and the same (now cached) fetcher. */
async function verdict(
  r: RemoteInputs,
  fetcher: OidcKeyFetcher,
  provider: OidcProviderState | undefined,
  roleState: RoleState | undefined,
): Promise<AssumeRoleDecision> {
  const { decideAssumeRoleWithWebIdentity } = await import('../../core/sts/decide.js');
  return decideAssumeRoleWithWebIdentity(
    { roleArn: r.roleArn, roleSessionName: SESSION_NAME, webIdentityToken: r.token.raw },
    {
      iam: staticIamView({
        accountId: r.role.accountId,
        partition: r.role.partition,
        providers: provider ? [provider] : [],
        roles: roleState ? [roleState] : [],
      }),
      keys: fetcher,
      now: r.now,
    },
  );
}

/** The signature is verified by the STS core (one implementation); doctor reports what it found. */
function addSignatureCheck(checks: DoctorCheck[], decision: AssumeRoleDecision, fetched: IssuerKeysResult): void {
  const t = decision.trace.find((x) => x.id === 'signature');
  const at = checks.findIndex((c) => c.id === 'kid');
  let c: DoctorCheck;
  if (t) {
    c =
      t.status === 'pass'
        ? check('signature', 'Signature', 'pass', t.message)
        : check('signature', 'Signature', 'fail', t.message, {
            ...(!decision.ok ? { awsError: awsErrorText(decision.error) } : {}),
            fix: 'the token was signed by a key other than the published one with this kid: publish the public half of --service-account-signing-key-file',
          });
  } else {
    if (!fetched.ok) return;
    const stopped = decision.trace.find((x) => x.status === 'fail');
    c = check('signature', 'Signature', 'skip', `not reached (STS stops at ${stopped?.id ?? 'an earlier check'})`);
  }
  checks.splice(at === -1 ? checks.length : at + 1, 0, c);
}

function report(
  ctx: Context,
  r: { tokenFile: string; roleArn: string; checks: DoctorCheck[]; decision?: AssumeRoleDecision },
): Report {
  const { decision } = r;
  const checks = [...r.checks];
  if (decision) {
    checks.push(
      decision.ok
        ? check(
            'sts',
            'STS verdict',
            'pass',
            `AssumeRoleWithWebIdentity would return credentials for ${decision.assumedRoleArn}`,
          )
        : check(
            'sts',
            'STS verdict',
            'fail',
            `AssumeRoleWithWebIdentity would fail at "${decision.trace.find((t) => t.status === 'fail')?.id}"`,
            { awsError: awsErrorText(decision.error) },
          ),
    );
  } else {
    checks.push(check('sts', 'STS verdict', 'skip', 'not evaluated: an earlier link is missing'));
  }
  const failed = checks.filter((c) => c.status === 'fail');
  const warned = checks.filter((c) => c.status === 'warn');
  const ok = failed.length === 0;
  for (const w of warned) ctx.warnings.push(`${w.id}: ${w.message}`);
  const text = [
    `irsa doctor: token ${r.tokenFile}, role ${r.roleArn}`,
    '',
    renderChecks(checks),
    ...(decision
      ? ['', "STS validation trace (the sandbox's own core, on this account's IAM state):", renderTrace(decision.trace)]
      : []),
    '',
    verdictLine(checks),
  ].join('\n');
  return {
    ok,
    text,
    data: {
      tokenFile: r.tokenFile,
      roleArn: r.roleArn,
      checks,
      decision: decision
        ? decision.ok
          ? {
              ok: true,
              assumedRoleArn: decision.assumedRoleArn,
              subject: decision.subject,
              audience: decision.audience,
            }
          : { ok: false, error: awsErrorText(decision.error), code: decision.error.code, status: decision.error.status }
        : null,
      trace: decision?.trace ?? [],
    },
  };
}

/** The account of doctor's own credentials (undefined when STS cannot tell: then nothing is claimed). */
async function callerAccount(region: unknown): Promise<string | undefined> {
  try {
    const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const resolved = typeof region === 'function' ? await region() : region;
    const sts = new STSClient({ region: typeof resolved === 'string' ? resolved : 'us-east-1', maxAttempts: 1 });
    try {
      return (await sts.send(new GetCallerIdentityCommand({}))).Account;
    } finally {
      sts.destroy();
    }
  } catch {
    return undefined;
  }
}

function iamRegion(partition: string): string {
  return partition === 'aws-cn' ? 'cn-north-1' : partition === 'aws-us-gov' ? 'us-gov-west-1' : 'us-east-1';
}
