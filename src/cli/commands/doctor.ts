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
  documentChecks,
  issuerSchemeCheck,
  type PublicTrustByUrl,
  providerCheck,
  tlsCheck,
} from '../../core/doctor/issuer-checks.js';
import { renderChecks, renderTrace, verdictLine } from '../../core/doctor/render.js';
import { kidCheck, tokenChecks, tokenFileCheck } from '../../core/doctor/token-checks.js';
import { awsErrorText, check, type DoctorCheck } from '../../core/doctor/types.js';
import { UsageError } from '../../core/errors.js';
import { MSG_REQUEST_ARN_INVALID } from '../../core/sts/aws-errors.js';
import type { AssumeRoleDecision, IssuerKeysResult, OidcProviderState, RoleState } from '../../core/sts/types.js';
import { decodeToken } from '../../core/tokens/decode.js';
import { inspectToken } from '../../core/tokens/inspect.js';
import { readInput, readInputSync } from '../../io/files.js';
import type { Context, Report } from '../context.js';

export interface DoctorOptions {
  tokenFile?: string;
  roleArn?: string;
  pod?: string;
  kubeconfig?: string;
  context?: string;
  trustCa?: string[];
}

const SESSION_NAME = 'irsa-doctor';

export async function doctor(opts: DoctorOptions, ctx: Context): Promise<Report> {
  const { pod } = opts;
  if (pod) return (await import('./doctor-pod.js')).doctorPod({ ...opts, pod }, ctx);
  const tokenFile = opts.tokenFile ?? process.env.AWS_WEB_IDENTITY_TOKEN_FILE;
  const roleArn = opts.roleArn ?? process.env.AWS_ROLE_ARN;
  if (!tokenFile) throw new UsageError('--token-file is required (or set AWS_WEB_IDENTITY_TOKEN_FILE)');
  if (!roleArn) throw new UsageError('--role-arn is required (or set AWS_ROLE_ARN)');
  const trustCa = (opts.trustCa ?? []).map((f) => readInputSync(f, 'CA file').toString('utf8'));
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const now = Math.floor(Date.now() / 1000);
  const checks: DoctorCheck[] = [];
  const finish = (decision?: AssumeRoleDecision) => report(ctx, { tokenFile, roleArn, checks, decision });

  // The token, as the SDK will send it: the file verbatim.
  const raw = (await readInput(tokenFile, 'token file')).toString('utf8');
  checks.push(tokenFileCheck(tokenFile, raw));
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    checks.push(...tokenChecks(inspectToken(raw, now), now));
    ({ header, payload: claims } = decodeToken(raw));
  } catch (e) {
    checks.push(
      check('token', 'Token shape and claims', 'fail', (e as Error).message, {
        fix: 'the file must hold the compact JWS the kubelet projects (header.payload.signature)',
      }),
    );
    return finish();
  }

  const role = parseRoleArn(roleArn);
  checks.push(
    role
      ? check('role-arn', 'Role ARN', 'pass', `role ${role.name} in account ${role.accountId} (${role.partition})`)
      : check('role-arn', 'Role ARN', 'fail', `${roleArn} is not arn:<partition>:iam::<12 digits>:role/<name>`, {
          awsError: awsErrorText({ code: 'ValidationError', message: MSG_REQUEST_ARN_INVALID }),
          fix: 'fix the eks.amazonaws.com/role-arn annotation or AWS_ROLE_ARN (a typo such as an extra ":")',
        }),
  );
  const iss = claims.iss;
  const issuerCheck = issuerSchemeCheck(iss);
  checks.push(issuerCheck);
  if (issuerCheck.status === 'fail' || typeof iss !== 'string' || !role) return finish();

  // Real requests: the IAM API and the issuer's documents, side by side.
  const [{ IamExecutor }, { OidcKeyFetcher }] = await Promise.all([
    import('../../io/aws/iam-executor.js'),
    import('../../io/oidc/fetcher.js'),
  ]);
  const iam = new IamExecutor({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? iamRegion(role.partition),
  });
  const fetcher = new OidcKeyFetcher({ trustCa });
  try {
    const [listed, fetched, caller] = await Promise.all([
      iam.listOidcProviders().then(
        (v) => ({ ok: true as const, v }),
        (e: Error) => ({ ok: false as const, e }),
      ),
      fetcher.getKeys(iss),
      callerAccount(iam.client.config.region),
    ]);
    const observations = fetched.ok ? (fetched.tls ?? []) : [];
    // IAM is read with doctor's own credentials: if they belong to another account, every IAM fact below is about
    // the wrong account (and a provider in another account is itself a classic "No OpenIDConnect provider found").
    if (caller && caller !== role.accountId) {
      checks.push(
        check(
          'iam-account',
          'IAM account',
          'warn',
          `doctor's credentials are for account ${caller}, the role is in ${role.accountId}: the IAM checks read account ${caller}`,
          {
            fix: `run doctor with credentials of account ${role.accountId}; the provider must be in the role's account`,
          },
        ),
      );
    }

    let provider: OidcProviderState | undefined;
    if (!listed.ok) {
      checks.push(
        check('iam-provider', 'IAM OIDC provider', 'fail', `cannot read IAM: ${listed.e.message}`, {
          fix:
            'run doctor with credentials allowed iam:ListOpenIDConnectProviders, iam:GetOpenIDConnectProvider and ' +
            'iam:GetRole (AWS_ENDPOINT_URL_IAM points it at a sandbox)',
        }),
      );
    } else {
      checks.push(providerCheck(iss, listed.v, observations.at(-1)?.thumbprint));
      const exact = listed.v.find((p) => p.url === iss);
      provider = exact ? await iam.getOidcProvider(exact.arn) : undefined;
    }

    checks.push(...documentChecks(iss, fetched));
    // AWS's CA library stand-in: Node's bundled roots only, per fetched URL.
    const { publicTrust } = await import('../../io/doctor/public-trust.js');
    const pub: PublicTrustByUrl = {};
    await Promise.all(observations.map(async (o) => (pub[o.url] = await publicTrust(o.url))));
    const publicUrls = new Set(observations.filter((o) => pub[o.url]?.authorized).map((o) => o.url));
    if (fetched.ok) {
      checks.push(tlsCheck(observations, pub));
      checks.push(kidCheck(header.kid, fetched.jwks.keys, String(fetched.discovery.jwks_uri)));
    }
    if (provider) {
      checks.push(audienceCheck(claims.aud, provider));
      if (fetched.ok) checks.push(thumbprintCheck(observations, provider, publicUrls));
    }

    let roleState: RoleState | undefined;
    if (listed.ok) {
      const current = await iam.getRole(role.name);
      roleState =
        current && current.arn === roleArn
          ? {
              arn: current.arn,
              name: current.name,
              path: current.path,
              roleId: current.roleId ?? '',
              assumeRolePolicyDocument: current.assumeRolePolicyDocument,
              maxSessionDuration: current.maxSessionDuration,
            }
          : undefined;
      checks.push(roleCheck(roleArn, roleState));
      if (roleState && provider) checks.push(trustPolicyCheck(roleState, provider, claims));
    }

    if (!listed.ok) return finish();
    // The verdict: the sandbox's own core, on this account's IAM state and the same (now cached) fetcher.
    const { decideAssumeRoleWithWebIdentity } = await import('../../core/sts/decide.js');
    const decision = await decideAssumeRoleWithWebIdentity(
      { roleArn, roleSessionName: SESSION_NAME, webIdentityToken: raw },
      {
        iam: staticIamView({
          accountId: role.accountId,
          partition: role.partition,
          providers: provider ? [provider] : [],
          roles: roleState ? [roleState] : [],
        }),
        keys: fetcher,
        now,
      },
    );
    addSignatureCheck(checks, decision, fetched);
    return finish(decision);
  } finally {
    iam.destroy();
  }
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
