/**
 * THE one place for AWS STS/IAM error codes, HTTP statuses and message texts used by the validation core, the
 * sandbox and doctor. Texts marked [OBS] are copied from real AWS responses quoted in public issues (see
 * ../shared/reference/kubernetes-tokens-and-aws-sts.md §B3); everything marked [UNCONFIRMED] is our choice where
 * AWS's behaviour or wording is not known (reference §F), listed in UNCONFIRMED below so doctor and the notes can
 * show it. Never write an AWS message text anywhere else.
 */
/** An error exactly as AWS STS/IAM returns it: wire code, HTTP status, message text, fault type. */
export interface AwsError {
  code: string;
  status: number;
  message: string;
  type: 'Sender' | 'Receiver';
}

function sender(code: string, status: number, message: string): AwsError {
  return { code, status, message, type: 'Sender' };
}

// ---- Observed texts [OBS] ------------------------------------------------------------------------------------

/** [OBS] Note the TWO spaces after the comma: AWS's text, byte for byte. */
export const MSG_COULD_NOT_RETRIEVE_KEY =
  "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";
export const MSG_INCORRECT_AUDIENCE = 'Incorrect token audience';
export const MSG_MISSING_AUD = 'Missing a required claim: aud';
export const MSG_THUMBPRINT_MISMATCH = "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint";
export const MSG_NOT_AUTHORIZED = 'Not authorized to perform sts:AssumeRoleWithWebIdentity';
export const MSG_DURATION_EXCEEDS_MAX =
  'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.';
export const MSG_REQUEST_ARN_INVALID = 'Request ARN is invalid';
export const MSG_ACL_SIZE_PER_ROLE = (limit: number) => `Cannot exceed quota for ACLSizePerRole: ${limit}`;

/** [OBS] `No OpenIDConnect provider found in your account for <iss>`: iss echoed verbatim. */
export function noProviderFound(iss: string): AwsError {
  return invalidIdentityToken(`No OpenIDConnect provider found in your account for ${iss}`);
}

/**
 * [OBS] Epoch seconds on both sides. 2021 responses had no space before the expiry, 2024 responses have one; we
 * send today's form.
 */
export function tokenExpired(nowSeconds: number, expSeconds: number): AwsError {
  return expiredToken(
    `Token expired: current date/time ${nowSeconds} must be before the expiration date/time ${expSeconds}`,
  );
}

/** [OBS] `Token too old: 441398`; we read N as the token's age in seconds (unconfirmed, see UNCONFIRMED). */
export function tokenTooOld(ageSeconds: number): AwsError {
  return expiredToken(`Token too old: ${ageSeconds}`);
}

// ---- Constructors by code (statuses from the botocore STS/IAM models) -------------------------------------------

export function invalidIdentityToken(message: string): AwsError {
  return sender('InvalidIdentityToken', 400, message);
}
export function expiredToken(message: string): AwsError {
  return sender('ExpiredTokenException', 400, message);
}
export function accessDenied(message = MSG_NOT_AUTHORIZED): AwsError {
  return sender('AccessDenied', 403, message);
}
export function validationError(message: string): AwsError {
  return sender('ValidationError', 400, message);
}
/** [UNCONFIRMED text] The model documents the code only; the core never returns it (see UNCONFIRMED U6). */
export function idpCommunicationError(
  message = 'The identity provider could not be reached. Please try again.',
): AwsError {
  return sender('IDPCommunicationError', 400, message);
}
export function malformedPolicyDocument(message: string): AwsError {
  return sender('MalformedPolicyDocument', 400, message);
}
export function limitExceeded(message: string): AwsError {
  return sender('LimitExceeded', 409, message);
}
export function couldNotRetrieveKey(): AwsError {
  return invalidIdentityToken(MSG_COULD_NOT_RETRIEVE_KEY);
}

// ---- Request validation (AWS's Coral-style "N validation errors detected" texts) ------------------------------

/** One violated constraint, as AWS words it: `Value '<v>' at '<member>' failed to satisfy constraint: <c>`. */
export interface ConstraintViolation {
  member: string;
  /** undefined = the member was absent (`Value null at …`); null = sensitive, value not echoed. */
  value: string | undefined | null;
  constraint: string;
}

/**
 * [OBS] `1 validation error detected: Value 'a:b' at 'roleSessionName' failed to satisfy constraint: Member must
 * satisfy regular expression pattern: [\w+=,.@-]*`. Several violations are joined by `; ` with the count in front
 * ([UNCONFIRMED] for STS specifically; it is the general AWS format). For the sensitive WebIdentityToken the value
 * is not echoed ([UNCONFIRMED] wording `Value at 'webIdentityToken'`).
 */
