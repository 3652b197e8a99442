/**
 * Whether a host's chain verifies against Node's bundled public roots ONLY — the stand-in for AWS's CA library.
 * The fetcher's own verdict also counts --trust-ca and NODE_EXTRA_CA_CERTS, which AWS knows nothing about, so a
 * chain trusted only through them is still a private CA for doctor.
 */
import { isIP } from 'node:net';
import { connect, rootCertificates } from 'node:tls';

export interface PublicTrust {
  authorized: boolean;
  error?: string;
}

export function publicTrust(url: string, timeoutMs = 5000): Promise<PublicTrust> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port: Number(u.port || 443),
      servername: isIP(host) ? undefined : host,
      ca: rootCertificates as string[],
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    const done = (r: PublicTrust) => {
      socket.destroy();
      resolve(r);
    };
    socket.once('secureConnect', () =>
      done(
        socket.authorized
          ? { authorized: true }
          : { authorized: false, error: String(socket.authorizationError ?? 'untrusted') },
      ),
    );
    socket.once('timeout', () => done({ authorized: false, error: `timed out after ${timeoutMs} ms` }));
    socket.once('error', (e) => done({ authorized: false, error: e.message }));
  });
}
