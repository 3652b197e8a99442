/**
 * A cluster's publishing target — the issuer's root in a bucket or a directory — and the rules that tie it to the
 * issuer URL: both documents lie under the issuer, and an issuer that is the bucket's own S3 URL must name this
 * very bucket and prefix (and can be served over https at all).
 */
import { isAbsolute, join } from 'node:path';
import { bucketNameProblem, joinKey, s3UrlLocation } from '../aws/s3-names.js';
import { formatDuration } from '../duration.js';
import type { Findings } from './findings.js';
import type { RawCluster } from './schema.js';
import type { PublishTarget } from './types.js';
import { readDuration } from './values.js';
import type { FieldPath } from './yaml-source.js';

/** Documents are cached at most an hour (AWS asks for caching; rotation needs it short). kube-apiserver sends 1h. */
export const MAX_CACHE_SECONDS = 3600;

export function resolvePublish(
  raw: RawCluster,
  at: FieldPath,
  /** `layout`: the two documents' paths below the issuer's root (core/issuer/published-check.ts publishLayout). */
  context: { issuer: string; layout: { discovery: string; jwks: string }; region: string; dir: string },
  findings: Findings,
): PublishTarget | undefined {
  const { s3, directory } = raw.publish;
  const path = [...at, 'publish'];
  if ((s3 === undefined) === (directory === undefined)) {
    findings.problem(path, 'must give exactly one of s3 (a bucket) or directory');
    return undefined;
  }
  const { discovery, jwks } = context.layout;
  if (directory !== undefined) {
    const root = isAbsolute(directory) ? directory : join(context.dir, directory);
    return { kind: 'directory', directory: root, discoveryPath: join(root, discovery), jwksPath: join(root, jwks) };
  }
  const s3Path = [...path, 's3'];
  const bucket = s3!.bucket;
  const prefix = (s3!.prefix ?? '').replace(/^\/+|\/+$/g, '');
  const bucketProblem = bucketNameProblem(bucket);
  if (bucketProblem) findings.problem([...s3Path, 'bucket'], bucketProblem);
  checkS3Issuer(context.issuer, { bucket, prefix, region: context.region }, [...at, 'issuer'], findings);
  const maxAge =
    s3!.maxAge === undefined ? MAX_CACHE_SECONDS : readDuration(s3!.maxAge, [...s3Path, 'maxAge'], findings);
  if (maxAge !== undefined && (maxAge < 60 || maxAge > MAX_CACHE_SECONDS)) {
    findings.problem(
      [...s3Path, 'maxAge'],
      `is ${formatDuration(maxAge)}; give 1m to 1h (AWS STS caches the documents; keys rotate)`,
    );
  }
  return {
    kind: 's3',
    bucket,
    prefix,
    create: s3!.create ?? false,
    cacheControl: `public, max-age=${maxAge ?? MAX_CACHE_SECONDS}`,
    discoveryKey: joinKey(prefix, discovery),
    jwksKey: joinKey(prefix, jwks),
  };
}

/**
 * When the issuer is an S3 endpoint URL, it must be this bucket and prefix (and region when it names one): the
 * documents would otherwise go where no token's issuer points. A bucket name with dots cannot be served
 * virtual-hosted over https: S3's certificate `*.s3.REGION.amazonaws.com` covers one DNS label only.
 */
function checkS3Issuer(
  issuer: string,
  target: { bucket: string; prefix: string; region: string },
  at: FieldPath,
  findings: Findings,
): void {
  const location = s3UrlLocation(issuer);
  if (!location) return;
  const names = `the bucket ${location.bucket} and prefix "${location.prefix}"`;
  if (location.bucket !== target.bucket || location.prefix !== target.prefix) {
    findings.problem(
      at,
      `is an S3 URL naming ${names}, but publish.s3 is bucket ${target.bucket} and prefix "${target.prefix}": they must be the same`,
    );
  } else if (location.region !== undefined && location.region !== target.region) {
    findings.problem(at, `names region ${location.region}, but region is ${target.region}: the bucket lives in one`);
  }
  if (location.style === 'virtual-hosted' && location.bucket.includes('.')) {
    findings.problem(
      at,
      `cannot be served: the bucket name ${location.bucket} has dots, and S3's https certificate ` +
        `(*.s3.REGION.amazonaws.com) covers one label only; use a bucket name without dots, or the path-style URL ` +
        `https://s3.${target.region}.amazonaws.com/${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`,
    );
  }
}
