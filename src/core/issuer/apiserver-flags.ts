import { stringify } from 'yaml';
import { formatDuration } from '../duration.js';
import { E, IrsaError, UsageError } from '../errors.js';
import { APISERVER_DISTROS, type Distro, KUBEADM_DISTROS } from './distros.js';
import { checkIssuerUrl, checkJwksUri, defaultJwksUri } from './issuer-url.js';

/**
 * The kube-apiserver settings that turn a cluster into an IRSA issuer, rendered in each distribution's own config
 * format. Pure: (distro, inputs) -> document + notes; the CLI only renders and prints.
 *
 * Flag types in kube-apiserver decide what a format must do (k8s.io/kubernetes pkg/kubeapiserver/options):
 * --service-account-issuer and --service-account-key-file are StringArray flags: repeatable, and a comma is NOT a
 * separator (a comma-joined value is one bogus issuer / one missing file). --api-audiences is a StringSlice (commas
 * split). --service-account-signing-key-file and --service-account-jwks-uri take one value (last one wins).
 */
export { APISERVER_DISTROS, type Distro } from './distros.js';
export type KubeadmApi = 'v1beta3' | 'v1beta4';

export interface ApiserverFlagsInput {
  distro: Distro;
  issuer: string;
  jwksUri?: string;
  /** Private key paths on the control-plane node; the last one is the newest and signs. */
  signingKeys?: string[];
  /** Public key paths (all keys that verify: old and new while rotating). */
  publicKeys?: string[];
  previousIssuer?: string;
  apiAudiences?: string[];
  /** --service-account-max-token-expiration in seconds (rendered as a Go duration, e.g. 24h). */
  maxTokenExpirationSeconds?: number;
  /** kubeadm / kind only. kubeadm defaults to v1beta4; kind renders both unless one is chosen. */
  kubeadmApi?: KubeadmApi;
}

export interface ApiserverArg {
  name: string;
  value: string;
}

export interface ApiserverFlagsResult {
  distro: Distro;
  /** The flags in the order kube-apiserver must see them (first issuer signs). */
  args: ApiserverArg[];
  /** A YAML-ready object, or the text of the flag lines. */
  document: unknown;
  format: 'yaml' | 'flags';
  /** Where the fragment goes, e.g. /etc/rancher/k3s/config.yaml. */
  target: string;
  /** Explanations that belong with the fragment (why audiences are pinned, migration, format limits). */
  notes: string[];
  /** Things the user should act on (printed as warnings). */
  warnings: string[];
}

interface DistroProfile {
  target: string;
  /** What the distribution sets as --service-account-issuer when left alone (undefined: not known here). */
  defaultIssuer?: string;
  /** What it sets as --api-audiences (kube's own default is the issuer list). */
  defaultAudiences?: string[];
  signingKey: string;
  keyFiles: string[];
  /** Where the defaults above come from. */
  source: string;
}

const KUBE_DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

