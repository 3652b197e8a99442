import { isIP } from 'node:net';

/**
 * Why a host cannot be reached by AWS STS from the internet, or undefined when it looks public. STS fetches the
 * discovery document and the JWKS anonymously over the internet, so cluster-internal names, private and loopback
 * addresses, and the apiserver's own address (kube-apiserver's default jwks_uri) never work.
 */
export function nonPublicHostReason(host: string, apiServerHost?: string): string | undefined {
  const h = host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (apiServerHost && h === apiServerHost.toLowerCase().replace(/^\[|\]$/g, '')) {
    return "is the Kubernetes API server's own address";
  }
  const ipVersion = isIP(h);
  if (ipVersion === 4) return privateIpv4Reason(h);
  if (ipVersion === 6) return privateIpv6Reason(h);
  if (h === 'localhost' || h.endsWith('.localhost')) return 'is loopback (localhost)';
  if (h === 'kubernetes' || h.startsWith('kubernetes.default')) return 'is the in-cluster API service name';
  if (h.endsWith('.svc') || h.includes('.svc.')) return 'is a cluster-internal Service name';
  if (h.endsWith('.cluster.local')) return 'is a cluster-internal DNS name (cluster.local)';
  for (const tld of ['.local', '.internal', '.lan', '.localdomain', '.home.arpa', '.intranet', '.corp']) {
    if (h.endsWith(tld)) return `is a private DNS name (${tld})`;
  }
  if (!h.includes('.')) return 'is a single-label host name, not resolvable on the internet';
  return undefined;
}

function privateIpv4Reason(ip: string): string | undefined {
  const [a, b] = ip.split('.').map(Number);
  if (a === 127) return 'is a loopback address';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168))
    return 'is a private (RFC 1918) address';
  if (a === 169 && b === 254) return 'is a link-local address';
  if (a === 100 && b >= 64 && b <= 127) return 'is a carrier-grade NAT (RFC 6598) address';
  if (a === 0) return 'is not a routable address';
  return undefined;
}

function privateIpv6Reason(ip: string): string | undefined {
  if (ip === '::1') return 'is a loopback address';
  if (ip === '::') return 'is not a routable address';
  if (/^f[cd]/.test(ip)) return 'is a unique-local (private) IPv6 address';
  if (/^fe[89ab]/.test(ip)) return 'is a link-local IPv6 address';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (mapped) return privateIpv4Reason(mapped[1]);
  return undefined;
}
