/**
 * The issuer host's private CA (DIR/ca.pem, key DIR/ca-key.pem), kept across restarts so a provider thumbprint taken
 * once stays valid, and a fresh serving certificate for 127.0.0.1 and localhost signed by it at every start.
 */
// @peculiar/x509 (used by core/certs/issue.ts) needs this global Reflect polyfill; the shell loads it, not core.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueCa, issueServingCert } from '../core/certs/issue.js';
import { E, IrsaError } from '../core/errors.js';
import { writeFileAtomicSync } from '../io/files.js';
import { isNotFound, systemErrorWords } from '../io/system-errors.js';

export interface IssuerTls {
  caPem: string;
  /** Leaf then CA: the chain served, whose last certificate is the one IAM fingerprints. */
  chainPem: string;
  keyPem: string;
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw new IrsaError(E.ERR_SANDBOX_CA, `${path}: cannot read (${systemErrorWords(e)})`);
  }
}

export async function loadIssuerTls(stateDir: string, days = 30): Promise<IssuerTls> {
  const caPath = join(stateDir, 'ca.pem');
  const caKeyPath = join(stateDir, 'ca-key.pem');
  let caPem = readIfPresent(caPath);
  let caKeyPem = readIfPresent(caKeyPath);
  if ((caPem === undefined) !== (caKeyPem === undefined)) {
    throw new IrsaError(E.ERR_SANDBOX_CA, `${stateDir}: ca.pem and ca-key.pem must both exist or both be absent`);
  }
  if (caPem === undefined || caKeyPem === undefined) {
    const ca = await issueCa({ commonName: 'irsa-anywhere sandbox issuer CA' });
    caPem = ca.certPem;
    caKeyPem = ca.keyPem;
    writeFileAtomicSync(caKeyPath, caKeyPem, 0o600);
    writeFileAtomicSync(caPath, caPem, 0o644);
  }
  let leaf: Awaited<ReturnType<typeof issueServingCert>>;
  try {
    leaf = await issueServingCert({
      ca: { certPem: caPem, keyPem: caKeyPem },
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      days,
    });
  } catch (e) {
    const why = e instanceof IrsaError ? e.message : 'the CA certificate and key do not work together';
    throw new IrsaError(E.ERR_SANDBOX_CA, `${caPath}: cannot sign the issuer certificate (${why})`);
  }
  return { caPem, chainPem: `${leaf.certPem.trimEnd()}\n${caPem.trimEnd()}\n`, keyPem: leaf.keyPem };
}