const PROFILES: Record<Distro, DistroProfile> = {
  generic: {
    target: 'kube-apiserver command line (static Pod manifest, systemd unit, ...)',
    signingKey: '/etc/kubernetes/pki/sa.key',
    keyFiles: ['/etc/kubernetes/pki/sa.pub'],
    source: 'kubeadm layout used as the generic default; adjust the paths to your control plane',
  },
  kubeadm: {
    target: 'kubeadm ClusterConfiguration (kubeadm init/upgrade --config)',
    defaultIssuer: KUBE_DEFAULT_ISSUER,
    signingKey: '/etc/kubernetes/pki/sa.key',
    keyFiles: ['/etc/kubernetes/pki/sa.pub'],
    source: 'kubeadm: issuer https://kubernetes.default.svc.<dnsDomain>, no --api-audiences (so = issuer)',
  },
  kind: {
    target: 'kind Cluster config (kind create cluster --config)',
    defaultIssuer: KUBE_DEFAULT_ISSUER,
    signingKey: '/etc/kubernetes/pki/sa.key',
    keyFiles: ['/etc/kubernetes/pki/sa.pub'],
    source: 'kind runs kubeadm: same defaults as kubeadm',
  },
  k0s: {
    target: 'k0s.yaml (spec.api.extraArgs), then restart k0s controllers',
    defaultIssuer: 'https://kubernetes.default.svc',
    defaultAudiences: ['https://kubernetes.default.svc', 'system:konnectivity-server'],
    signingKey: '/var/lib/k0s/pki/sa.key',
    keyFiles: ['/var/lib/k0s/pki/sa.pub'],
    source:
      'k0s pkg/component/controller/apiserver.go: issuer https://kubernetes.default.svc, api-audiences ' +
      'https://kubernetes.default.svc plus system:konnectivity-server when konnectivity is enabled (the default)',
  },
  k3s: {
    target: '/etc/rancher/k3s/config.yaml (kube-apiserver-arg), then systemctl restart k3s',
    defaultIssuer: KUBE_DEFAULT_ISSUER,
    defaultAudiences: [KUBE_DEFAULT_ISSUER, 'k3s'],
    signingKey: '/var/lib/rancher/k3s/server/tls/service.current.key',
    keyFiles: ['/var/lib/rancher/k3s/server/tls/service.key'],
    source:
      'k3s pkg/daemons/control/server.go: api-audiences https://kubernetes.default.svc.<cluster-domain>,k3s; ' +
      'recent releases sign with service.current.key and verify with service.key (all keys); older releases use ' +
      'service.key for both',
  },
  rke2: {
    target: '/etc/rancher/rke2/config.yaml (kube-apiserver-arg), then systemctl restart rke2-server',
    defaultIssuer: KUBE_DEFAULT_ISSUER,
    defaultAudiences: [KUBE_DEFAULT_ISSUER, 'rke2'],
    signingKey: '/var/lib/rancher/rke2/server/tls/service.current.key',
    keyFiles: ['/var/lib/rancher/rke2/server/tls/service.key'],
    source:
      "RKE2 runs k3s's control-plane code with the program name rke2: same flags as k3s with rke2 in place of k3s " +
      '(derived from the shared code, not read from an RKE2 node)',
  },
  talos: {
    target: 'Talos machine-config patch for control-plane nodes (talosctl patch mc --patch @file)',
    signingKey: '/system/secrets/kubernetes/kube-apiserver/service-account.key',
    keyFiles: ['/system/secrets/kubernetes/kube-apiserver/service-account.pub'],
    source: 'Talos sets --service-account-issuer to cluster.controlPlane.endpoint and manages the key itself',
  },
  microk8s: {
    target: '/var/snap/microk8s/current/args/kube-apiserver, then sudo snap restart microk8s',
    defaultIssuer: 'https://kubernetes.default.svc',
    signingKey: '/var/snap/microk8s/current/certs/serviceaccount.key',
    keyFiles: ['/var/snap/microk8s/current/certs/serviceaccount.key'],
    source:
      'microk8s default-args/kube-apiserver: --service-account-key-file=$SNAP_DATA/certs/serviceaccount.key ' +
      '(SNAP_DATA=/var/snap/microk8s/current); check your args file for the issuer it sets today',
  },
};

/** The distribution's own key paths on its control-plane nodes (a key rotation starts from them). */
export function distroKeyPaths(distro: Distro): { signingKey: string; keyFiles: string[] } {
  const profile = PROFILES[distro];
  if (!profile) throw new UsageError(`--distro must be one of ${APISERVER_DISTROS.join(', ')}, got: ${distro}`);
  return { signingKey: profile.signingKey, keyFiles: [...profile.keyFiles] };
}

/** kube-apiserver: 1 hour <= --service-account-max-token-expiration <= 2^32 seconds. */
const MIN_MAX_EXPIRATION = 3600;
const MAX_MAX_EXPIRATION = 2 ** 32;
/** With --service-account-extend-token-expiration (default true) shorter maxima are refused. */
const EXTENDED_WARN_ONLY_SECONDS = 3607;

const STS_AUDIENCE = /^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/i;

