/**
 * The role's side: it exists (AWS does not say whether it does: AccessDenied either way), its trust policy admits
 * this web identity, and the session fits its maximum duration.
 */
import { accessDenied, MSG_DURATION_EXCEEDS_MAX, validationError } from '../aws-errors.js';
import { type DecisionCheck, pass, refuse } from '../decision.js';
import { evaluateTrustPolicy, webIdentityContext } from '../trust-policy.js';

export const DEFAULT_DURATION_SECONDS = 3600;

export const role: DecisionCheck = {
  id: 'role',
  run(d) {
    const found = d.iam.findRoleByArn(d.req.roleArn);
    if (!found) return refuse(`role ${d.req.roleArn} does not exist`, accessDenied());
    d.role = found;
    return pass(d, 'role', `role ${found.arn} exists`);
  },
};

export const trustPolicy: DecisionCheck = {
  id: 'trust-policy',
  run(d) {
    const { provider, claims } = d;
    d.trust = evaluateTrustPolicy(
      d.role.assumeRolePolicy ?? d.role.assumeRolePolicyDocument,
      webIdentityContext({
        providerArn: provider.arn,
        providerUrl: provider.url,
        sub: d.sub,
        aud: d.audience,
        amr: claims?.amr,
        azp: claims?.azp,
        roleSessionName: d.req.roleSessionName,
      }),
    );
    if (!d.trust.allowed) return refuse(d.trust.reason, accessDenied());
    return pass(d, 'trust-policy', d.trust.reason);
  },
};

export const duration: DecisionCheck = {
  id: 'duration',
  run(d) {
    const seconds = d.req.durationSeconds ?? DEFAULT_DURATION_SECONDS;
    if (seconds > d.role.maxSessionDuration) {
      return refuse(
        `DurationSeconds ${seconds} > MaxSessionDuration ${d.role.maxSessionDuration}`,
        validationError(MSG_DURATION_EXCEEDS_MAX),
      );
    }
    d.durationSeconds = seconds;
    return pass(d, 'duration', `${seconds} s session`);
  },
};
