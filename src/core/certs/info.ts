import { X509Certificate as NodeX509 } from 'node:crypto';

/**
 * Facts about a PEM certificate from node:crypto alone (no @peculiar/x509), so a server that only reads its
 * certificate does not load the issuing code.
 */

/** Validity facts about a PEM certificate, for rotation decisions and the expiry metric. */
export function certificateInfo(certPem: string): {
  notBefore: Date;
  notAfter: Date;
  serialNumber: string;
  dnsNames: string[];
} {
  const c = new NodeX509(certPem);
  const dnsNames = (c.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  return { notBefore: new Date(c.validFrom), notAfter: new Date(c.validTo), serialNumber: c.serialNumber, dnsNames };
}

/** True once less than `fraction` (default a third) of the certificate's lifetime is left. */
export function needsRotation(certPem: string, now = new Date(), fraction = 1 / 3): boolean {
  const { notBefore, notAfter } = certificateInfo(certPem);
  const total = notAfter.getTime() - notBefore.getTime();
  return notAfter.getTime() - now.getTime() < total * fraction;
}
