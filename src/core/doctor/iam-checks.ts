/**
 * The AWS side: audience against the provider's client IDs, thumbprints against the served chain, the role, and
 * its trust policy — evaluated by the same trust-policy evaluator the sandbox's STS uses, so the condition that
 * fails is named exactly.
 */
import { buildTrustPolicy } from '../aws/trust-policy-builder.js';
import { DEFAULT_AUDIENCE } from '../defaults.js';
import {
  accessDenied,
  invalidIdentityToken,
  MSG_INCORRECT_AUDIENCE,
  MSG_THUMBPRINT_MISMATCH,
} from '../sts/aws-errors.js';
import { evaluateTrustPolicy, webIdentityContext } from '../sts/trust-policy.js';
import type { OidcProviderState, RoleState, TlsObservation } from '../sts/types.js';
import { parseSubject } from '../tokens/claims.js';
import { awsErrorText, check, type DoctorCheck } from './types.js';

export function audienceCheck(aud: unknown, provider: OidcProviderState): DoctorCheck {
  const values = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a) => typeof a === 'string') : [];
  const match = values.find((a) => provider.clientIds.includes(a));
  if (match !== undefined) {
    return check('aud', 'Audience', 'pass', `aud ${match} is a client ID of the provider`);
  }
  const shown = values.length ? values.join(', ') : '(none)';
  return check(
    'aud',
    'Audience',
    'fail',
    `aud ${shown} is not among the provider's client IDs (${provider.clientIds.join(', ') || 'none'})`,
    {
      awsError: awsErrorText(invalidIdentityToken(MSG_INCORRECT_AUDIENCE)),
      fix:
        values.length && !values.includes(DEFAULT_AUDIENCE)
          ? "project the token with audience sts.amazonaws.com (serviceAccountToken.audience, or the webhook's " +
            'eks.amazonaws.com/audience annotation), or register this audience: aws iam ' +
            `add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${provider.arn} --client-id ${values[0]}`
          : `add the client ID: aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${provider.arn} --client-id sts.amazonaws.com`,
    },
  );
}

/**
 * Thumbprints matter only for chains AWS does not trust; then every served chain's top certificate must be
 * registered. `publicUrls` lists the fetched URLs whose chain Node's public roots alone verify.
 */
export function thumbprintCheck(
  observations: TlsObservation[],
  provider: OidcProviderState,
  publicUrls?: ReadonlySet<string>,
): DoctorCheck {
  const registered = new Set(provider.thumbprints.map((t) => t.toUpperCase()));
  const served = [...new Set(observations.map((o) => o.thumbprint).filter(Boolean))];
  if (observations.length === 0) return check('thumbprint', 'Thumbprint', 'skip', 'no chain observed');
  const isPublic = (o: TlsObservation) => (publicUrls ? publicUrls.has(o.url) : o.trusted);
  const consulted = observations.filter((o) => !isPublic(o));
  if (consulted.length === 0) {
    return check(
      'thumbprint',
      'Thumbprint',
      'pass',
      `not consulted: the chain is publicly trusted (served ${served.join(', ')}; registered ${[...registered].join(', ') || 'none'})`,
    );
  }
  const missing = [...new Set(consulted.filter((o) => !registered.has(o.thumbprint)).map((o) => o.thumbprint))];
  if (missing.length === 0) {
    return check(
      'thumbprint',
      'Thumbprint',
      'pass',
      `served chain's top certificate ${served.join(', ')} is registered`,
    );
  }
  // Trusted here only through --trust-ca: the sandbox accepts it, AWS would not.
  const onlyHere = consulted.filter((o) => missing.includes(o.thumbprint)).every((o) => o.trusted);
  return check(
    'thumbprint',
    'Thumbprint',
    onlyHere ? 'warn' : 'fail',
    `the served chain's top certificate is ${missing.join(', ')}, the provider has ${[...registered].join(', ') || 'none'}` +
      (onlyHere ? ' (accepted here through --trust-ca; AWS would refuse)' : ''),
    {
      awsError: awsErrorText(invalidIdentityToken(MSG_THUMBPRINT_MISMATCH)),
      fix:
        'register the SHA-1 of the LAST certificate the host serves (not the leaf): aws iam ' +
        `update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn ${provider.arn} --thumbprint-list ${[...new Set([...missing, ...registered])].slice(0, 5).join(' ')}`,
    },
  );
}

export function roleCheck(roleArn: string, role: RoleState | undefined): DoctorCheck {
  if (role) return check('role', 'Role', 'pass', `${role.arn} exists (max session ${role.maxSessionDuration} s)`);
  return check('role', 'Role', 'fail', `${roleArn} does not exist (GetRole: NoSuchEntity)`, {
    awsError: awsErrorText(accessDenied()),
    fix: 'create the role with the scoped trust policy (STS does not say the role is missing: it answers AccessDenied)',
  });
}

/** The trust policy evaluated for this token's sub and aud; a failure names the condition and shows the fix. */
export function trustPolicyCheck(
  role: RoleState,
  provider: OidcProviderState,
  claims: { sub?: unknown; aud?: unknown; amr?: unknown; azp?: unknown },
): DoctorCheck {
  const auds = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  const aud = auds.find((a): a is string => typeof a === 'string' && provider.clientIds.includes(a)) ?? auds[0];
  const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
  const evaluation = evaluateTrustPolicy(
    role.assumeRolePolicyDocument,
    webIdentityContext({
      providerArn: provider.arn,
      providerUrl: provider.url,
      sub,
      aud: typeof aud === 'string' ? aud : undefined,
      amr: claims.amr,
      azp: claims.azp,
      roleSessionName: 'irsa-doctor',
    }),
  );
  if (evaluation.allowed) return check('trust-policy', 'Trust policy', 'pass', evaluation.reason);
  const failing = evaluation.statements
    .flatMap((s) => s.conditions.filter((c) => !c.ok).map((c) => c.reason))
    .filter(Boolean);
  const ns = parseSubject(sub);
  const suggested =
    ns && typeof aud === 'string'
      ? JSON.stringify(
          buildTrustPolicy({
            providerArn: provider.arn,
            providerUrl: provider.url,
            namespace: ns.namespace,
            serviceAccount: ns.serviceAccount,
            audience: aud,
          }),
        )
      : undefined;
  return check(
    'trust-policy',
    'Trust policy',
    'fail',
    [evaluation.reason, ...failing.filter((f) => !evaluation.reason.includes(f))].join('; '),
    {
      awsError: awsErrorText(accessDenied()),
      fix: suggested
        ? `if this service account should assume the role, set its trust policy to: ${suggested}`
        : 'the trust policy must allow sts:AssumeRoleWithWebIdentity for the provider ARN with :sub and :aud conditions',
    },
  );
}