export function buildApiserverFlags(input: ApiserverFlagsInput): ApiserverFlagsResult {
  const profile = PROFILES[input.distro];
  if (!profile) throw new UsageError(`--distro must be one of ${APISERVER_DISTROS.join(', ')}, got: ${input.distro}`);
  if (input.kubeadmApi !== undefined && !KUBEADM_DISTROS.includes(input.distro)) {
    throw new UsageError(`--kubeadm-api applies to --distro ${KUBEADM_DISTROS.join(' or ')}, not ${input.distro}`);
  }
  const notes: string[] = [];
  const warnings: string[] = [...checkIssuerUrl(input.issuer, '--issuer').warnings];
  const jwksUri = input.jwksUri ?? defaultJwksUri(input.issuer);
  checkJwksUri(jwksUri);
  const { previous, current, issuers } = resolveIssuers(input, profile, warnings);
  const keys = resolveKeys(input, profile, notes, warnings);
  if (keys.usingDefaults || !input.apiAudiences?.length) notes.push(`Defaults for ${input.distro}: ${profile.source}.`);
  const audiences = pinAudiences(input, profile, current, warnings);
  const maxExpiration = maxTokenExpiration(input.maxTokenExpirationSeconds, notes, warnings);

  const args: ApiserverArg[] = [
    ...issuers.map((value) => ({ name: 'service-account-issuer', value })),
    { name: 'service-account-jwks-uri', value: jwksUri },
    ...keys.keyFiles.map((value) => ({ name: 'service-account-key-file', value })),
    { name: 'service-account-signing-key-file', value: keys.signingKey },
    { name: 'api-audiences', value: audiences.join(',') },
    ...(maxExpiration ? [{ name: 'service-account-max-token-expiration', value: maxExpiration }] : []),
  ];

  notes.push(audienceNote(audiences));
  if (previous) notes.push(migrationNote(input.issuer, previous));
  if (keys.keyFiles.length > 1) notes.push(rotationNote(keys.signingKey, keys.keyFiles));
  notes.push(publishNote(input.issuer, jwksUri));

  const rendered = render(input, args, { issuers, ...keys }, notes, warnings);
  return { distro: input.distro, args, target: profile.target, notes, warnings, ...rendered };
}

/**
 * The issuers to accept: the new one first (it signs), then the one in use today (`previous`, for migration).
 * `current` is the issuer in use today when known, which the API audiences are pinned to. Without a previous issuer
 * every token of a running cluster stops authenticating; with the same one as --issuer there is nothing to migrate
 * (one note, not a contradicting warning as well).
 */
function resolveIssuers(
  input: ApiserverFlagsInput,
  profile: DistroProfile,
  warnings: string[],
): { previous?: string; current?: string; issuers: string[] } {
  const previous = input.previousIssuer;
  if (previous !== undefined) {
    checkPreviousIssuer(previous);
    if (previous === input.issuer) {
      warnings.push('--previous-issuer equals --issuer: nothing to migrate, the issuer is listed once');
      return { current: previous, issuers: [input.issuer] };
    }
    return { previous, current: previous, issuers: [input.issuer, previous] };
  }
  if (input.distro !== 'kind') {
    const hint = profile.defaultIssuer
      ? ` (${input.distro} uses ${profile.defaultIssuer} unless it was changed: --previous-issuer ${profile.defaultIssuer})`
      : '';
    warnings.push(
      'no --previous-issuer: on a running cluster every token issued under the issuer in use today stops ' +
        `authenticating (wrong iss) until it is refreshed; pass the current issuer as --previous-issuer${hint}`,
    );
  }
  return { issuers: [input.issuer] };
}

interface ResolvedKeys {
  signingKey: string;
  keyFiles: string[];
  usingDefaults: boolean;
}

/** The last --signing-key signs; every public key (or, without any, every signing key) verifies. */
function resolveKeys(
  input: ApiserverFlagsInput,
  profile: DistroProfile,
  notes: string[],
  warnings: string[],
): ResolvedKeys {
  const signingKeys = input.signingKeys ?? [];
  const publicKeys = input.publicKeys ?? [];
  const usingDefaults = signingKeys.length === 0 && publicKeys.length === 0;
  const signingKey = signingKeys.at(-1) ?? profile.signingKey;
  const keyFiles = publicKeys.length > 0 ? publicKeys : signingKeys.length > 0 ? signingKeys : profile.keyFiles;
  if (signingKeys.length > 1) {
    notes.push(
      `Only one key signs: ${signingKey} (the last --signing-key). The others stay as verification keys only if ` +
        'their public halves are in --service-account-key-file.',
    );
  }
  if (publicKeys.length > 0 && signingKeys.length > 0) {
    notes.push(
      `The public half of ${signingKey} must be in one of the --service-account-key-file files, or tokens the ` +
        'apiserver signs will not verify.',
    );
  }
  const droppedDefaults = profile.keyFiles.filter((k) => !keyFiles.includes(k));
  if (!usingDefaults && input.distro !== 'talos' && input.distro !== 'generic' && droppedDefaults.length > 0) {
    warnings.push(
      `${input.distro}'s own verification key ${droppedDefaults.join(', ')} is not in --service-account-key-file any ` +
        'more: tokens it signed stop verifying; add it as --public-key until they have expired',
    );
  }
  if (signingKeys.length > 0 && ['generic', 'kubeadm', 'kind'].includes(input.distro)) {
    notes.push(
      'kube-controller-manager signs legacy Secret-based tokens with its own --service-account-private-key-file ' +
        `(kubeadm: ${profile.signingKey}): keep that key's public half in --service-account-key-file while such tokens exist.`,
    );
  }
  return { signingKey, keyFiles, usingDefaults };
}

