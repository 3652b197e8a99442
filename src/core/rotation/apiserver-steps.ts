/**
 * The apiserver side of a rotation, rendered by `irsa issuer apiserver-flags`'s own renderer in the cluster's
 * distribution format, in three steps kube-apiserver needs in this order:
 *   1. add-new-public-key   — the new public key into --service-account-key-file on EVERY apiserver (the old key
 *                             still signs), so every apiserver accepts tokens whichever one signed them;
 *   2. switch-signing-key   — --service-account-signing-key-file to the new key, ONE apiserver at a time, once
 *                             `irsa rotate status` says the switch is safe;
 *   3. remove-old-public-key — the old key out of --service-account-key-file, once no in-cluster token it signed is
 *                             still valid (in-cluster.ts lists what to check).
 */
import { posix } from 'node:path';
import type { ClusterConfig } from '../config/types.js';
import { buildApiserverFlags, type Distro, distroKeyPaths, type KubeadmApi } from '../issuer/apiserver-flags.js';
import { renderYamlDocuments } from '../manifests/render.js';
import type { ApiserverInputs } from './state.js';

export type ApiserverStepId = 'add-new-public-key' | 'switch-signing-key' | 'remove-old-public-key';

export interface ApiserverStep {
  id: ApiserverStepId;
  /** Where and how: every apiserver at once, or one at a time. */
  how: string;
  /** The two settings that change, one line each. */
  summary: string[];
  /** Where the fragment goes (the renderer's target). */
  target: string;
  /** The fragment in the distribution's format. */
  text: string;
}

/**
 * The node paths a rotation starts from: the distribution's own key paths, and the new key beside the signing key
 * under the name of --new-key (`sa-2027.pub` → `<dir>/sa-2027.key` and `<dir>/sa-2027.pub`), or in `nodeKeyDir`.
 */
export function apiserverInputs(o: {
  distro: Distro;
  kubeadmApi?: KubeadmApi;
  previousIssuer?: string;
  apiAudiences?: string[];
  newKeyFile: string;
  nodeKeyDir?: string;
}): ApiserverInputs {
  const paths = distroKeyPaths(o.distro);
  // Paths on the nodes are POSIX paths, whatever this machine is.
  const dir = o.nodeKeyDir ?? posix.dirname(paths.signingKey);
  const name = posix.basename(o.newKeyFile, posix.extname(o.newKeyFile));
  return {
    distro: o.distro,
    ...(o.kubeadmApi ? { kubeadmApi: o.kubeadmApi } : {}),
    ...(o.previousIssuer ? { previousIssuer: o.previousIssuer } : {}),
    ...(o.apiAudiences?.length ? { apiAudiences: o.apiAudiences } : {}),
    oldSigningKey: paths.signingKey,
    oldKeyFiles: paths.keyFiles,
    newSigningKey: posix.join(dir, `${name}.key`),
    newPublicKey: posix.join(dir, `${name}.pub`),
  };
}

const HOW: Record<ApiserverStepId, string> = {
  'add-new-public-key': 'on EVERY apiserver first (restart each); the old key still signs',
  'switch-signing-key': 'then ONE apiserver at a time (restart, wait until it is ready, then the next)',
  'remove-old-public-key': 'on every apiserver, only once no in-cluster token the old key signed is still valid',
};

export function apiserverStep(id: ApiserverStepId, cluster: ClusterConfig, a: ApiserverInputs): ApiserverStep {
  const publicKeys = id === 'remove-old-public-key' ? [a.newPublicKey] : [...a.oldKeyFiles, a.newPublicKey];
  const signingKey = id === 'add-new-public-key' ? a.oldSigningKey : a.newSigningKey;
  const result = buildApiserverFlags({
    distro: a.distro as Distro,
    issuer: cluster.issuer,
    jwksUri: cluster.jwksUri,
    signingKeys: [signingKey],
    publicKeys,
    // The issuer does not change in a key rotation: keep the one(s) accepted today.
    previousIssuer: a.previousIssuer ?? cluster.issuer,
    ...(a.apiAudiences ? { apiAudiences: a.apiAudiences } : {}),
    ...(cluster.maxTokenExpirationSeconds ? { maxTokenExpirationSeconds: cluster.maxTokenExpirationSeconds } : {}),
    ...(a.kubeadmApi ? { kubeadmApi: a.kubeadmApi as KubeadmApi } : {}),
  });
  const text =
    result.format === 'flags'
      ? String(result.document)
      : renderYamlDocuments([{ object: result.document }], `irsa rotate: ${id} (${result.target})`);
  return {
    id,
    how: HOW[id],
    summary: [
      `--service-account-key-file: ${publicKeys.join(', ')}`,
      `--service-account-signing-key-file: ${signingKey}${id === 'add-new-public-key' ? ' (unchanged)' : ''}`,
    ],
    target: result.target,
    text,
  };
}
