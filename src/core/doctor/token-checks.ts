/**
 * The token file and the token itself, from the pure inspection in core/tokens/inspect.ts (no verification here:
 * the signature is checked against the published keys later, by the STS core).
 */
import { couldNotRetrieveKey, invalidIdentityToken, MSG_MISSING_AUD, tokenExpired } from '../sts/aws-errors.js';
import { terminalSafe } from '../text/terminal-safe.js';
import type { Inspection } from '../tokens/inspect.js';
import { awsErrorText, check, type DoctorCheck } from './types.js';

export function tokenFileCheck(path: string, raw: string): DoctorCheck {
  if (raw.trim() === '') {
    return check('token-file', 'Token file', 'fail', `${path} is empty`, {
      fix: 'the kubelet writes the projected token there; check the pod has the aws-iam-token volume mounted',
    });
  }
  if (raw !== raw.trim()) {
    return check(
      'token-file',
      'Token file',
      'warn',
      `${path} has white space around the token: SDKs send the file verbatim, and STS rejects the padded token`,
      { fix: 'write the token without a trailing newline (printf %s "$TOKEN" > file), as the kubelet does' },
    );
  }
  return check('token-file', 'Token file', 'pass', `${path} (${raw.length} characters)`);
}

/** Shape, algorithm, claims, and time, each finding of the inspection mapped onto a check. */
export function tokenChecks(inspection: Inspection, now: number): DoctorCheck[] {
  const { summary, findings } = inspection;
  const errors = findings.filter((f) => f.severity === 'error' && f.id !== 'expired');
  const warnings = findings.filter((f) => f.severity === 'warning' && !['expired', 'not-yet-valid'].includes(f.id));
  // The token's own values: escaped, as every untrusted string shown (findings' messages already are).
  const who = terminalSafe(
    [
      summary.header.alg && `${summary.header.alg}`,
      summary.header.kid !== undefined && `kid ${summary.header.kid}`,
      summary.subject && `sub ${summary.subject}`,
      `aud ${summary.audiences.length ? summary.audiences.join(',') : '(none)'}`,
      summary.issuer && `iss ${summary.issuer}`,
    ]
      .filter(Boolean)
      .join(', '),
  );
  const out: DoctorCheck[] = [];
  if (errors.length) {
    const audMissing = errors.some((f) => f.id === 'aud-missing');
    out.push(
      check('token', 'Token shape and claims', 'fail', `${who}: ${errors.map((f) => f.message).join('; ')}`, {
        ...(audMissing ? { awsError: awsErrorText(invalidIdentityToken(MSG_MISSING_AUD)) } : {}),
        fix: audMissing
          ? 'use the projected token (audience sts.amazonaws.com), not the legacy Secret-based token'
          : 'use the token kube-apiserver projects into the pod (irsa token inspect FILE explains it)',
      }),
    );
  } else if (warnings.length) {
    out.push(check('token', 'Token shape and claims', 'warn', `${who}; ${warnings.map((f) => f.message).join('; ')}`));
  } else {
    out.push(check('token', 'Token shape and claims', 'pass', who));
  }
  const exp = summary.expiresAt?.unix;
  if (exp === undefined) {
    out.push(check('token-expiry', 'Token lifetime', 'skip', 'no exp claim'));
  } else if (now >= exp) {
    out.push(
      check(
        'token-expiry',
        'Token lifetime',
        'fail',
        `expired ${summary.expiresAt?.relative} (${summary.expiresAt?.iso})`,
        {
          awsError: awsErrorText(tokenExpired(now, exp)),
          fix:
            'read the token file on every call instead of caching it, and check the kubelet still refreshes it ' +
            '(it renews at 80% of the lifetime); compare node and apiserver clocks',
        },
      ),
    );
  } else {
    const nyv = findings.find((f) => f.id === 'not-yet-valid' || f.id === 'iat-in-future');
    out.push(
      check(
        'token-expiry',
        'Token lifetime',
        nyv ? 'warn' : 'pass',
        `${summary.countdown ?? `expires ${summary.expiresAt?.relative}`}${nyv ? `; ${nyv.message}` : ''}`,
      ),
    );
  }
  return out;
}

/** The token's `kid` among the published keys. */
export function kidCheck(kid: unknown, jwksKeys: Record<string, unknown>[], jwksUri: string): DoctorCheck {
  const kids = jwksKeys.map((k) => k.kid);
  if (kids.includes(kid) || (kid === undefined && kids.some((k) => k === undefined || k === ''))) {
    return check('kid', 'Signing key published', 'pass', `kid ${JSON.stringify(kid ?? null)} is in ${jwksUri}`);
  }
  return check(
    'kid',
    'Signing key published',
    'fail',
    `kid ${JSON.stringify(kid ?? null)} is not in ${jwksUri} (kids: ${kids.map((k) => JSON.stringify(k ?? null)).join(', ') || 'none'}): ` +
      'the key that signed the token was rotated in without being published',
    {
      awsError: awsErrorText(couldNotRetrieveKey()),
      fix:
        'publish a JWKS holding the old AND the new public key (irsa issuer jwks --key old.pub --key new.pub) before ' +
        'the apiserver signs with the new key; keep the old one until every token it signed has expired',
    },
  );
}
