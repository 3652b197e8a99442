/**
 * The rotation state document: where a key rotation stands, published beside the discovery document and the JWKS
 * by the same publisher (S3 object or file), so a second operator or a CI job that has irsa.yaml and the same
 * access sees it and continues (docs/rotation.md says why there). It holds only public material: the old and new
 * public keys as published JWKs, the phase, and the times each step reasoned from.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { joinKey } from '../aws/s3-names.js';
import { CONFIG_API_VERSION, type DirectoryPublish, type PublishTarget, type S3Publish } from '../config/types.js';
import { E, IrsaError } from '../errors.js';
import type { PublishedJwk } from '../issuer/jwks.js';
import { readJsonDocument } from '../json/read-document.js';

export const ROTATION_KIND = 'KeyRotation';
/** The state document's name at the issuer's root (beside `.well-known/`). */
export const ROTATION_STATE_NAME = 'irsa-anywhere-rotation.json';

export type RotationPhase = 'begun' | 'switched' | 'finished';

/** A recorded time and where it came from (see times.ts). */
export interface RecordedTime {
  at: string;
  source: string;
}

/** The kube-apiserver inputs the instructions are rendered from (kept so later phases render the same way). */
export interface ApiserverInputs {
  distro: string;
  kubeadmApi?: string;
  previousIssuer?: string;
  apiAudiences?: string[];
  /** Paths on the control-plane nodes. */
  oldSigningKey: string;
  oldKeyFiles: string[];
  newSigningKey: string;
  newPublicKey: string;
}

export interface RotationState {
  apiVersion: typeof CONFIG_API_VERSION;
  kind: typeof ROTATION_KIND;
  cluster: string;
  issuer: string;
  phase: RotationPhase;
  /** The keys published when the rotation began (what the apiservers verify with today). */
  oldKeys: PublishedJwk[];
  newKey: PublishedJwk;
  /** Added to the tokens' lifetime before the old key leaves the JWKS: AWS STS caches JWKS for a time it does not publish. */
  marginSeconds: number;
  /** When `begin` ran, by the clock of that run (for the record; no decision uses it). */
  begunAt: RecordedTime;
  /** When the JWKS with both keys was published, by the publisher's clock, and its Cache-Control max-age. */
  bothKeysPublished: RecordedTime & { maxAgeSeconds: number; maxAgeSource: string };
  /** When the last apiserver started signing with the new key (`switched --at`), and when that was recorded. */
  switched?: RecordedTime & { recordedAt: RecordedTime };
  /** When `finish` removed the old key, and the token lifetime it reasoned with. */
  finished?: RecordedTime & { maxTokenExpirationSeconds: number };
  apiserver: ApiserverInputs;
}

/** Text printed to a terminal: no control, format or separator characters (terminal-safe.ts's classes). */
const words = z.string().regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]*$/u, 'must be text without control characters');
const time = z.strictObject({ at: z.iso.datetime(), source: words });
/** A kid as Kubernetes computes it (base64url of a SHA-256): never anything a terminal would act on. */
const jwk = z.looseObject({
  kty: z.enum(['RSA', 'EC']),
  kid: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  alg: z.string(),
});

const stateSchema = z.strictObject({
  apiVersion: z.literal(CONFIG_API_VERSION),
  kind: z.literal(ROTATION_KIND),
  cluster: words,
  issuer: words,
  phase: z.enum(['begun', 'switched', 'finished']),
  oldKeys: z.array(jwk).min(1),
  newKey: jwk,
  marginSeconds: z.number().int().nonnegative(),
  begunAt: time,
  bothKeysPublished: time.extend({ maxAgeSeconds: z.number().int().nonnegative(), maxAgeSource: words }),
  switched: time.extend({ recordedAt: time }).optional(),
  finished: time.extend({ maxTokenExpirationSeconds: z.number().int().positive() }).optional(),
  apiserver: z.strictObject({
    distro: words,
    kubeadmApi: words.optional(),
    previousIssuer: words.optional(),
    apiAudiences: z.array(words).optional(),
    oldSigningKey: words,
    oldKeyFiles: z.array(words),
    newSigningKey: words,
    newPublicKey: words,
  }),
});

/** The state document's text: stable, readable, one trailing newline. */
export function serializeRotationState(state: RotationState): string {
  // One member order whatever built the object (a parsed copy has the schema's): the same state, the same bytes.
  const ordered = Object.fromEntries(STATE_ORDER.filter((k) => state[k] !== undefined).map((k) => [k, state[k]]));
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

const STATE_ORDER: readonly (keyof RotationState)[] = [
  'apiVersion',
  'kind',
  'cluster',
  'issuer',
  'phase',
  'oldKeys',
  'newKey',
  'marginSeconds',
  'begunAt',
  'bothKeysPublished',
  'switched',
  'finished',
  'apiserver',
];

/** The state as published, checked; `where` names the object or file in the message. */
export function parseRotationState(text: string, where: string, cluster: string): RotationState {
  const r = checkRotationState(text, where, cluster);
  if (!r.ok) throw new IrsaError(E.ERR_ROTATION_STATE, r.message, r.hint ? { hint: r.hint } : undefined);
  return r.state;
}

/** The same check as data: the state, or why it cannot be used (the planner reports that as a conflict). */
export function checkRotationState(
  text: string,
  where: string,
  cluster: string,
): { ok: true; state: RotationState } | { ok: false; message: string; hint?: string } {
  const r = readJsonDocument(text, where, stateSchema);
  if (!r.ok) {
    return {
      ok: false,
      message: `${r.message}: the rotation state cannot be read`,
      hint: 'it is written by irsa rotate only; restore it from the bucket’s versions or your backup (docs/rotation.md)',
    };
  }
  const state = r.value as unknown as RotationState;
  if (state.cluster !== cluster) {
    return { ok: false, message: `${where}: the rotation state is cluster ${state.cluster}'s, not ${cluster}'s` };
  }
  return { ok: true, state };
}

type S3StateLocation = { kind: 's3'; bucket: string; key: string };
type DirectoryStateLocation = { kind: 'directory'; path: string; root: string };
/** Where a cluster's rotation state lives: at the issuer's root beside `.well-known/`, in the bucket or the directory. */
export function rotationStateLocation(target: S3Publish): S3StateLocation;
export function rotationStateLocation(target: DirectoryPublish): DirectoryStateLocation;
export function rotationStateLocation(target: PublishTarget): S3StateLocation | DirectoryStateLocation;
export function rotationStateLocation(target: PublishTarget): S3StateLocation | DirectoryStateLocation {
  if (target.kind === 's3')
    return { kind: 's3', bucket: target.bucket, key: joinKey(target.prefix, ROTATION_STATE_NAME) };
  return { kind: 'directory', path: join(target.directory, ROTATION_STATE_NAME), root: target.directory };
}
