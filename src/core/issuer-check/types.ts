/**
 * What `irsa issuer check` and `irsa issuer watch` compare: the three planes of a self-managed issuer — the
 * apiservers (each one's key set, and the key a fresh token is signed with), the public copy (read as STS reads it,
 * and again past any cache), and IAM (the OIDC provider, optionally an STS canary). The shell (src/io/issuer-watch/)
 * gathers these facts; the checks of this folder are pure functions of them, one check per file, each returning a
 * DoctorCheck (id, status, message, one-line fix) so that doctor and the watch read alike.
 */
import type { IssuerFacts } from '../doctor/issuer-checks.js';
import type { OidcProviderState } from '../sts/types.js';

export type { DoctorCheck as IssuerCheck } from '../doctor/types.js';

/** A JWK as served (only its public members are compared). */
export type Jwk = Record<string, unknown>;

/** One apiserver endpoint's /openid/v1/jwks, or why it could not be read. */
export interface EndpointKeys {
  /** `host:port` of the endpoint (or the cluster address when endpoints could not be listed). */
  endpoint: string;
  keys?: Jwk[];
  error?: string;
}

export interface ApiserverFacts {
  /** Where the endpoints came from; `cluster-address`: they could not be listed, the cluster URL was read instead. */
  via: 'endpointslice' | 'endpoints' | 'cluster-address';
  /** Why the endpoints could not be listed (with `cluster-address`). */
  listError?: string;
  endpoints: EndpointKeys[];
}

/** The kid of a token freshly requested for the checker's own ServiceAccount (TokenRequest), or why there is none. */
export interface SigningFacts {
  serviceAccount?: string;
  kid?: string;
  error?: string;
}

/** The JWKS read with a cache-busting query: what the origin serves now. */
export type FreshRead = { ok: true; url: string; keys: Jwk[] } | { ok: false; error: string };

/** A host of the issuer as the TLS probe saw it. */
export interface TlsHost {
  url: string;
  thumbprint: string;
  trusted: boolean;
  /** ISO 8601: the earliest expiry among the served chain's certificates. */
  notAfter?: string;
}

export type TlsFacts = { ok: true; hosts: TlsHost[] } | { ok: false; error: string };

/** IAM as read with the checker's credentials; `error`: why it could not be read (no credentials, denied). */
export type IamFacts =
  | { ok: true; providers: { arn: string; url: string }[]; provider?: OidcProviderState; expectedClientIds: string[] }
  | { ok: false; error: string };

/** The STS canary's answer: credentials, or AWS's error code and message (or why no answer came). */
export type CanaryFacts =
  | { ok: true; roleArn: string }
  | { ok: false; roleArn: string; code?: string; message: string };

export interface IssuerWatchFacts {
  /** The issuer URL as configured (every token's iss, the provider URL). */
  issuer: string;
  /** Unix seconds. */
  now: number;
  /** Undefined when no cluster was to be read. */
  apiservers?: ApiserverFacts | { error: string };
  signing?: SigningFacts;
  /** The public documents read as STS reads them (doctor's facts: the fetcher's result and the public-trust verdict). */
  published: IssuerFacts;
  fresh: FreshRead;
  tls: TlsFacts;
  /** Undefined: IAM not read this time (the watch reads it less often; the last result is carried over). */
  iam?: IamFacts;
  /** Undefined: no --canary-role. */
  canary?: CanaryFacts;
}

/** A check that could not run: a warning saying why, never a failure. */
export const notRun = (id: string, title: string, why: string, fix: string) => ({
  id,
  title,
  status: 'warn' as const,
  message: why,
  fix,
});