export function validationErrors(violations: ConstraintViolation[]): AwsError {
  const n = violations.length;
  const parts = violations.map((v) => {
    const value = v.value === undefined ? 'Value null' : v.value === null ? 'Value' : `Value '${v.value}'`;
    return `${value} at '${v.member}' failed to satisfy constraint: ${v.constraint}`;
  });
  return validationError(`${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`);
}

export const CONSTRAINT = {
  notNull: 'Member must not be null',
  minLength: (n: number) => `Member must have length greater than or equal to ${n}`,
  maxLength: (n: number) => `Member must have length less than or equal to ${n}`,
  pattern: (p: string) => `Member must satisfy regular expression pattern: ${p}`,
  minValue: (n: number) => `Member must have value greater than or equal to ${n}`,
  maxValue: (n: number) => `Member must have value less than or equal to ${n}`,
} as const;

// ---- Our choices where AWS is unconfirmed ---------------------------------------------------------------------

/** Seconds of clock skew tolerated for `nbf` and `iat` in the future (exp gets none: AWS says "must be before"). */
export const CLOCK_SKEW_LEEWAY_SECONDS = 300;
/** No observed maximum token age: we do not enforce one by default (`Token too old` only if configured). */
export const DEFAULT_MAX_TOKEN_AGE_SECONDS: number | undefined = undefined;

/** [UNCONFIRMED texts] for cases AWS's wording was never captured. Kept short and AWS-like. */
export const MSG_UNCONFIRMED = {
  /** Not three base64url parts of JSON. */
  malformedToken: 'The ID token provided is not a valid JWT',
  /** alg outside RS256/384/512, ES256/384/512 (none, HS*, PS*, EdDSA …). */
  unsupportedAlg: (alg: string) => `Unsupported JWT signing algorithm: ${alg}`,
  /** Signature does not verify with the key named by kid. */
  badSignature: 'Token signature is invalid',
  /** `iss` absent or not a string. */
  missingIss: 'Missing a required claim: iss',
  /** `exp` absent or not a number. */
  missingExp: 'Missing a required claim: exp',
  /** `sub` absent. */
  missingSub: 'Missing a required claim: sub',
  /** `nbf` after now + leeway. */
  notYetValid: (now: number, nbf: number) =>
    `Token is not yet valid: current date/time ${now} must be after the not-before date/time ${nbf}`,
  /** `iat` after now + leeway. */
  issuedInFuture: (now: number, iat: number) =>
    `Token issued in the future: current date/time ${now} must be after the issued-at date/time ${iat}`,
  /** `exp`, `nbf` or `iat` not whole seconds within the calendar (U18). */
  invalidTimestamp: (claim: string) => `Invalid ${claim} claim: timestamps must be whole seconds since the epoch`,
} as const;

/** Every code AssumeRoleWithWebIdentity answers with (botocore's STS model, B3): what a refusal may carry. */
export const ASSUME_ROLE_WITH_WEB_IDENTITY_CODES: readonly string[] = [
  'InvalidIdentityToken',
  'ExpiredTokenException',
  'IDPRejectedClaim',
  'IDPCommunicationError',
  'AccessDenied',
  'ValidationError',
  'MalformedPolicyDocument',
  'PackedPolicyTooLarge',
  'RegionDisabledException',
];

/**
 * Every point where AWS's behaviour or text is not confirmed (reference §F) and what we chose. `irsa doctor`
 * prints the relevant ones as warnings; the notes list them for users.
 */
