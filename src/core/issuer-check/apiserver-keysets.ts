/** `apiserver-keysets`: every kube-apiserver serves the same key set, else tokens one signs fail at another. */
import { kidList, sameKeySet } from './keys.js';
import { type ApiserverFacts, type IssuerCheck, type Jwk, notRun } from './types.js';

const ID = 'apiserver-keysets';
const TITLE = 'Apiserver key sets';
const ACCESS_FIX =
  'give it --kubeconfig/--context, or run it in the cluster with the RBAC of `irsa issuer watch manifests`';

export function apiserverKeysetsCheck(apiservers: ApiserverFacts | { error: string } | undefined): IssuerCheck {
  if (apiservers === undefined) {
    return { id: ID, title: TITLE, status: 'skip', message: 'no cluster to read (--issuer only)' };
  }
  if ('error' in apiservers)
    return notRun(ID, TITLE, `cannot read the apiservers' keys: ${apiservers.error}`, ACCESS_FIX);
  const read = apiservers.endpoints.filter((e): e is { endpoint: string; keys: Jwk[] } => e.keys !== undefined);
  const failed = apiservers.endpoints.filter((e) => e.keys === undefined);
  if (read.length === 0) {
    const why = failed.map((e) => `${e.endpoint}: ${e.error ?? 'no answer'}`).join('; ');
    return notRun(ID, TITLE, `no apiserver endpoint answered /openid/v1/jwks (${why})`, ACCESS_FIX);
  }
  const groups: { endpoints: string[]; keys: Jwk[] }[] = [];
  for (const e of read) {
    const g = groups.find((x) => sameKeySet(x.keys, e.keys));
    if (g) g.endpoints.push(e.endpoint);
    else groups.push({ endpoints: [e.endpoint], keys: e.keys });
  }
  if (groups.length > 1) {
    return {
      id: ID,
      title: TITLE,
      status: 'fail',
      message: `the apiservers hold ${groups.length} different key sets: ${groups
        .map((g) => `${g.endpoints.join(', ')} serve ${kidList(g.keys)}`)
        .join('; ')}`,
      fix:
        'give every kube-apiserver the same --service-account-key-file set (copy the keys to each control-plane ' +
        'node, restart); meanwhile publish the union (irsa issuer watch --publish)',
    };
  }
  return partialOrPass(apiservers, read.length, groups[0].keys, failed);
}

function partialOrPass(
  apiservers: ApiserverFacts,
  readCount: number,
  keys: Jwk[],
  failed: { endpoint: string; error?: string }[],
): IssuerCheck {
  const same = `${readCount} apiserver endpoint(s) serve the same ${keys.length} key(s): ${kidList(keys)}`;
  if (failed.length) {
    const why = failed.map((e) => `${e.endpoint}: ${e.error ?? 'no answer'}`).join('; ');
    return notRun(ID, TITLE, `${same}; not read: ${why}`, ACCESS_FIX);
  }
  if (apiservers.via === 'cluster-address') {
    return notRun(
      ID,
      TITLE,
      `${same}, read through the cluster address only (endpoints not listed: ${apiservers.listError ?? 'unknown'}), so a split between apiservers would not show`,
      'allow get on the EndpointSlice default/kubernetes (see `irsa issuer watch manifests`)',
    );
  }
  return { id: ID, title: TITLE, status: 'pass', message: same };
}
