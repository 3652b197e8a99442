/**
 * A self-managed issuer on local parts, for `irsa issuer check` and `irsa issuer watch`: the sandbox's HTTPS
 * issuer host serving the public copy (its private CA), one or two local test apiservers (the second on 127.0.0.2,
 * the same port: an HA pair behind the EndpointSlice default/kubernetes) whose key sets and signing key the test
 * sets, TokenRequest for the checker's own ServiceAccount, and the sandbox's IAM and STS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDiscovery, serializeDiscovery } from '../../src/core/issuer/discovery.js';
import { buildJwks, serializeJwks } from '../../src/core/issuer/jwks.js';
import { type GeneratedKeyPair, generateSigningKey } from '../../src/core/keys/generate.js';
import { mintToken } from '../../src/core/tokens/mint.js';
import { writeFileAtomic } from '../../src/io/files.js';
import { OidcKeyFetcher } from '../../src/io/oidc/fetcher.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { type FakeKube, startKubeApiServer } from './kube-apiserver.js';

/** Every metric the watch exports, pinned: alerts and dashboards depend on these names. */
export const METRIC_NAMES = [
  'irsa_iam_oidc_provider_match',
  'irsa_issuer_apiserver_keysets',
  'irsa_issuer_check_success',
  'irsa_issuer_fetch_duration_seconds',
  'irsa_issuer_keys',
  'irsa_issuer_last_run_timestamp_seconds',
  'irsa_issuer_last_success_timestamp_seconds',
  'irsa_issuer_public_cache_age_seconds',
  'irsa_issuer_publish_total',
  'irsa_issuer_published_reachable',
  'irsa_issuer_signing_key_published',
  'irsa_issuer_stale_published_keys',
  'irsa_issuer_tls_certificate_expiry_timestamp_seconds',
  'irsa_issuer_unpublished_keys',
  'irsa_sts_probe_success',
];

export const WATCH_NS = 'irsa-system';
export const WATCH_SA = 'irsa-issuer-watch';

type After = { after: (fn: () => unknown) => void };

export async function startIssuerWorld(t: After, o: { apiservers?: 1 | 2; certDays?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-issuer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sb = await startSandbox({
    stateDir: join(dir, 'sandbox'),
    accountId: '111122223333',
    region: 'us-east-1',
    ...(o.certDays ? { issuerCertDays: o.certDays } : {}),
  });
  t.after(() => sb.close());
  const issuer = `${sb.issuerUrlBase}/c1`;
  const keys = { old: generateSigningKey({ type: 'ec' }), next: generateSigningKey({ type: 'ec' }) };
  const first = await startKubeApiServer();
  t.after(() => first.close());
  const apiservers: FakeKube[] = [first];
  if (o.apiservers === 2) {
    const port = Number(new URL(first.url).port);
    const second = await startKubeApiServer({ token: first.token, host: '127.0.0.2', port });
    t.after(() => second.close());
    apiservers.push(second);
  }
  first.put('serviceaccounts', { metadata: { name: WATCH_SA, namespace: WATCH_NS } });
  first.put('endpointslices', endpointSlice(apiservers));
  const kubeconfig = first.writeKubeconfig(dir);
  const caFile = join(dir, 'issuer-ca.pem');
  writeFileSync(caFile, sb.caPem);
  const world = {
    sb,
    dir,
    issuer,
    keys,
    apiservers,
    kubeconfig,
    caFile,
    /** Writes discovery and JWKS of `published` to the sandbox's issuer host (under `issuerUrl`'s path). */
    async publish(published: GeneratedKeyPair[], issuerUrl = issuer, root = join(sb.issuerDir, 'c1')) {
      const jwks = buildJwks(published.map((k) => k.key));
      await writeFileAtomic(
        join(root, '.well-known', 'openid-configuration'),
        serializeDiscovery(buildDiscovery(issuerUrl, `${issuerUrl}/openid/v1/jwks`, jwks)),
      );
      await writeFileAtomic(join(root, 'openid', 'v1', 'jwks'), serializeJwks(jwks));
    },
    /** The key set apiserver `i` holds (its /openid/v1/jwks). */
    hold(i: number, held: GeneratedKeyPair[], issuerUrl = issuer) {
      const jwks = buildJwks(held.map((k) => k.key));
      apiservers[i].setDiscovery(
        serializeDiscovery(buildDiscovery(issuerUrl, `${issuerUrl}/openid/v1/jwks`, jwks)),
        serializeJwks(jwks),
      );
    },
    /** Every apiserver answers TokenRequests with tokens signed by `key`. */
    signWith(key: GeneratedKeyPair, issuerUrl = issuer) {
      for (const a of apiservers) {
        a.onTokenRequest(async (namespace, name, spec) => {
          const minted = await mintToken({
            signingKey: key.key,
            issuer: issuerUrl,
            namespace,
            serviceAccount: name,
            audiences: spec.audiences,
            expirationSeconds: spec.expirationSeconds,
          });
          return minted.token;
        });
      }
    },
    /** The SHA-1 AWS would register for the issuer host's chain. */
    async servedThumbprint(): Promise<string> {
      return (await new OidcKeyFetcher().probe(issuer)).thumbprint;
    },
    /** No AWS credentials of any kind (the IAM checks warn), nothing of the machine's own configuration. */
    env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
      const empty = join(dir, 'empty');
      writeFileSync(empty, '');
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
      return {
        ...env,
        HOME: dir,
        KUBECONFIG: '',
        AWS_CONFIG_FILE: empty,
        AWS_SHARED_CREDENTIALS_FILE: empty,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_REGION: 'us-east-1',
        ...extra,
      };
    },
  };
  return world;
}

export type IssuerWorld = Awaited<ReturnType<typeof startIssuerWorld>>;

/** The EndpointSlice kube-apiserver keeps for the `kubernetes` Service: one address per apiserver, one port. */
function endpointSlice(apiservers: FakeKube[]) {
  const port = Number(new URL(apiservers[0].url).port);
  return {
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': 'kubernetes' },
    },
    addressType: 'IPv4',
    endpoints: apiservers.map((a) => ({ addresses: [new URL(a.url).hostname], conditions: { ready: true } })),
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
}
