/**
 * The contract between the STS validation core (decide.ts), its callers (the sandbox's STS endpoint, `irsa doctor`)
 * and the issuer-key fetcher that is injected into it. Data in, data out: the core does no I/O of its own.
 */
import type { KeyObject } from 'node:crypto';
import type { Check } from '../checks.js';
import type { AwsError } from './aws-errors.js';
import type { TrustEvaluation } from './trust-policy.js';

/** An IAM OIDC identity provider as the validation needs it. */
export interface OidcProviderState {
  arn: string;
  /** With the scheme, exactly as registered (`https://host/path`, trailing slash kept). */
  url: string;
  clientIds: string[];
  /** Upper-case hex SHA-1, 40 characters each. */
  thumbprints: string[];
}

export interface RoleState {
  arn: string;
  name: string;
  path: string;
  /** AROA… unique id. */
  roleId: string;
  /** The trust policy as JSON text (decoded, not URL-encoded). */
  assumeRolePolicyDocument: string;
  /** The same policy already parsed, when the IAM view keeps one (the sandbox parses each text once). */
  assumeRolePolicy?: object;
  /** Seconds, 3600–43200. */
  maxSessionDuration: number;
}

/** Read-only view of IAM that the core consults. */
export interface IamView {
  accountId: string;
  partition: string;
  /** Exact, case-sensitive match on the provider URL (including `https://`). */
  findOidcProviderByUrl(url: string): OidcProviderState | undefined;
  findRoleByArn(arn: string): RoleState | undefined;
}

/** What the injected fetcher learned about an issuer: discovery, JWKS and the TLS facts the core decides on. */
export type IssuerKeysResult =
  | {
      ok: true;
      discovery: Record<string, unknown>;
      jwks: { keys: Record<string, unknown>[] };
      /** Whether each fetched URL's certificate chain was valid against the trusted CAs. */
      chainTrusted: boolean;
      /** SHA-1 thumbprints (upper-case hex) of the top intermediate/last certificate of each served chain. */
      servedThumbprints: string[];
      /** For doctor: headers and URLs observed. */
      details?: Record<string, unknown>;
      /**
       * Per fetched document (discovery, JWKS): its TLS facts. When present the core requires the thumbprint of
       * every untrusted chain among the provider's thumbprints (AWS: "include the thumbprints for both" hosts).
       */
      tls?: TlsObservation[];
    }
  | {
      ok: false;
      /** A stable short code, e.g. `connect`, `timeout`, `too-large`, `redirect-not-https`, `not-json`. */
      reason: string;
      detail?: string;
      /** The URL whose fetch failed. */
      url?: string;
      details?: Record<string, unknown>;
    };

/** What one HTTPS fetch showed about its server's certificate chain. */
export interface TlsObservation {
  /** The URL finally answered (after redirects). */
  url: string;
  /** The chain (and host name) verified against the trusted CAs. */
  trusted: boolean;
  /** Node's verification error when not trusted (e.g. `SELF_SIGNED_CERT_IN_CHAIN`). */
  authorizationError?: string;
  /** SHA-1, upper-case hex, of the last certificate of the served chain (see core/aws/thumbprint.ts). */
  thumbprint: string;
  /** Subjects of the served chain, leaf first, for doctor. */
  chainSubjects?: string[];
  /** The earliest expiry (ISO 8601) among the served chain's certificates: when the host stops working. */
  notAfter?: string;
}

/** Fetches discovery + JWKS for an issuer (HTTPS only, capped, cached). `refresh` forces a bounded re-fetch. */
export interface IssuerKeySource {
  getKeys(issuerUrl: string, options?: { refresh?: boolean }): Promise<IssuerKeysResult>;
}

export interface AssumeRoleWithWebIdentityRequest {
  roleArn: string;
  roleSessionName: string;
  webIdentityToken: string;
  durationSeconds?: number;
  policy?: string;
  policyArns?: string[];
  providerId?: string;
}

/**
 * Public keys imported from JWKs, kept across decisions by the shell that owns their lifetime (the sandbox for as
 * long as it serves); the core imports a key itself when no cache is handed in or it misses.
 */
export interface PublicKeyCache {
  get(issuer: string, jwk: Record<string, unknown>): KeyObject | undefined;
  set(issuer: string, jwk: Record<string, unknown>, key: KeyObject): void;
}

export type AssumeRoleDecision =
  | {
      ok: true;
      role: RoleState;
      provider: OidcProviderState;
      subject: string;
      audience: string;
      issuer: string;
      sessionName: string;
      durationSeconds: number;
      assumedRoleArn: string;
      /** `<roleId>:<sessionName>`. */
      assumedRoleId: string;
      /** The provider's ARN (AWS answers it as `Provider`). */
      providerArn: string;
      /** One check per link of the chain, in AWS's order (`irsa doctor` prints these). */
      trace: Check[];
      /** The token's verified claims. */
      claims: Record<string, unknown>;
      trust: TrustEvaluation;
    }
  | {
      ok: false;
      error: AwsError;
      /** One check per link of the chain, in AWS's order (`irsa doctor` prints these). */
      trace: Check[];
      /** The token's claims when they could be decoded (unverified unless the signature check passed). */
      claims?: Record<string, unknown>;
      /** The trust-policy evaluation when it was reached. */
      trust?: TrustEvaluation;
    };
