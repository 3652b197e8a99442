/**
 * Signing algorithms as AWS STS and kube-apiserver use them: the one list the validation core, the inspector and
 * doctor read.
 */
import { MIN_RSA_BITS } from '../keys/parse.js';

/** What STS accepts ("RSA keys (RS256, RS384, or RS512) or ECDSA keys (ES256, ES384, or ES512)"). */
export const STS_ALGORITHMS: ReadonlySet<string> = new Set(['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512']);

/** What kube-apiserver signs with (RS256 for every RSA key, ES256/384/512 by curve). */
export const KUBERNETES_ALGORITHMS: ReadonlySet<string> = new Set(['RS256', 'ES256', 'ES384', 'ES512']);

/** JWS ECDSA signatures are raw r‖s of a fixed length (RFC 7518 §3.4). */
export const EC_SIGNATURE_BYTES: Readonly<Record<string, number>> = { ES256: 64, ES384: 96, ES512: 132 };

/** An RSA signature is as long as the modulus; STS takes keys of MIN_RSA_BITS and more. */
export const MIN_RSA_SIGNATURE_BYTES = MIN_RSA_BITS / 8;

export { MIN_RSA_BITS };
