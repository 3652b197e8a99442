/**
 * After publishing, the two documents read back the way their readers will see them: anonymously over HTTPS from
 * the issuer URL and jwks_uri (what AWS STS fetches), or — when S3's endpoint is overridden (moto, a local S3),
 * where no public HTTPS URL serves them — through the S3 API. Each must be byte for byte what was written, served
 * as `application/json`, with a Cache-Control max-age of at most an hour.
 */
import { E, IrsaError } from '../../core/errors.js';
import type { CurrentDocument } from '../../core/provision/types.js';
import { discoveryUrl, type OidcKeyFetcher } from '../oidc/fetcher.js';
import type { AwsCaller } from './aws-call.js';
import { readObject } from './read-s3.js';

export interface ReadBackTarget {
  issuer: string;
  jwksUri: string;
  /** The bodies written. */
  expected: { discovery: string; jwks: string };
  /** Where they were written in S3, for a read through the S3 API. */
  s3?: { bucket: string; discoveryKey: string; jwksKey: string };
}

export interface ReadBackCheck {
  document: 'discovery' | 'jwks';
  /** The URL, or `s3://bucket/key`. */
  location: string;
  via: 'https' | 's3';
  ok: boolean;
  /** What differs, in words (empty when ok). */
  problems: string[];
}

export interface ReadBackDeps {
  /** The anonymous HTTPS reader (its --trust-ca counts for a private CA). */
  fetcher?: OidcKeyFetcher;
  /** For the S3 API read. */
  caller?: AwsCaller;
  /** Read through the S3 API instead of HTTPS (an overridden S3 endpoint). */
  viaS3?: boolean;
}

/** At most an hour, as irsa publishes it (AWS STS caches the documents for as long as they say). */
const MAX_AGE_LIMIT = 3600;

export async function readBackDocuments(target: ReadBackTarget, deps: ReadBackDeps): Promise<ReadBackCheck[]> {
  const s3 = target.s3;
  if (deps.viaS3 && s3 && deps.caller) {
    const caller = deps.caller;
    return Promise.all([
      viaS3(caller, 'discovery', s3.bucket, s3.discoveryKey, target.expected.discovery),
      viaS3(caller, 'jwks', s3.bucket, s3.jwksKey, target.expected.jwks),
    ]);
  }
  if (!deps.fetcher)
    throw new IrsaError(E.ERR_INTERNAL, 'reading the documents back needs an HTTPS fetcher or S3 clients');
  const fetcher = deps.fetcher;
  return Promise.all([
    viaHttps(fetcher, 'discovery', discoveryUrl(target.issuer), target.expected.discovery),
    viaHttps(fetcher, 'jwks', target.jwksUri, target.expected.jwks),
  ]);
}

async function viaS3(
  caller: AwsCaller,
  document: ReadBackCheck['document'],
  bucket: string,
  key: string,
  expected: string,
): Promise<ReadBackCheck> {
  const location = `s3://${bucket}/${key}`;
  let found: CurrentDocument | undefined;
  try {
    found = await readObject(caller, bucket, key);
  } catch (e) {
    return { document, location, via: 's3', ok: false, problems: [(e as Error).message] };
  }
  const problems = found
    ? compare(document, expected, found.body, found.contentType, found.cacheControl)
    : ['not found (NoSuchKey)'];
  return { document, location, via: 's3', ok: problems.length === 0, problems };
}

async function viaHttps(
  fetcher: OidcKeyFetcher,
  document: ReadBackCheck['document'],
  url: string,
  expected: string,
): Promise<ReadBackCheck> {
  const r = await fetcher.fetchRaw(url);
  if (!r.ok) return { document, location: url, via: 'https', ok: false, problems: [r.detail] };
  const header = (name: string) => {
    const v = r.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  const problems = compare(
    document,
    expected,
    r.body.toString('utf8'),
    header('content-type'),
    header('cache-control'),
  );
  return { document, location: url, via: 'https', ok: problems.length === 0, problems };
}

/** What differs from what was written, in words. A JWKS may also be `application/jwk-set+json`, as kube-apiserver serves it. */
export function compare(
  document: ReadBackCheck['document'],
  expected: string,
  body: string,
  contentType: string | undefined,
  cacheControl: string | undefined,
): string[] {
  const problems: string[] = [];
  if (body !== expected)
    problems.push(`the body differs from what was published (${body.length} bytes, expected ${expected.length})`);
  const types = document === 'jwks' ? /^application\/(jwk-set\+)?json\s*(;|$)/i : /^application\/json\s*(;|$)/i;
  if (!types.test(contentType ?? '')) {
    problems.push(`Content-Type is ${contentType ?? 'missing'}, not application/json`);
  }
  const maxAge = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl ?? '');
  if (!maxAge) problems.push(`Cache-Control ${cacheControl ?? 'missing'} has no max-age`);
  else if (Number(maxAge[1]) > MAX_AGE_LIMIT) {
    problems.push(`Cache-Control max-age ${maxAge[1]} is over an hour: a rotated key would take that long to be seen`);
  }
  return problems;
}
