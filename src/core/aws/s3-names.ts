/**
 * S3's naming rules as far as publishing needs them: what a bucket may be called, what an issuer URL that IS a
 * bucket's own S3 URL says about bucket, prefix and region (virtual-hosted and path style), and object ARNs.
 */

/** S3's general-purpose bucket name rules; undefined when `name` follows them, else why not (words). */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    return 'may hold only lower-case letters, digits, "." and "-", beginning and ending with a letter or digit';
  }
  if (name.includes('..')) return 'may not hold two adjacent periods';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'may not be formatted as an IP address';
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (name.startsWith(prefix)) return `may not begin with ${prefix} (reserved by S3)`;
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (name.endsWith(suffix)) return `may not end with ${suffix} (reserved by S3)`;
  }
  return undefined;
}

/** What an S3 URL says: the bucket, the key prefix (no leading or trailing `/`), the region when it names one. */
export interface S3UrlLocation {
  style: 'virtual-hosted' | 'path';
  bucket: string;
  prefix: string;
  /** Undefined for the global endpoints (`s3.amazonaws.com`), which serve every region. */
  region?: string;
}

const S3_DOMAIN = String.raw`amazonaws\.com(?:\.cn)?`;
const REGIONAL = String.raw`s3(?:\.dualstack)?[.-]([a-z0-9-]+)`;
const VIRTUAL_REGIONAL = new RegExp(String.raw`^(.+)\.${REGIONAL}\.${S3_DOMAIN}$`);
const VIRTUAL_GLOBAL = new RegExp(String.raw`^(.+)\.s3\.${S3_DOMAIN}$`);
const PATH_REGIONAL = new RegExp(String.raw`^${REGIONAL}\.${S3_DOMAIN}$`);
const PATH_GLOBAL = new RegExp(String.raw`^s3\.${S3_DOMAIN}$`);

/**
 * The bucket and prefix an issuer URL names when it is an S3 endpoint URL (`https://BUCKET.s3.REGION.amazonaws.com/
 * PREFIX`, `https://s3.REGION.amazonaws.com/BUCKET/PREFIX`, the legacy and global forms); undefined for any other
 * host (a CDN or a domain of one's own in front of the bucket).
 */
export function s3UrlLocation(url: string): S3UrlLocation | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const host = parsed.hostname.toLowerCase();
  const segments = safeDecode(parsed.pathname)
    .split('/')
    .filter((s) => s !== '');
  // Website endpoints serve http only: never an issuer's S3 URL.
  if (/\.?s3-website[.-]/.test(host)) return undefined;
  const virtual = VIRTUAL_REGIONAL.exec(host) ?? VIRTUAL_GLOBAL.exec(host);
  if (virtual) {
    return { style: 'virtual-hosted', bucket: virtual[1], prefix: segments.join('/'), region: regionOf(virtual[2]) };
  }
  const path = PATH_REGIONAL.exec(host) ?? PATH_GLOBAL.exec(host);
  if (path && segments.length > 0) {
    return { style: 'path', bucket: segments[0], prefix: segments.slice(1).join('/'), region: regionOf(path[1]) };
  }
  return undefined;
}

/** `s3-external-1` and the like are us-east-1's legacy names; anything else is the region itself. */
function regionOf(label: string | undefined): string | undefined {
  if (label === undefined) return undefined;
  return label === 'external-1' ? 'us-east-1' : label;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** `arn:<partition>:s3:::<bucket>`: the bucket itself (bucket-level actions). */
export function s3BucketArn(partition: string, bucket: string): string {
  return `arn:${partition}:s3:::${bucket}`;
}

/** `arn:<partition>:s3:::<bucket>/<key>`: what a bucket policy's Resource names (key '' : every object's prefix). */
export function s3ObjectArn(partition: string, bucket: string, key: string): string {
  return `${s3BucketArn(partition, bucket)}/${key}`;
}

/** `prefix/rest`, or `rest` at the bucket's root. */
export function joinKey(prefix: string, rest: string): string {
  return prefix === '' ? rest : `${prefix}/${rest}`;
}