/** --service-account-max-token-expiration as the Go duration kube-apiserver parses, within its bounds. */
function maxTokenExpiration(seconds: number | undefined, notes: string[], warnings: string[]): string | undefined {
  if (seconds === undefined) return undefined;
  const value = formatDuration(seconds);
  if (!Number.isInteger(seconds) || seconds < MIN_MAX_EXPIRATION || seconds > MAX_MAX_EXPIRATION) {
    throw new IrsaError(
      E.ERR_MAX_TOKEN_EXPIRATION,
      `--max-token-expiration must be between 1 hour and 2^32 seconds (as kube-apiserver requires), got: ${value}`,
    );
  }
  if (seconds < EXTENDED_WARN_ONLY_SECONDS) {
    warnings.push(
      `--max-token-expiration ${value} is below 3607s: with --service-account-extend-token-expiration ` +
        "(on by default) kube-apiserver warns that its safe-transition logic for kubelet's API tokens cannot work",
    );
  }
  notes.push(
    `--service-account-max-token-expiration ${value} caps every TokenRequest (longer requests are shortened), ` +
      "so it bounds how long an old key or issuer must stay accepted; kubelet's own API tokens are still extended to " +
      'one year while --service-account-extend-token-expiration is on (they are refreshed hourly regardless).',
  );
  return value;
}

function publishNote(issuer: string, jwksUri: string): string {
  return (
    `Publish the discovery document and the JWKS at ${issuer.replace(/\/$/, '')}/.well-known/openid-configuration and ${jwksUri} ` +
    '(irsa issuer discovery / irsa issuer jwks) and create the IAM OIDC provider before restarting the apiserver.'
  );
}

function checkPreviousIssuer(previous: string): void {
  // kube-apiserver accepts non-URL issuers, but one containing ':' must parse as a URL.
  if (previous === '' || /\s|,/.test(previous)) {
    throw new IrsaError(E.ERR_ISSUER_INVALID, `--previous-issuer must be one issuer, got: ${previous}`);
  }
  if (previous.includes(':')) {
    try {
      new URL(previous);
    } catch {
      throw new IrsaError(E.ERR_ISSUER_INVALID, `--previous-issuer contains ':' but is not a valid URL: ${previous}`);
    }
  }
}

/**
 * --api-audiences: what the apiserver accepts today, never the STS audience. Unset, kube-apiserver uses the
 * issuer list, so moving the issuer would move the audiences too: pin them.
 */
function pinAudiences(
  input: ApiserverFlagsInput,
  profile: DistroProfile,
  inUse: string | undefined,
  warnings: string[],
): string[] {
  if (input.apiAudiences && input.apiAudiences.length > 0) {
    const given = input.apiAudiences.flatMap((a) => a.split(',')).map((a) => a.trim());
    for (const aud of given) {
      if (aud === '') throw new UsageError('--api-audiences has an empty entry');
      if (STS_AUDIENCE.test(aud)) {
        throw new IrsaError(
          E.ERR_STS_AUDIENCE,
          `--api-audiences must not contain ${aud}: a token minted for AWS STS would then also authenticate to the cluster API`,
        );
      }
    }
    return unique(given);
  }
  const current = inUse ?? profile.defaultIssuer;
  if (!current) {
    warnings.push(
      `--distro ${input.distro}: the issuer in use today is not known here, so --api-audiences is pinned to ` +
        `${KUBE_DEFAULT_ISSUER}; pass --previous-issuer or --api-audiences to pin what the cluster uses now`,
    );
  }
  return unique([current ?? KUBE_DEFAULT_ISSUER, ...(profile.defaultAudiences ?? [])]);
}

