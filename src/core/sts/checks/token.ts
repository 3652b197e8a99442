/**
 * The token's own checks: its shape and header before anything is fetched, its claims after the signature.
 * Trace messages quote the token's values as JSON; where they are shown (doctor's renderTrace) each line is made
 * terminal-safe, so the hot path builds no escaped text nobody reads.
 */

import { STS_ALGORITHMS } from '../../tokens/algorithms.js';
import { isNumericDate, timestampProblem } from '../../tokens/claims.js';
import { readToken } from '../../tokens/decode.js';
import {
  expiredToken,
  invalidIdentityToken,
  MSG_INCORRECT_AUDIENCE,
  MSG_MISSING_AUD,
  MSG_UNCONFIRMED,
  noProviderFound,
  tokenExpired,
  tokenTooOld,
} from '../aws-errors.js';
import { type DecisionCheck, type Failure, pass, refuse } from '../decision.js';

const malformed = () => invalidIdentityToken(MSG_UNCONFIRMED.malformedToken);

/**
 * A compact JWS of three base64url parts with JSON objects, exactly as sent (no white space around it), no member
 * named twice (U19), no critical extension (`crit`, RFC 7515 §4.1.11: none is understood here, U17).
 */
export const tokenShape: DecisionCheck = {
  id: 'token-shape',
  run(d) {
    const raw = d.req.webIdentityToken;
    if (raw !== raw.trim()) {
      return refuse('white space around the token (a token file with a trailing newline is sent with it)', malformed());
    }
    const reading = readToken(raw);
    if (!reading.ok) return refuse(`not a compact JWS with JSON header and payload: ${reading.problem}`, malformed());
    const { header, payload, duplicates } = reading.token;
    d.header = header;
    d.claims = payload;
    if (duplicates.length) {
      return refuse(`members named twice (${duplicates.join(', ')}): readers disagree on which counts`, malformed());
    }
    if (header.crit !== undefined) {
      return refuse(
        `header "crit" ${JSON.stringify(header.crit)} asks for extensions this STS does not implement (RFC 7515 §4.1.11)`,
        malformed(),
      );
    }
    return pass(d, 'token-shape', `compact JWS, ${raw.length} characters`);
  },
};

export const algorithm: DecisionCheck = {
  id: 'alg',
  run(d) {
    const alg = d.header.alg;
    if (typeof alg !== 'string' || !STS_ALGORITHMS.has(alg)) {
      return refuse(
        `alg ${JSON.stringify(alg ?? null)} is not one of ${[...STS_ALGORITHMS].join(', ')}`,
        invalidIdentityToken(MSG_UNCONFIRMED.unsupportedAlg(String(alg))),
      );
    }
    d.alg = alg;
    return pass(d, 'alg', `alg ${alg}`);
  },
};

export const issuer: DecisionCheck = {
  id: 'iss',
  run(d) {
    const iss = d.claims?.iss;
    if (typeof iss !== 'string' || iss === '') {
      return refuse('the token has no "iss" claim', invalidIdentityToken(MSG_UNCONFIRMED.missingIss));
    }
    if (!iss.startsWith('https://')) {
      return refuse(
        `iss ${JSON.stringify(iss)} is not an https URL, so no IAM OIDC provider can match it`,
        noProviderFound(iss),
      );
    }
    d.iss = iss;
    return pass(d, 'iss', `iss ${JSON.stringify(iss)}`);
  },
};

/** `aud` present, and one of its values a client ID of the provider (U9: the first such value counts). */
export const audience: DecisionCheck = {
  id: 'aud',
  run(d) {
    const aud = d.claims?.aud;
    const values = (typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []).filter(
      (a): a is string => typeof a === 'string',
    );
    if (values.length === 0) return refuse('the token has no "aud" claim', invalidIdentityToken(MSG_MISSING_AUD));
    const match = values.find((a) => d.provider.clientIds.includes(a));
    if (match === undefined) {
      return refuse(
        `aud ${JSON.stringify(aud)} is not among the provider's client IDs ${JSON.stringify(d.provider.clientIds)}`,
        invalidIdentityToken(MSG_INCORRECT_AUDIENCE),
      );
    }
    d.audience = match;
    return pass(d, 'aud', `aud ${JSON.stringify(match)} is a client ID of the provider`);
  },
};

/** exp (required, no leeway: "must be before"), nbf and iat (leeway), the optional maximum age (U2–U4, U18). */
export const time: DecisionCheck = {
  id: 'time',
  run(d) {
    const claims = d.claims ?? {};
    const dates: Record<string, number | undefined> = {};
    for (const name of ['exp', 'nbf', 'iat'] as const) {
      const read = numericDate(claims[name], name);
      if (typeof read !== 'number' && read !== undefined) return read;
      dates[name] = read;
    }
    const { exp, nbf, iat } = dates;
    const { now, leeway, maxAge } = d;
    if (exp === undefined) {
      return refuse('the token has no "exp"', invalidIdentityToken(MSG_UNCONFIRMED.missingExp), 'exp');
    }
    if (now >= exp) return refuse(`expired ${now - exp} s ago`, tokenExpired(now, exp), 'exp');
    if (nbf !== undefined && nbf > now + leeway) {
      const error = expiredToken(MSG_UNCONFIRMED.notYetValid(now, nbf));
      return refuse(`nbf is ${nbf - now} s in the future (leeway ${leeway} s)`, error, 'nbf');
    }
    if (iat !== undefined && iat > now + leeway) {
      const error = expiredToken(MSG_UNCONFIRMED.issuedInFuture(now, iat));
      return refuse(`iat is ${iat - now} s in the future (leeway ${leeway} s)`, error, 'iat');
    }
    if (iat !== undefined && maxAge !== undefined && now - iat > maxAge) {
      return refuse(`issued ${now - iat} s ago, more than ${maxAge} s`, tokenTooOld(now - iat), 'iat');
    }
    return pass(d, 'time', `valid for ${exp - now} more seconds`);
  },
};

/** A timestamp claim: absent, integer seconds within the calendar, or the failure naming it. */
function numericDate(v: unknown, name: string): number | undefined | Failure {
  if (v === undefined) return undefined;
  if (isNumericDate(v)) return v;
  return refuse(`${name} ${timestampProblem(v)}`, invalidIdentityToken(MSG_UNCONFIRMED.invalidTimestamp(name)), name);
}

export const subject: DecisionCheck = {
  id: 'sub',
  run(d) {
    const sub = d.claims?.sub;
    if (typeof sub !== 'string' || sub === '') {
      return refuse('the token has no "sub" claim', invalidIdentityToken(MSG_UNCONFIRMED.missingSub));
    }
    d.sub = sub;
    return pass(d, 'sub', `sub ${JSON.stringify(sub)}`);
  },
};
