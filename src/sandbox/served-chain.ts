/**
 * Connects to a provider's host over TLS and returns the DER of the last certificate of the chain it serves: what
 * IAM fingerprints when CreateOpenIDConnectProvider is called without a ThumbprintList.
 */
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';

export function servedTopCertificate(url: string, timeoutMs = 5000): Promise<Buffer> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || 443);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      // Untrusted chains are exactly the ones that need a thumbprint; nothing is sent over this connection.
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    const done = (e?: Error, der?: Buffer) => {
      socket.destroy();
      if (e) reject(e);
      else resolve(der as Buffer);
    };
    socket.once('secureConnect', () => {
      let cert = socket.getPeerCertificate(true) as DetailedPeerCertificate;
      if (!cert?.raw) return done(new Error('no certificate served'));
      const seen = new Set<string>();
      while (cert.issuerCertificate && cert.issuerCertificate !== cert && !seen.has(cert.fingerprint256)) {
        seen.add(cert.fingerprint256);
        cert = cert.issuerCertificate;
      }
      done(undefined, cert.raw);
    });
    socket.once('timeout', () => done(new Error(`timed out after ${timeoutMs} ms`)));
    socket.once('error', (e) => done(e));
  });
}