function audienceNote(audiences: string[]): string {
  return (
    `--api-audiences is pinned to ${audiences.join(',')}: when unset, kube-apiserver uses the --service-account-issuer ` +
    'values, so changing the issuer would silently change which tokens the cluster API accepts (in-cluster tokens ' +
    'minted for the old audience would fail). It never contains sts.amazonaws.com: a token minted for AWS would then ' +
    'also be a valid credential against this cluster.'
  );
}

function migrationNote(issuer: string, previous: string): string {
  return (
    `Migration: the first --service-account-issuer (${issuer}) signs new tokens; ${previous} is still accepted, so ` +
    'tokens issued before the change keep working. Keep the old public key in --service-account-key-file too. ' +
    'kubelet refreshes projected tokens at 80% of their lifetime (24h at most); remove the previous issuer once the ' +
    'longest token lifetime (--service-account-max-token-expiration) has passed and pods that read their token only ' +
    'at start-up were restarted. Several issuers need Kubernetes >= 1.22.'
  );
}

function rotationNote(signingKey: string, keyFiles: string[]): string {
  return (
    `Key rotation: ${signingKey} signs; ${keyFiles.join(', ')} verify. Publish the new public key in the JWKS before ` +
    'the new key starts signing (AWS caches the JWKS), and drop an old key only after the tokens it signed expired.'
  );
}

interface Resolved extends ResolvedKeys {
  issuers: string[];
}

function render(
  input: ApiserverFlagsInput,
  args: ApiserverArg[],
  resolved: Resolved,
  notes: string[],
  warnings: string[],
): Pick<ApiserverFlagsResult, 'document' | 'format'> & { args?: ApiserverArg[] } {
  switch (input.distro) {
    case 'generic':
      return { format: 'flags', document: flagLines(args) };
    case 'microk8s':
      notes.push(
        'Remove the --service-account-* and --api-audiences lines the args file already has before adding these: ' +
          'the first --service-account-issuer line signs, so an older line above would win.',
      );
      return { format: 'flags', document: flagLines(args) };
    case 'k3s':
    case 'rke2':
      notes.push(
        `kube-apiserver-arg is a list, so flags repeat. A flag given here replaces ${input.distro}'s own value for it; ` +
          'merge with any kube-apiserver-arg entries the file already has.',
      );
      return { format: 'yaml', document: { 'kube-apiserver-arg': args.map((a) => `${a.name}=${a.value}`) } };
    case 'kubeadm':
      return { format: 'yaml', document: kubeadmDocument(input.kubeadmApi ?? 'v1beta4', args, resolved, notes) };
    case 'kind':
      return { format: 'yaml', ...kindDocument(input, args, resolved, notes) };
    case 'k0s':
      return { format: 'yaml', document: k0sDocument(args, resolved, notes) };
    case 'talos':
      return { format: 'yaml', document: talosDocument(args, resolved, notes, warnings) };
  }
}

function flagLines(args: ApiserverArg[]): string {
  return `${args.map((a) => `--${a.name}=${a.value}`).join('\n')}\n`;
}

/** Map-typed extraArgs keep one value per flag: the first issuer, and refuse several key files. */
function toMap(args: ApiserverArg[], format: string, notes: string[], resolved: Resolved): Record<string, string> {
  if (resolved.keyFiles.length > 1) {
    throw new IrsaError(
      E.ERR_FLAG_NOT_REPEATABLE,
      `${format} extraArgs is a map and --service-account-key-file cannot repeat (a comma-joined value is read as one path)`,
      {
        hint: `put every public key in one PEM file (cat ${resolved.keyFiles.join(' ')} > sa-all.pub; kube-apiserver reads all keys in a file) and pass that file once as --public-key`,
      },
    );
  }
  const map: Record<string, string> = {};
  for (const a of args) if (!(a.name in map)) map[a.name] = a.value;
  if (resolved.issuers.length > 1) {
    notes.push(
      `${format} extraArgs is a map: --service-account-issuer cannot be repeated, so only ${resolved.issuers[0]} is ` +
        `set and the previous issuer ${resolved.issuers[1]} is NOT accepted by this config. A comma-joined value does not ` +
        'work (the flag is a StringArray: it would become one invalid issuer).',
    );
  }
  return map;
}

const PKI_DIR = '/etc/kubernetes/pki';

/** kubeadm mounts /etc/kubernetes/pki into the apiserver Pod; other key directories need an extraVolume. */
function extraVolumes(paths: string[]): Array<Record<string, unknown>> {
  const dirs = unique(paths.map(dirname)).filter((d) => d !== PKI_DIR && !d.startsWith(`${PKI_DIR}/`));
  return dirs.map((dir, i) => ({
    name: `irsa-keys${dirs.length > 1 ? `-${i}` : ''}`,
    hostPath: dir,
    mountPath: dir,
    readOnly: true,
    pathType: 'Directory',
  }));
}

