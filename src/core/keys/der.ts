/**
 * How many bytes follow the outermost DER element, or undefined when its header cannot be read. OpenSSL (and so
 * node:crypto) reads one element and ignores what follows; Go's x509.ParsePKIXPublicKey, ParseCertificate and
 * ParsePKCS1PrivateKey refuse trailing data, which decides what kube-apiserver can read.
 */
export function derTrailingBytes(der: Uint8Array): number | undefined {
  if (der.length < 2) return undefined;
  const first = der[1];
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4 || der.length < 2 + n) return undefined;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + der[2 + i];
    header += n;
  }
  const total = header + length;
  return total > der.length ? undefined : der.length - total;
}
