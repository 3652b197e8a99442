// Hostile web-identity tokens for property tests (test/core/sts-fuzz.test.ts) and the long HTTP fuzz
// (fuzz/sts.fuzz.ts): mutations of a valid token (header and claim fields, alg none, HMAC keyed with the public key,
// an attacker's key, kid tricks, signature bit flips, truncation, re-encoding, duplicate members, huge values) made
// with fast-check, each knowing whether a published key signed exactly what it carries. The judge says what an
// answer means: an accepted token that no published key signed as it stands is a forgery; every refusal must carry
// one of the codes AssumeRoleWithWebIdentity answers with.
import { createHmac, type KeyObject, sign } from 'node:crypto';
import fc from 'fast-check';
import type { LoadedKey } from '../../src/core/keys/parse.js';
import { ASSUME_ROLE_WITH_WEB_IDENTITY_CODES } from '../../src/core/sts/aws-errors.js';

export interface HostileWorld {
  issuer: string;
  sub: string;
  aud: string;
  /** Epoch seconds the tokens are made for (the decision's clock). */
  now: number;
  /** The published keys (in the issuer's JWKS). */
  rsa: LoadedKey;
  ec: LoadedKey;
  /** A key nobody published. */
  attacker: LoadedKey;
  /** A valid token per published key, made once (mutations that keep a signature start from it). */
  valid?: Map<LoadedKey, string[]>;
}

export interface HostileToken {
  /** The family of mutation, for reports. */
  kind: string;
  token: string;
  /** A published key signed these exact header and payload bytes with this exact signature. */
  legit: boolean;
  /** A well-formed valid token, which must be accepted (a control proving the harness can tell). */
  valid?: boolean;
}

/** What came back: accepted, or AWS's error. */
export interface Outcome {
  accepted: boolean;
  code?: string;
  status?: number;
  type?: string;
}

/** undefined when the answer is right for the token; otherwise what is wrong with it. */
export function judge(h: HostileToken, o: Outcome): string | undefined {
  if (o.accepted) return h.legit ? undefined : `accepted forgery (${h.kind})`;
  if (h.valid) return `a valid token was refused (${o.code})`;
  if (!o.code || !ASSUME_ROLE_WITH_WEB_IDENTITY_CODES.includes(o.code)) return `refused with ${o.code} (${h.kind})`;
  if (o.status !== 400 && o.status !== 403) return `status ${o.status} for ${o.code} (${h.kind})`;
  if (o.type !== 'Sender') return `fault type ${o.type} (${h.kind})`;
  return undefined;
}

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/** Signs `input` as `alg` with `key` (RS*, ES* as raw r||s, HS* with the given secret). */
function signature(alg: string, input: string, key: KeyObject | Uint8Array | string): string {
  const hash = HASH[alg.slice(2)] ?? 'sha256';
  if (alg.startsWith('HS'))
    return b64(
      createHmac(hash, key as Uint8Array | string)
        .update(input)
        .digest(),
    );
  if (alg.startsWith('ES'))
    return b64(sign(hash, Buffer.from(input), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' }));
  return b64(sign(hash, Buffer.from(input), key as KeyObject));
}

export function claimsOf(w: HostileWorld, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: [w.aud],
    exp: w.now + 3600,
    iat: w.now,
    iss: w.issuer,
    'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'app', uid: 'u' } },
    nbf: w.now,
    sub: w.sub,
    ...over,
  };
}

/** header and payload given as JSON texts, signed by a published key (legit). */
function signedText(key: LoadedKey, header: string, payload: string, kind: string): HostileToken {
  const input = `${b64(header)}.${b64(payload)}`;
  return { kind, token: `${input}.${signature(key.alg, input, key.privateKey!)}`, legit: true };
}

function signed(key: LoadedKey, header: object, payload: object, kind: string): HostileToken {
  return signedText(key, JSON.stringify(header), JSON.stringify(payload), kind);
}

/**
 * What a mutation that keeps a valid token's signature made: legit only if it changed nothing (removing a field
 * that was not there, re-encoding bytes that read the same).
 */
function tampered(kind: string, token: string, base: string[]): HostileToken {
  return { kind, token, legit: token === base.join('.') };
}

/** A valid token's parts, for mutations that keep its signature. */
function validParts(w: HostileWorld, key: LoadedKey): string[] {
  w.valid ??= new Map();
  let parts = w.valid.get(key);
  if (!parts) {
    parts = signed(key, { alg: key.alg, kid: key.kid }, claimsOf(w), 'valid').token.split('.');
    w.valid.set(key, parts);
  }
  return parts;
}

const HEADER_FIELDS = ['alg', 'kid', 'typ', 'crit', 'jku', 'jwk', 'x5u', 'x5c', 'cty', 'b64', 'zip', '__proto__'];
const CLAIM_FIELDS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'azp', 'amr', 'kubernetes.io', '__proto__'];