export const UNCONFIRMED: readonly { id: string; topic: string; choice: string }[] = [
  {
    id: 'U1',
    topic: "discovery document's `issuer` vs token `iss` (F11)",
    choice:
      'lenient: not compared for the decision (the seed publishes "<issuer>/" and works); the trace records a warning ' +
      'and doctor warns about any difference',
  },
  {
    id: 'U2',
    topic: 'clock-skew leeway (F2, F3)',
    choice: `exp: none (valid only while now < exp: AWS says "must be before"); nbf and iat may lie up to ${CLOCK_SKEW_LEEWAY_SECONDS} s in the future`,
  },
  {
    id: 'U3',
    topic: '`nbf` / `iat` in the future (F3)',
    choice: 'rejected as ExpiredTokenException (its model doc: "expired or is not valid") with our own wording',
  },
  {
    id: 'U4',
    topic: 'maximum token age, "Token too old: N" (F2)',
    choice: 'not enforced unless maxTokenAgeSeconds is configured; then "Token too old: <age in seconds>"',
  },
  {
    id: 'U5',
    topic: 'non-https `iss` (F6)',
    choice:
      'answered like any issuer without a provider: "No OpenIDConnect provider found in your account for <iss>" ' +
      '(IAM provider URLs are always https, so no provider can match)',
  },
  {
    id: 'U6',
    topic: 'IDPCommunicationError vs "Couldn\'t retrieve verification key" (F6)',
    choice:
      'every fetch failure (refused, timeout, TLS, HTTP status, size, redirect to http, bad JSON, unknown kid) gives ' +
      'the observed InvalidIdentityToken "Couldn\'t retrieve verification key…"; IDPCommunicationError is never sent',
  },
  {
    id: 'U7',
    topic: 'fetch limits (F1)',
    choice:
      '5 s connect and 5 s total per document (AWS KC: "latency of more than 5 seconds"), 128 KiB per document, ' +
      'at most 3 https redirects, none to http; cache honours Cache-Control max-age (capped at 1 h; default 5 min ' +
      'without it; no-cache/no-store/max-age=0 refetch every time); unknown kid refetches at most once per issuer per 10 s',
  },
  {
    id: 'U8',
    topic: 'kid selection (F4)',
    choice:
      'the JWK whose kid equals the header kid; a header without kid matches JWKs without kid or with kid ""; among ' +
      'duplicates the first whose kty/crv (and alg, use when stated) fit the token alg; no such key = ' +
      '"Couldn\'t retrieve verification key…"',
  },
  {
    id: 'U9',
    topic: 'multi-valued `aud` (F5)',
    choice:
      'passes if any value is a client ID; the first such value becomes `Audience` and the `<provider>:aud` condition value',
  },
  {
    id: 'U10',
    topic: 'messages for malformed token, unsupported alg, bad signature, missing iss/exp/sub (F6)',
    choice: 'InvalidIdentityToken with the texts in MSG_UNCONFIRMED',
  },
  {
    id: 'U11',
    topic: 'trailing-slash issuer and the discovery URL (F9)',
    choice:
      'plain concatenation: "https://host/" + "/.well-known/openid-configuration" gives "https://host//.well-known/…"',
  },
  {
    id: 'U12',
    topic: 'role in another account than the IAM view, or role missing',
    choice:
      'another account: "No OpenIDConnect provider found in your account for <iss>" (the lookup is in the role\'s account); ' +
      'missing role in this account: AccessDenied "Not authorized to perform sts:AssumeRoleWithWebIdentity"',
  },
  {
    id: 'U13',
    topic: 'MalformedPolicyDocument texts for trust policies (F6)',
    choice:
      '"Syntax errors in policy.", "Has prohibited field Resource", "Missing required field Principal" and ' +
      '"Invalid principal in policy: …" are observed forms; the others follow the same style',
  },
  {
    id: 'U14',
    topic: 'trust policy size',
    choice: 'counted without whitespace (IAM: "does not count white space"), default quota 2048 (configurable)',
  },
  {
    id: 'U15',
    topic: 'trust-policy principals for web identities',
    choice:
      '"*" and {"AWS":"*"} admit any web identity (IAM treats them as everyone); Federated must equal the provider ARN ' +
      'exactly; NotPrincipal is accepted only with Deny (validator) and denies everyone not listed',
  },
  {
    id: 'U16',
    topic: 'condition operators outside the string family and Null',
    choice:
      'Numeric*, Date*, Bool, Arn*, IpAddress, Binary* are valid in a policy but never evaluated: such a condition does not ' +
      'match (an Allow does not apply, a Deny does not apply); policy variables (dollar-brace) are compared literally',
  },
  {
    id: 'U17',
    topic: 'a `crit` header parameter (RFC 7515 §4.1.11)',
    choice:
      'refused as a malformed token ("The ID token provided is not a valid JWT"): no JWS extension is implemented, ' +
      'and RFC 7515 requires refusing a token whose crit names one the receiver does not understand; doctor and ' +
      '`irsa token inspect` warn',
  },
  {
    id: 'U18',
    topic:
      'timestamps that are not whole seconds within the calendar (`exp` in milliseconds or 1e308, a string or null `nbf`/`iat`)',
    choice:
      'STS documents "Timestamps in the token must be formatted as either an integer or a long integer": exp, nbf ' +
      'and iat, when present, must be JSON numbers of whole seconds no further than year 9999 (253402300799) from ' +
      '1970; anything else is refused as InvalidIdentityToken "Invalid <claim> claim: timestamps must be whole ' +
      'seconds since the epoch" rather than ignored or read as a token that never expires; doctor and `irsa token ' +
      'inspect` report it',
  },
  {
    id: 'U19',
    topic: 'a member named twice in the token header or claims',
    choice:
      'refused as a malformed token ("The ID token provided is not a valid JWT"): RFC 7519 forbids duplicate claim ' +
      'names and allows refusing them, and parsers disagree on which copy counts (JSON.parse keeps the last, others ' +
      'the first); doctor and `irsa token inspect` warn',
  },
];
