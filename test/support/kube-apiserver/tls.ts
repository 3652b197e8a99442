/** The test CA and serving certificate, and plain HTTPS servers made with them. */
// Certificates are issued in this process: @peculiar/x509 needs the Reflect polyfill first (src/core/certs/issue.ts).
import 'reflect-metadata';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { issueCa, issueServingCert } from '../../../src/core/certs/issue.js';

export interface TestTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

// One CA per test process: issuing is the slow part, and every server and client of a process may share it.
let tlsPromise: Promise<TestTls> | undefined;

/**
 * A test CA and a serving certificate for 127.0.0.1, 127.0.0.2 (a second apiserver endpoint) and localhost (ECDSA
 * P-256), made once per process.
 */
export function makeTestTls(): Promise<TestTls> {
  tlsPromise ??= generateTls();
  return tlsPromise;
}

async function generateTls(): Promise<TestTls> {
  // The project's one certificate issuer (src/core/certs), as the sandbox and the webhook use it.
  const ca = await issueCa({ days: 7, commonName: 'irsa-anywhere test CA' });
  const leaf = await issueServingCert({
    ca,
    days: 7,
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '127.0.0.2'],
  });
  return { caPem: ca.certPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
}

/** A plain HTTPS server on 127.0.0.1 with the test CA (for published-JWKS hosts and the like). */
export async function startHttpsServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; caPem: string; server: Server; close(): Promise<void> }> {
  const tls = await makeTestTls();
  const server = createServer({ key: tls.keyPem, cert: tls.certPem }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: tls.caPem,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