/** Values no token should carry where they are put. */
function hostileValue(w: HostileWorld): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.string({ maxLength: 24 }),
    fc.string({ unit: 'binary', maxLength: 24 }),
    fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, (w.now + 3600) * 1000, 'NaN'),
    fc.constantFrom('none', 'HS256', 'RS256', 'ES256', 'PS256', 'EdDSA', w.rsa.kid, w.ec.kid, w.attacker.kid),
    fc.constantFrom(
      w.issuer,
      `${w.issuer}/`,
      w.issuer.replace('https:', 'http:'),
      'system:serviceaccount:kube-system:admin',
    ),
    fc.integer(),
    fc.double(),
    fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }),
    fc.nat({ max: 15_000 }).map((n) => 'x'.repeat(n)),
  );
}

export function hostileToken(w: HostileWorld): fc.Arbitrary<HostileToken> {
  const key = fc.constantFrom(w.rsa, w.ec);
  const value = hostileValue(w);
  return fc.oneof(
    { arbitrary: valid(w, key), weight: 1 },
    { arbitrary: fieldMutation(w, key, value), weight: 6 },
    { arbitrary: algNone(w, key), weight: 1 },
    { arbitrary: hmacWithPublicKey(w), weight: 1 },
    { arbitrary: attackerSigned(w), weight: 2 },
    { arbitrary: algConfusion(w), weight: 1 },
    { arbitrary: signatureBitFlip(w, key), weight: 2 },
    { arbitrary: truncated(w, key), weight: 1 },
    { arbitrary: reEncoded(w, key), weight: 2 },
    { arbitrary: duplicateMembers(w, key), weight: 2 },
    { arbitrary: huge(w, key), weight: 1 },
    {
      arbitrary: fc
        .string({ unit: 'binary', maxLength: 400 })
        .map((token) => ({ kind: 'garbage', token, legit: false })),
      weight: 1,
    },
  );
}

function valid(w: HostileWorld, key: fc.Arbitrary<LoadedKey>): fc.Arbitrary<HostileToken> {
  return key.map((k) => ({ ...signed(k, { alg: k.alg, kid: k.kid }, claimsOf(w), 'valid'), valid: true }));
}

/** One header or claim field set to a hostile value (or removed), either keeping the old signature or re-signed. */
function fieldMutation(w: HostileWorld, key: fc.Arbitrary<LoadedKey>, value: fc.Arbitrary<unknown>) {
  return fc
    .tuple(key, fc.boolean(), fc.constantFrom(...HEADER_FIELDS, ...CLAIM_FIELDS), value, fc.boolean(), fc.boolean())
    .map(([k, inHeader, field, v, remove, resign]) => {
      const header: Record<string, unknown> = { alg: k.alg, kid: k.kid };
      const claims = claimsOf(w);
      const target = inHeader ? header : claims;
      if (remove) delete target[field];
      else Object.defineProperty(target, field, { value: v, enumerable: true, writable: true, configurable: true });
      const kind = `${inHeader ? 'header' : 'claim'} ${field} ${remove ? 'removed' : 'set'}${resign ? ', signed' : ''}`;
      if (resign) return signed(k, header, claims, kind);
      const base = validParts(w, k);
      return tampered(kind, `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}.${base[2]}`, base);
    });
}