function kubeadmApiServer(api: KubeadmApi, args: ApiserverArg[], resolved: Resolved, notes: string[], what: string) {
  const apiServer: Record<string, unknown> = {
    extraArgs:
      api === 'v1beta4' ? args.map((a) => ({ name: a.name, value: a.value })) : toMap(args, what, notes, resolved),
  };
  const volumes = extraVolumes([resolved.signingKey, ...resolved.keyFiles]);
  if (volumes.length > 0) apiServer.extraVolumes = volumes;
  return apiServer;
}

function kubeadmDocument(api: KubeadmApi, args: ApiserverArg[], resolved: Resolved, notes: string[]) {
  const apiServer = kubeadmApiServer(api, args, resolved, notes, `kubeadm ${api}`);
  if (api === 'v1beta4') {
    notes.push(
      'kubeadm v1beta4 extraArgs is a list of {name, value}: a name may repeat, and the values reach kube-apiserver ' +
        'in this order. Apply with kubeadm init --config, or for a running cluster edit the kubeadm-config ConfigMap ' +
        'and run kubeadm upgrade apply/node so the static Pod manifest is regenerated.',
    );
  } else if (resolved.issuers.length > 1) {
    notes.push(
      'Workaround for v1beta3: move to kubeadm.k8s.io/v1beta4 (kubeadm >= 1.31), or use a kubeadm patch: set ' +
        'patches.directory: /etc/kubernetes/patches in InitConfiguration/JoinConfiguration (or kubeadm upgrade ' +
        '--patches) with a file kube-apiserver0+json.yaml containing ' +
        `[{"op":"add","path":"/spec/containers/0/command/-","value":"--service-account-issuer=${resolved.issuers[1]}"}], ` +
        'or edit /etc/kubernetes/manifests/kube-apiserver.yaml directly (kubeadm upgrade rewrites it).',
    );
  }
  return { apiVersion: `kubeadm.k8s.io/${api}`, kind: 'ClusterConfiguration', apiServer };
}

