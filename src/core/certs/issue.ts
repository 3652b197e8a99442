import { X509Certificate as NodeX509 } from 'node:crypto';
import type * as X509 from '@peculiar/x509';
import { E, IrsaError } from '../errors.js';
import { parseKeys } from '../keys/parse.js';

/**
 * Issues a private CA and serving certificates for it (ECDSA P-256, SHA-256): what an admission webhook needs
 * without cert-manager. Pure apart from WebCrypto: PEM in, PEM out, the clock passed in.
 */

/**
 * @peculiar/x509, loaded when a certificate is issued. Version 2 resolves its algorithms through tsyringe, which
 * refuses to load without a Reflect metadata polyfill ("tsyringe requires a reflect polyfill", checked with 2.2.0).
 * That polyfill patches the global Reflect, so it is loaded by the shells that issue certificates (`import
 * 'reflect-metadata'` in cli/commands/webhook-certs.ts, webhook/self-managed-certs.ts, sandbox/issuer-ca.ts), never
 * by importing this module; loading the library here, at first use, keeps that order whatever the bundler does.
 */
async function loadX509(): Promise<typeof X509> {
  try {
    return await import('@peculiar/x509');
  } catch (e) {
    throw new IrsaError(
      E.ERR_INTERNAL,
      "certificates cannot be issued: the process must load 'reflect-metadata' before @peculiar/x509",
      { cause: e },
    );
  }
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Certificates start a little in the past so a node whose clock lags still accepts them. */
const BACKDATE_MS = 5 * 60_000;

export interface IssuedPair {
  certPem: string;
  keyPem: string;
  notBefore: Date;
  notAfter: Date;
  /** Hex, as node:crypto X509Certificate prints it. */
  serialNumber: string;
}

export interface ValidityOptions {
  /** Defaults to the current time. */
  now?: Date;
  /** Validity in days from `now` (ignored when notAfter is given). */
  days?: number;
  notBefore?: Date;
  notAfter?: Date;
}

function validity(o: ValidityOptions, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const now = o.now ?? new Date();
  const notBefore = o.notBefore ?? new Date(now.getTime() - BACKDATE_MS);
  const notAfter = o.notAfter ?? new Date(now.getTime() + (o.days ?? defaultDays) * DAY_MS);
  if (notAfter <= notBefore) throw new IrsaError(E.ERR_CERT_REQUEST, 'certificate validity must be positive');
  return { notBefore, notAfter };
}

function serial(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] &= 0x7f; // positive
  b[0] |= 0x01; // no leading zero byte, so the hex form is stable
  return Buffer.from(b).toString('hex');
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

function pair(cert: X509.X509Certificate, key: string): IssuedPair {
  return {
    certPem: `${cert.toString('pem')}\n`,
    keyPem: key,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    serialNumber: new NodeX509(cert.toString('pem')).serialNumber,
  };
}

/** A self-signed CA that may only sign end-entity certificates (pathLen 0). Ten years by default. */
export async function issueCa(options: ValidityOptions & { commonName?: string } = {}): Promise<IssuedPair> {
  const { notBefore, notAfter } = validity(options, 3650);
  const x509 = await loadX509();
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${escapeDn(options.commonName ?? 'irsa-anywhere webhook CA')}`,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return pair(cert, await keyPem(keys.privateKey));
}

/** The DNS names a webhook Service is reached by, as the EKS webhook's CSR lists them. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

export interface ServingCertOptions extends ValidityOptions {
  ca: { certPem: string; keyPem: string };
  dnsNames: string[];
  ipAddresses?: string[];
}

/** A serving (TLS server) certificate signed by `ca`. One year by default, never past the CA's own expiry. */
export async function issueServingCert(options: ServingCertOptions): Promise<IssuedPair> {
  if (options.dnsNames.length === 0 && !options.ipAddresses?.length) {
    throw new IrsaError(E.ERR_CERT_REQUEST, 'a serving certificate needs at least one DNS name or IP address');
  }
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(options.ca.certPem);
  const caKey = await importSigningKey(options.ca.keyPem);
  const v = validity(options, 365);
  const notAfter = new Date(Math.min(v.notAfter.getTime(), caCert.notAfter.getTime()));
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${escapeDn(options.dnsNames[0] ?? options.ipAddresses?.[0] ?? 'webhook')}`,
    issuer: caCert.subject,
    notBefore: v.notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...options.dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return pair(cert, await keyPem(keys.privateKey));
}

/** The CA key goes through the one key parser; WebCrypto then takes it as PKCS#8. */
async function importSigningKey(pem: string): Promise<CryptoKey> {
  const key = parseKeys(pem, 'CA key').find((k) => k.privateKey);
  if (!key?.privateKey || key.curve !== 'P-256') {
    throw new IrsaError(E.ERR_CERT_REQUEST, 'CA key: expected an EC P-256 private key');
  }
  const der = key.privateKey.export({ type: 'pkcs8', format: 'der' });
  return crypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
}

function escapeDn(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}
