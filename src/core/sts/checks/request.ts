/** The request itself, before the token is read: the API model's constraints, then the role ARN's shape. */
import { parseRoleArn } from '../../aws/arn.js';
import { MAX_TOKEN_LENGTH } from '../../tokens/decode.js';
import {
  CONSTRAINT,
  type ConstraintViolation,
  MSG_REQUEST_ARN_INVALID,
  validationError,
  validationErrors,
} from '../aws-errors.js';
import { type DecisionCheck, pass, refuse } from '../decision.js';
import type { AssumeRoleWithWebIdentityRequest } from '../types.js';

const SESSION_NAME_PATTERN = '[\\w+=,.@-]*';
const SESSION_NAME_RE = /^[\w+=,.@-]*$/;

/** RoleArn, RoleSessionName, WebIdentityToken, DurationSeconds (AWS's "N validation errors detected" text). */
export const parameters: DecisionCheck = {
  id: 'parameters',
  run(d) {
    const violations = parameterViolations(d.req);
    if (violations.length) {
      const error = validationErrors(violations);
      return refuse(error.message, error);
    }
    return pass(
      d,
      'parameters',
      'RoleArn, RoleSessionName, WebIdentityToken and DurationSeconds satisfy the API constraints',
    );
  },
};

export const roleArn: DecisionCheck = {
  id: 'role-arn',
  run(d) {
    const arn = parseRoleArn(d.req.roleArn);
    if (!arn) return refuse(`${d.req.roleArn} is not a role ARN`, validationError(MSG_REQUEST_ARN_INVALID));
    d.roleArn = arn;
    return pass(d, 'role-arn', `role ${arn.name} in account ${arn.accountId}`);
  },
};

/** The API model's constraints on the request, in member order. */
export function parameterViolations(req: AssumeRoleWithWebIdentityRequest): ConstraintViolation[] {
  const out: ConstraintViolation[] = [];
  const lengths = (member: string, value: string | undefined, min: number, max: number, sensitive = false) => {
    if (value === undefined || value === null) {
      out.push({ member, value: undefined, constraint: CONSTRAINT.notNull });
      return false;
    }
    const shown = sensitive ? null : value;
    if (value.length < min) out.push({ member, value: shown, constraint: CONSTRAINT.minLength(min) });
    if (value.length > max) out.push({ member, value: shown, constraint: CONSTRAINT.maxLength(max) });
    return true;
  };
  lengths('roleArn', req.roleArn, 20, 2048);
  if (lengths('roleSessionName', req.roleSessionName, 2, 64) && !SESSION_NAME_RE.test(req.roleSessionName)) {
    out.push({
      member: 'roleSessionName',
      value: req.roleSessionName,
      constraint: CONSTRAINT.pattern(SESSION_NAME_PATTERN),
    });
  }
  lengths('webIdentityToken', req.webIdentityToken, 4, MAX_TOKEN_LENGTH, true);
  if (req.providerId !== undefined) lengths('providerId', req.providerId, 4, 2048);
  if (req.policy !== undefined) lengths('policy', req.policy, 1, 2048);
  if (req.durationSeconds !== undefined) {
    const v = req.durationSeconds;
    if (!Number.isInteger(v) || v < 900)
      out.push({ member: 'durationSeconds', value: String(v), constraint: CONSTRAINT.minValue(900) });
    else if (v > 43200)
      out.push({ member: 'durationSeconds', value: String(v), constraint: CONSTRAINT.maxValue(43200) });
  }
  return out;
}