/** kind: key files live on the host, so they are mounted into the node and from there into the apiserver Pod. */
function kindDocument(input: ApiserverFlagsInput, args: ApiserverArg[], resolved: Resolved, notes: string[]) {
  const mounts: Array<Record<string, unknown>> = [];
  let nodeArgs = args;
  let nodeResolved = resolved;
  if (!resolved.usingDefaults) {
    const hostPaths = unique([...resolved.keyFiles, resolved.signingKey]);
    const inNode = new Map<string, string>();
    hostPaths.forEach((p, i) => {
      const name = basename(p);
      const clash = hostPaths.findIndex((q) => basename(q) === name) !== i;
      inNode.set(p, `/etc/kubernetes/irsa/${clash ? `${i}-` : ''}${name}`);
    });
    for (const [hostPath, containerPath] of inNode) mounts.push({ hostPath, containerPath, readOnly: true });
    const map = (p: string) => inNode.get(p) ?? p;
    nodeArgs = args.map((a) =>
      a.name === 'service-account-key-file' || a.name === 'service-account-signing-key-file'
        ? { name: a.name, value: map(a.value) }
        : a,
    );
    nodeResolved = { ...resolved, keyFiles: resolved.keyFiles.map(map), signingKey: map(resolved.signingKey) };
    if (hostPaths.some((p) => !p.startsWith('/'))) {
      notes.push('kind extraMounts: relative hostPath values are resolved from the directory kind runs in.');
    }
  }
  const repeats = resolved.issuers.length > 1 || resolved.keyFiles.length > 1;
  const apis: KubeadmApi[] = input.kubeadmApi ? [input.kubeadmApi] : repeats ? ['v1beta4'] : ['v1beta3', 'v1beta4'];
  const patches = apis.map((api) => {
    const apiServer = kubeadmApiServer(api, nodeArgs, nodeResolved, notes, `kubeadm ${api}`);
    return stringifyPatch({ apiVersion: `kubeadm.k8s.io/${api}`, kind: 'ClusterConfiguration', apiServer });
  });
  notes.push(
    'kind renders kubeadm v1beta3 for node images before Kubernetes 1.36 and v1beta4 from 1.36 (kind PR #4173); a ' +
      'patch with an apiVersion applies only to that version' +
      (apis.length === 2
        ? ', so both are given and the one matching the node image applies.'
        : repeats && !input.kubeadmApi
          ? '. Repeated flags need v1beta4, so this config needs a node image >= 1.36; for older images see ' +
            '`irsa issuer apiserver-flags --distro kubeadm --kubeadm-api v1beta3` for the patches-directory workaround.'
          : '.'),
  );
  const node: Record<string, unknown> = { role: 'control-plane' };
  if (mounts.length > 0) node.extraMounts = mounts;
  // args: what kube-apiserver sees inside the node (key paths as mounted there).
  return {
    args: nodeArgs,
    document: { kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', nodes: [node], kubeadmConfigPatches: patches },
  };
}

// kubeadmConfigPatches entries are YAML documents embedded as strings.
function stringifyPatch(doc: unknown): string {
  return stringify(doc, { lineWidth: 0 });
}

function k0sDocument(args: ApiserverArg[], resolved: Resolved, notes: string[]) {
  const extraArgs = toMap(args, 'k0s spec.api', notes, resolved);
  if (resolved.issuers.length > 1) {
    notes.push(
      'Workaround for k0s: k0s passes spec.api.extraArgs as one --name=value per key and has no list form here, so ' +
        'two issuers cannot be configured; plan the switch as a disruptive change (restart workloads right after it), ' +
        'or keep the issuer and only publish its documents. Verification keys can still be several: put them all in ' +
        'one PEM file.',
    );
  }
  notes.push(
    'k0s overrides its own value of each flag given here; merge into the existing spec.api of k0s.yaml ' +
      '(or the ClusterConfig object when dynamic config is on) and restart the controllers.',
  );
  return {
    apiVersion: 'k0s.k0sproject.io/v1beta1',
    kind: 'ClusterConfig',
    metadata: { name: 'k0s' },
    spec: { api: { extraArgs } },
  };
}

function talosDocument(args: ApiserverArg[], resolved: Resolved, notes: string[], warnings: string[]) {
  // Talos writes the service-account key itself from cluster.serviceAccount.key: never point the flags elsewhere.
  const keyFlags = new Set(['service-account-key-file', 'service-account-signing-key-file']);
  const extraArgs = toMap(
    args.filter((a) => !keyFlags.has(a.name)),
    'Talos cluster.apiServer',
    notes,
    { ...resolved, keyFiles: [] },
  );
  if (!resolved.usingDefaults) {
    warnings.push(
      `talos: key paths (${unique([...resolved.keyFiles, resolved.signingKey]).join(', ')}) are not used: Talos ` +
        'manages the service-account key; put the private key in cluster.serviceAccount.key instead',
    );
  }
  notes.push(
    'Talos manages the service-account key: it signs with cluster.serviceAccount.key (base64 of the PEM private key, ' +
      'e.g. base64 -w0 sa.key) and verifies with its public half. To use your own key, set that field; replacing it ' +
      'drops the old key, so every existing token fails until refreshed (plan it as a disruptive change), unless your ' +
      'Talos has KubeServiceAccountConfig, whose accepted.publicKeys keeps old keys valid.',
  );
  if (resolved.issuers.length > 1) {
    notes.push(
      'Workaround for Talos: extraArgs is a map of strings in the v1alpha1 config, so a second issuer cannot be given ' +
        '(siderolabs/talos#11694). Talos v1.14 documents a separate KubeServiceAccountConfig document that can: use it ' +
        'instead of the issuer/audience extraArgs when your Talos has it (keep service-account-jwks-uri in extraArgs):\n' +
        talosServiceAccountConfig(resolved.issuers, extraArgs['api-audiences']) +
        'On older Talos, plan the switch as a disruptive change (restart workloads right after it).',
    );
  }
  return { cluster: { apiServer: { extraArgs } } };
}

function talosServiceAccountConfig(issuers: string[], audiences: string): string {
  return stringify(
    {
      apiVersion: 'v1alpha1',
      kind: 'KubeServiceAccountConfig',
      issuer: { issuerURL: issuers[0], privateKey: '<PEM private key that signs: the current one, or a new one>' },
      accepted: { issuers: issuers.slice(1), audiences: audiences.split(',') },
    },
    { lineWidth: 0 },
  );
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '.') : p.slice(0, i);
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
