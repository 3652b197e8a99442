/**
 * How long a fetched discovery document or JWKS may be reused, from its response headers. AWS told GitLab that
 * `no-cache`, `max-age=0` and `Pragma: no-cache` make STS refetch (reference §B2.3), so we honour them likewise.
 */
export interface CachePolicy {
  /** Seconds the document may be reused; 0 = refetch on every use. */
  ttlSeconds: number;
  /** What decided it, for doctor. */
  source: 'max-age' | 'no-store' | 'no-cache' | 'pragma' | 'default';
}

export function cachePolicy(
  cacheControl: string | undefined,
  pragma: string | undefined,
  limits: { defaultTtlSeconds: number; maxTtlSeconds: number },
): CachePolicy {
  if (cacheControl) {
    const directives = cacheControl
      .toLowerCase()
      .split(',')
      .map((d) => d.trim());
    if (directives.includes('no-store')) return { ttlSeconds: 0, source: 'no-store' };
    if (directives.some((d) => d === 'no-cache' || d.startsWith('no-cache=')))
      return { ttlSeconds: 0, source: 'no-cache' };
    for (const d of directives) {
      const m = /^max-age\s*=\s*"?(\d+)"?$/.exec(d);
      if (m) return { ttlSeconds: Math.min(Number(m[1]), limits.maxTtlSeconds), source: 'max-age' };
    }
  } else if (pragma && /no-cache/i.test(pragma)) {
    return { ttlSeconds: 0, source: 'pragma' };
  }
  return { ttlSeconds: Math.min(limits.defaultTtlSeconds, limits.maxTtlSeconds), source: 'default' };
}
