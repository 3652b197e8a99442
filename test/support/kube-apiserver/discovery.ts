/** Discovery documents for kubectl (/api, /apis, /api/v1, /apis/G/V) and /version. */
import { apiVersionOf, RESOURCES, type ResourceDef, VERBS } from './resources.js';

export const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-irsa-test',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** The discovery document at `path` (no trailing slash), or undefined when it is not a discovery path. */
export function discoveryDoc(path: string, serverAddress: string): unknown | undefined {
  if (path === '/api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }
  if (path === '/apis') return groupList();
  const gv = path === '/api/v1' ? 'v1' : path.startsWith('/apis/') ? path.slice('/apis/'.length) : undefined;
  const defs = RESOURCES.filter((r) => apiVersionOf(r) === gv);
  if (defs.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources: defs.flatMap(resourceEntries) };
}

function groupList() {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...new Set(RESOURCES.filter((r) => r.group).map((r) => r.group))].map((g) => {
      const gv = { groupVersion: `${g}/v1`, version: 'v1' };
      return { name: g, versions: [gv], preferredVersion: gv };
    }),
  };
}

/** A resource and its /status subresource. */
function resourceEntries(r: ResourceDef) {
  return [
    {
      name: r.name,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: VERBS,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    },
    {
      name: `${r.name}/status`,
      singularName: '',
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ['get', 'patch', 'update'],
    },
  ];
}