function algNone(w: HostileWorld, key: fc.Arbitrary<LoadedKey>) {
  return fc
    .tuple(key, fc.constantFrom('none', 'None', 'NONE', 'nOnE', ''), fc.constantFrom('', 'keep', 'AAAA'))
    .map(([k, alg, sig]) => {
      const input = `${b64(JSON.stringify({ alg, kid: k.kid }))}.${b64(JSON.stringify(claimsOf(w)))}`;
      const s = sig === 'keep' ? validParts(w, k)[2] : sig;
      return { kind: `alg ${JSON.stringify(alg)}`, token: `${input}.${s}`, legit: false };
    });
}

/** HS256/384/512 keyed with what an attacker can read: the public key in every encoding, its JWK, n, the kid. */
function hmacWithPublicKey(w: HostileWorld) {
  const secrets = (k: LoadedKey): (string | Uint8Array)[] => {
    const jwk = k.publicKey.export({ format: 'jwk' });
    return [
      k.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      k.publicKey.export({ type: 'spki', format: 'der' }),
      JSON.stringify(jwk),
      Buffer.from(String(jwk.n ?? jwk.x), 'base64url'),
      k.kid,
      '',
    ];
  };
  return fc
    .tuple(fc.constantFrom(w.rsa, w.ec), fc.constantFrom('HS256', 'HS384', 'HS512'), fc.nat({ max: 5 }))
    .map(([k, alg, i]) => {
      const input = `${b64(JSON.stringify({ alg, kid: k.kid }))}.${b64(JSON.stringify(claimsOf(w)))}`;
      return {
        kind: `${alg} keyed with the public key (${i})`,
        token: `${input}.${signature(alg, input, secrets(k)[i])}`,
        legit: false,
      };
    });
}

/** Signed by a key nobody published, pointed at by the real kid, its own kid, no kid, or embedded in the header. */
function attackerSigned(w: HostileWorld) {
  const a = w.attacker;
  const jwk = a.publicKey.export({ format: 'jwk' });
  const headers: Record<string, unknown>[] = [
    { alg: a.alg, kid: w.rsa.kid },
    { alg: a.alg, kid: a.kid },
    { alg: a.alg },
    { alg: a.alg, kid: a.kid, jwk },
    { alg: a.alg, kid: w.rsa.kid, jku: 'https://attacker.example/jwks', x5u: 'https://attacker.example/x5u' },
  ];
  return fc.tuple(fc.constantFrom(...headers), fc.boolean()).map(([header, elevate]) => {
    const claims = claimsOf(w, elevate ? { sub: 'system:serviceaccount:kube-system:admin' } : {});
    const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
    return { kind: 'attacker key', token: `${input}.${signature(a.alg, input, a.privateKey!)}`, legit: false };
  });
}

/** The header's alg changed under a real signature: RS256 header on an ES256 signature, RS384 on RS256, PS256. */
function algConfusion(w: HostileWorld) {
  return fc
    .tuple(fc.constantFrom(w.rsa, w.ec), fc.constantFrom('RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256'))
    .filter(([k, alg]) => alg !== k.alg)
    .map(([k, alg]) => {
      const sig = validParts(w, k)[2];
      const input = `${b64(JSON.stringify({ alg, kid: k.kid }))}.${b64(JSON.stringify(claimsOf(w)))}`;
      return { kind: `alg ${alg} on a ${k.alg} signature`, token: `${input}.${sig}`, legit: false };
    });
}

function signatureBitFlip(w: HostileWorld, key: fc.Arbitrary<LoadedKey>) {
  return fc.tuple(key, fc.nat(), fc.integer({ min: 0, max: 7 })).map(([k, at, bit]) => {
    const [h, p, s] = validParts(w, k);
    const bytes = Buffer.from(s, 'base64url');
    bytes[at % bytes.length] ^= 1 << bit;
    return { kind: 'signature bit flip', token: `${h}.${p}.${b64(bytes)}`, legit: false };
  });
}

function truncated(w: HostileWorld, key: fc.Arbitrary<LoadedKey>) {
  return fc.tuple(key, fc.nat()).map(([k, n]) => {
    const token = validParts(w, k).join('.');
    return { kind: 'truncated', token: token.slice(0, n % token.length), legit: false };
  });
}

/** The same bytes written another way: padding, the standard alphabet, white space, other JSON spacing. */
function reEncoded(w: HostileWorld, key: fc.Arbitrary<LoadedKey>) {
  const ways = ['pad', 'std', 'space', 'newline', 'json'] as const;
  return fc.tuple(key, fc.constantFrom(...ways), fc.integer({ min: 0, max: 2 }), fc.nat()).map(([k, way, part, at]) => {
    const base = validParts(w, k);
    const parts: string[] = [...base];
    if (way === 'pad') parts[part] = `${parts[part]}==`;
    if (way === 'std') parts[part] = Buffer.from(parts[part], 'base64url').toString('base64');
    if (way === 'json') {
      const text = Buffer.from(parts[Math.min(part, 1)], 'base64url').toString();
      parts[Math.min(part, 1)] = b64(JSON.stringify(JSON.parse(text), null, 1));
    }
    let token = parts.join('.');
    if (way === 'space' || way === 'newline') {
      const i = at % (token.length + 1);
      token = `${token.slice(0, i)}${way === 'space' ? ' ' : '\n'}${token.slice(i)}`;
    }
    return tampered(`re-encoded (${way})`, token, base);
  });
}

/** A member named twice in the header or the claims, the attacker's value first or last; tampered or re-signed. */
function duplicateMembers(w: HostileWorld, key: fc.Arbitrary<LoadedKey>) {
  const evil: Record<string, unknown> = {
    alg: 'none',
    kid: w.attacker.kid,
    sub: 'system:serviceaccount:kube-system:admin',
    aud: 'attacker',
    iss: `${w.issuer}/`,
    exp: 1e308,
  };
  return fc
    .tuple(key, fc.constantFrom('alg', 'kid', 'sub', 'aud', 'iss', 'exp'), fc.boolean(), fc.boolean())
    .map(([k, field, evilLast, resign]) => {
      const header = JSON.stringify({ alg: k.alg, kid: k.kid });
      const payload = JSON.stringify(claimsOf(w));
      const inHeader = field === 'alg' || field === 'kid';
      const text = inHeader ? header : payload;
      const extra = `"${field}":${JSON.stringify(evil[field])}`;
      const twice = evilLast ? text.replace(/}$/, `,${extra}}`) : text.replace(/^{/, `{${extra},`);
      const [h, p] = inHeader ? [twice, payload] : [header, twice];
      const kind = `duplicate ${field}${resign ? ', signed' : ''}`;
      if (resign) return signedText(k, h, p, kind);
      const base = validParts(w, k);
      return tampered(kind, `${b64(h)}.${b64(p)}.${base[2]}`, base);
    });
}

/** Long strings, deep nesting and many members, up to the 20,000-character limit and past it. */
function huge(w: HostileWorld, key: fc.Arbitrary<LoadedKey>) {
  return fc
    .tuple(key, fc.constantFrom('string', 'nesting', 'members', 'over-limit'), fc.nat({ max: 6000 }), fc.boolean())
    .map(([k, shape, n, resign]) => {
      const extra: Record<string, unknown> =
        shape === 'string'
          ? { sub: `system:serviceaccount:default:${'a'.repeat(n)}` }
          : shape === 'members'
            ? Object.fromEntries(Array.from({ length: Math.min(n, 1500) }, (_, i) => [`c${i}`, i]))
            : shape === 'over-limit'
              ? { pad: 'x'.repeat(20_000) }
              : {};
      let payload = JSON.stringify(claimsOf(w, extra));
      if (shape === 'nesting') payload = payload.replace(/}$/, `,"deep":${'['.repeat(n)}${']'.repeat(n)}}`);
      const header = JSON.stringify({ alg: k.alg, kid: k.kid });
      const kind = `huge (${shape})${resign ? ', signed' : ''}`;
      if (resign) return signedText(k, header, payload, kind);
      const base = validParts(w, k);
      return tampered(kind, `${b64(header)}.${b64(payload)}.${base[2]}`, base);
    });
}
