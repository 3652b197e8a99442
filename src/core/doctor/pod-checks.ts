/**
 * `irsa doctor --pod NS/NAME`, the cluster side: one pod's ServiceAccount annotation (and the near-miss keys people
 * type instead), whether the webhook mutated the pod, its projected token's audience, lifetime and path, and whether
 * every key the cluster verifies with is in the JWKS AWS STS will fetch. Pure: objects and fetched facts in,
 * checks out (the I/O is in src/cli/commands/doctor-pod.ts). An ordered list of named checks, each a function of
 * the facts gathered once (podFacts).
 */
import { parseRoleArn } from '../aws/arn.js';
import { DEFAULT_AUDIENCE, DEFAULT_TOKEN_VOLUME } from '../defaults.js';
import { readDiscovery } from '../issuer/document-schemas.js';
import { readJwksKids } from '../issuer/published-check.js';
import { isObject } from '../json/is-object.js';
import { MSG_COULD_NOT_RETRIEVE_KEY, MSG_INCORRECT_AUDIENCE, MSG_REQUEST_ARN_INVALID } from '../sts/aws-errors.js';
import { findNearMissKeys, parsePodAnnotations, parseServiceAccountAnnotations } from '../webhook/annotations.js';
import { injectionGaps, ownerOf } from '../webhook/missed-pods.js';
import { podServiceAccountName } from '../webhook/mutate.js';
import { DEFAULT_WEBHOOK_SETTINGS, type KubeObject, SKIP_POD_LABEL } from '../webhook/types.js';
import { type IssuerFacts, publishedIssuerChecks } from './issuer-checks.js';
import { check, type DoctorCheck } from './types.js';

/** kube-apiserver's default for a projected token without expirationSeconds. */
const DEFAULT_PROJECTED_EXPIRATION = 3600;
const MIN_PROJECTED_EXPIRATION = 600;

/** The apiserver's own OIDC documents, or why they could not be read (one line). */
export interface ClusterDocs {
  discoveryText?: string;
  jwksText?: string;
  error?: string;
}

export interface PodCheckInput {
  pod: KubeObject;
  namespace: string;
  /** Undefined when the pod's ServiceAccount does not exist. */
  serviceAccount?: KubeObject;
  /** `eks.amazonaws.com` unless the webhook runs with another --annotation-prefix. */
  prefix?: string;
  /** The apiserver's own /.well-known/openid-configuration and /openid/v1/jwks. */
  cluster: ClusterDocs;
  /**
   * What STS fetches for the cluster's issuer, as `doctor --token-file` fetches it (undefined: not attempted, as
   * the cluster's issuer is unknown).
   */
  published?: IssuerFacts;
}

type Json = Record<string, unknown>;
const arr = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

interface TokenSource {
  volume: string;
  audience?: string;
  expirationSeconds?: number;
  path: string;
}

/** The projected service-account token the AWS SDK will read: the webhook's volume, else one set up by hand. */
function tokenSource(spec: Json): TokenSource | undefined {
  const candidates: TokenSource[] = [];
  for (const v of arr(spec.volumes)) {
    const projected = isObject(v.projected) ? v.projected : undefined;
    for (const s of arr(projected?.sources)) {
      const t = isObject(s.serviceAccountToken) ? s.serviceAccountToken : undefined;
      if (!t) continue;
      candidates.push({
        volume: String(v.name),
        audience: typeof t.audience === 'string' ? t.audience : undefined,
        expirationSeconds: typeof t.expirationSeconds === 'number' ? t.expirationSeconds : undefined,
        path: String(t.path ?? ''),
      });
    }
  }
  return (
    candidates.find((c) => c.volume === DEFAULT_TOKEN_VOLUME) ??
    // kube-api-access-* is the apiserver's own token (no audience): never the one for AWS
    candidates.find((c) => !c.volume.startsWith('kube-api-access-') && c.audience !== undefined)
  );
}

function envValue(container: Json, name: string): string | undefined {
  const e = arr(container.env).find((x) => x.name === name);
  return e && typeof e.value === 'string' ? e.value : undefined;
}

/** The AWS_ROLE_ARN a container got for a role-name annotation, when it is that name composed into a role ARN. */
function composedArn(containers: Json[], roleName: string): string | undefined {
  for (const c of containers) {
    const v = envValue(c, 'AWS_ROLE_ARN');
    if (v?.endsWith(`:role/${roleName}`) && parseRoleArn(v)) return v;
  }
  return undefined;
}

function containersOf(spec: Json): Json[] {
  return [...arr(spec.initContainers), ...arr(spec.containers)];
}

/** Everything the checks read, derived once from the input. */
interface PodFacts {
  input: PodCheckInput;
  prefix: string;
  roleKey: string;
  namespace: string;
  podName: string;
  saName: string;
  saRef: string;
  sa?: KubeObject;
  saAnnotations?: Record<string, string>;
  /** The role annotation's value ('' or undefined: none). */
  roleArn?: string;
  hasRole: boolean;
  /** A role name rather than an ARN: composed by a webhook with --compose-role-arn, or a mistake. */
  isRoleName: boolean;
  source?: TokenSource;
  containers: Json[];
  /** Set up by hand (the seed's manual method): the pod carries its own token volume and AWS_ROLE_ARN. */
  manual: boolean;
  podWarnings: string[];
  skipLabelled: boolean;
  cluster: ClusterKeys;
}

type PodCheck = (f: PodFacts) => DoctorCheck[];

/** The checks in the order they are reported: ServiceAccount, mutation, projected token, keys. */
const POD_CHECKS: readonly PodCheck[] = [
  serviceAccountCheck,
  roleAnnotationCheck,
  roleArnValidCheck,
  nearMissCheck,
  annotationWarnings,
  podMutatedCheck,
  roleCurrentCheck,
  tokenAudienceCheck,
  tokenExpirationCheck,
  tokenFileEnvCheck,
  clusterKeysCheck,
  publishedChecks,
  signingKeysPublishedCheck,
];

export function podChecks(input: PodCheckInput): DoctorCheck[] {
  const facts = podFacts(input);
  return POD_CHECKS.flatMap((c) => c(facts));
}

function podFacts(input: PodCheckInput): PodFacts {
  const prefix = input.prefix ?? DEFAULT_WEBHOOK_SETTINGS.annotationPrefix;
  const { pod, namespace } = input;
  const spec = isObject(pod.spec) ? pod.spec : {};
  const saName = podServiceAccountName(pod);
  const saAnnotations = input.serviceAccount?.metadata?.annotations;
  const roleArn = saAnnotations?.[`${prefix}/role-arn`];
  const source = tokenSource(spec);
  const containers = containersOf(spec);
  const labels = pod.metadata?.labels;
  return {
    input,
    prefix,
    roleKey: `${prefix}/role-arn`,
    namespace,
    podName: String(pod.metadata?.name),
    saName,
    saRef: `${namespace}/${saName}`,
    sa: input.serviceAccount,
    saAnnotations,
    roleArn,
    hasRole: roleArn !== undefined && roleArn !== '',
    isRoleName: roleArn !== undefined && roleArn !== '' && !roleArn.includes('arn:'),
    source,
    containers,
    manual:
      source !== undefined &&
      source.volume !== DEFAULT_TOKEN_VOLUME &&
      containers.some((c) => envValue(c, 'AWS_ROLE_ARN') !== undefined || arr(c.envFrom).length > 0),
    podWarnings: parsePodAnnotations(pod.metadata?.annotations, prefix).warnings,
    skipLabelled: labels !== undefined && Object.hasOwn(labels, SKIP_POD_LABEL),
    cluster: clusterKeys(input.cluster),
  };
}

// 1. The ServiceAccount and its role annotation.

function serviceAccountCheck(f: PodFacts): DoctorCheck[] {
  if (f.sa) return [check('service-account', 'ServiceAccount', 'pass', `pod runs as ServiceAccount ${f.saRef}`)];
  return [
    check('service-account', 'ServiceAccount', 'fail', `pod runs as ServiceAccount ${f.saRef}, which does not exist`, {
      fix: `kubectl create serviceaccount ${f.saName} -n ${f.namespace}, annotate it with ${f.roleKey}, then recreate the pod`,
    }),
  ];
}

function roleAnnotationCheck(f: PodFacts): DoctorCheck[] {
  if (!f.sa) return [];
  const title = 'Role annotation';
  if (f.roleArn !== undefined && f.roleArn !== '') {
    return [check('role-arn-annotation', title, 'pass', `${f.roleKey}=${f.roleArn}`)];
  }
  const near = findNearMissKeys(f.saAnnotations, f.prefix);
  if (near.length) {
    return [
      check('role-arn-annotation', title, 'fail', `${f.saRef} has no ${f.roleKey} but has ${near.join(', ')}`, {
        fix: `rename the annotation to exactly ${f.roleKey} (the webhook ignores any other key), then recreate the pod`,
      }),
    ];
  }
  if (f.podWarnings.some((w) => w.startsWith(f.roleKey))) {
    return [
      check(
        'role-arn-annotation',
        title,
        'fail',
        `${f.roleKey} is on the pod; it is read from the ServiceAccount ${f.saRef}`,
        {
          fix: `kubectl annotate serviceaccount ${f.saName} -n ${f.namespace} ${f.roleKey}=<role ARN>, then recreate the pod`,
        },
      ),
    ];
  }
  if (f.manual) {
    return [
      check(
        'role-arn-annotation',
        title,
        'pass',
        `none on ${f.saRef}: the pod sets AWS_ROLE_ARN and its token volume itself (manual set-up)`,
      ),
    ];
  }
  return [
    check('role-arn-annotation', title, 'fail', `${f.saRef} has no ${f.roleKey} annotation: nothing is injected`, {
      fix: `kubectl annotate serviceaccount ${f.saName} -n ${f.namespace} ${f.roleKey}=arn:aws:iam::<account>:role/<name>, then recreate the pod`,
    }),
  ];
}

function roleArnValidCheck(f: PodFacts): DoctorCheck[] {
  const roleArn = f.roleArn;
  if (!f.sa || roleArn === undefined || roleArn === '') return [];
  const title = 'Role ARN';
  const invalid = `ValidationError: ${MSG_REQUEST_ARN_INVALID}`;
  if (roleArn !== roleArn.trim()) {
    return [
      check(
        'role-arn-valid',
        title,
        'fail',
        `${f.roleKey} has leading or trailing whitespace: ${JSON.stringify(roleArn)}`,
        {
          awsError: invalid,
          fix: 'remove the whitespace from the annotation value, then recreate the pod',
        },
      ),
    ];
  }
  const composed = f.isRoleName ? composedArn(f.containers, roleArn) : undefined;
  if (composed !== undefined) {
    // A role name that this pod got as an ARN: what a webhook with --compose-role-arn does. The pod cannot tell
    // whether the webhook still does (an annotation changed from an ARN to a name looks the same), hence a warning.
    return [
      check(
        'role-arn-valid',
        title,
        'warn',
        `a role name; this pod got ${composed}, as a webhook with --compose-role-arn injects it`,
        {
          fix: 'nothing if the webhook runs with --compose-role-arn --aws-account-id; otherwise new pods get no credentials: write the full role ARN',
        },
      ),
    ];
  }
  if (parseRoleArn(roleArn)) return [check('role-arn-valid', title, 'pass', 'a well-formed role ARN')];
  return [
    check(
      'role-arn-valid',
      title,
      'fail',
      `${JSON.stringify(roleArn)} is not a role ARN (arn:aws:iam::<12 digits>:role/<name>)`,
      {
        awsError: invalid,
        fix: f.isRoleName
          ? 'write the full role ARN (copy it from IAM), or run the webhook with --compose-role-arn --aws-account-id <account>; then recreate the pod'
          : 'correct the annotation value (copy the role ARN from IAM), then recreate the pod',
      },
    ),
  ];
}

function nearMissCheck(f: PodFacts): DoctorCheck[] {
  if (!f.sa || f.roleArn === undefined || f.roleArn === '') return [];
  const near = findNearMissKeys(f.saAnnotations, f.prefix);
  if (near.length === 0) return [];
  return [
    check(
      'near-miss-annotations',
      'Other annotations',
      'warn',
      `${f.saRef} also has ${near.join(', ')}, which nothing reads`,
    ),
  ];
}

function annotationWarnings(f: PodFacts): DoctorCheck[] {
  if (!f.sa) return [];
  const saWarnings = parseServiceAccountAnnotations(f.saAnnotations, f.prefix, {
    audience: DEFAULT_WEBHOOK_SETTINGS.audience,
    stsRegionalEndpoints: false,
    expirationSeconds: DEFAULT_WEBHOOK_SETTINGS.expirationSeconds,
    region: '',
  }).warnings;
  return [...saWarnings, ...f.podWarnings.filter((x) => !x.startsWith(f.roleKey))].map((w) =>
    check('annotations', 'Annotations', 'warn', w),
  );
}

// 2. Was the pod mutated?

function podMutatedCheck(f: PodFacts): DoctorCheck[] {
  const title = 'Pod mutated';
  if (f.skipLabelled) {
    return [
      check('pod-mutated', title, f.hasRole ? 'fail' : 'warn', `pod carries the opt-out label ${SKIP_POD_LABEL}`, {
        fix: 'remove the label from the pod template and recreate the pod',
      }),
    ];
  }
  if (f.manual && !f.hasRole) {
    return [check('pod-mutated', title, 'pass', `not by the webhook: token volume ${f.source?.volume} set up by hand`)];
  }
  if (!f.hasRole)
    return [check('pod-mutated', title, 'skip', 'no role annotation, so the webhook had nothing to inject')];
  const gaps = injectionGaps(f.input.pod, f.prefix);
  const skipped = gaps.skipped.length ? ` (skip-containers: ${gaps.skipped.join(', ')})` : '';
  if (gaps.containers.length === 0) {
    return [check('pod-mutated', title, 'pass', `volume ${DEFAULT_TOKEN_VOLUME}, env and mounts present${skipped}`)];
  }
  return [
    check('pod-mutated', title, 'fail', `missing ${gaps.missing.join('; ')}${skipped}`, {
      fix: `the pod was created before the role annotation or while the webhook was down or failing open; admission runs only on create: ${restartCommand(f)}`,
    }),
  ];
}

function restartCommand(f: PodFacts): string {
  const owner = ownerOf(f.input.pod, f.namespace);
  return ['Deployment', 'StatefulSet', 'DaemonSet'].includes(owner.kind)
    ? `kubectl rollout restart ${owner.kind.toLowerCase()}/${owner.name} -n ${f.namespace}`
    : `kubectl delete pod ${f.podName} -n ${f.namespace} (and let its controller or manifest recreate it)`;
}

/** The pod's AWS_ROLE_ARN against the current annotation (a role name matches the ARN it was composed into). */
function roleCurrentCheck(f: PodFacts): DoctorCheck[] {
  if (f.skipLabelled || !f.hasRole) return [];
  const roleArn = f.roleArn ?? '';
  const injected = f.containers.map((c) => envValue(c, 'AWS_ROLE_ARN')).filter((v): v is string => v !== undefined);
  const stale = [
    ...new Set(injected.filter((v) => v !== roleArn && !(f.isRoleName && v.endsWith(`:role/${roleArn}`)))),
  ];
  if (stale.length === 0) return [];
  return [
    check(
      'role-arn-current',
      'Role in pod',
      'warn',
      `pod has AWS_ROLE_ARN=${stale.join(', ')} but ${f.saRef} now says ${roleArn}`,
      {
        fix: 'recreate the pod to pick up the current annotation',
      },
    ),
  ];
}

// 3. The projected token.

function tokenAudienceCheck(f: PodFacts): DoctorCheck[] {
  const title = 'Token audience';
  const source = f.source;
  if (!source) return [check('token-audience', title, 'skip', 'no projected service-account token for AWS in the pod')];
  const aud = source.audience;
  if (aud === undefined || aud === '') {
    return [
      check(
        'token-audience',
        title,
        'fail',
        `volume ${source.volume} sets no audience: the token is for the apiserver`,
        {
          awsError: `InvalidIdentityToken: ${MSG_INCORRECT_AUDIENCE}`,
          fix: `set audience: ${DEFAULT_AUDIENCE} on the serviceAccountToken projection`,
        },
      ),
    ];
  }
  if (aud === DEFAULT_AUDIENCE) return [check('token-audience', title, 'pass', `${aud} (volume ${source.volume})`)];
  if (aud === f.saAnnotations?.[`${f.prefix}/audience`]) {
    return [
      check(
        'token-audience',
        title,
        'warn',
        `${aud}, from ${f.prefix}/audience: it must be a client ID of the IAM OIDC provider`,
        {
          awsError: `InvalidIdentityToken: ${MSG_INCORRECT_AUDIENCE} (when it is not)`,
          fix: `aws iam add-client-id-to-open-id-connect-provider --client-id ${aud} ..., or use ${DEFAULT_AUDIENCE}`,
        },
      ),
    ];
  }
  return [
    check(
      'token-audience',
      title,
      'fail',
      `${aud} is neither ${DEFAULT_AUDIENCE} nor the ServiceAccount's ${f.prefix}/audience`,
      {
        awsError: `InvalidIdentityToken: ${MSG_INCORRECT_AUDIENCE}`,
        fix: `use ${DEFAULT_AUDIENCE} (or add the audience as a client ID of the IAM OIDC provider)`,
      },
    ),
  ];
}

function tokenExpirationCheck(f: PodFacts): DoctorCheck[] {
  if (!f.source) return [];
  const title = 'Token lifetime';
  const exp = f.source.expirationSeconds;
  if (exp === undefined) {
    return [check('token-expiration', title, 'pass', `${DEFAULT_PROJECTED_EXPIRATION} s (the apiserver's default)`)];
  }
  if (exp < MIN_PROJECTED_EXPIRATION) {
    return [
      check(
        'token-expiration',
        title,
        'fail',
        `${exp} s is under the apiserver's minimum of ${MIN_PROJECTED_EXPIRATION} s`,
        {
          fix: `set expirationSeconds >= ${MIN_PROJECTED_EXPIRATION} (${f.prefix}/token-expiration)`,
        },
      ),
    ];
  }
  return [check('token-expiration', title, 'pass', `${exp} s; the kubelet refreshes the file at 80 % of it`)];
}

/** AWS_WEB_IDENTITY_TOKEN_FILE must point at the projected file, in every container that sets it. */
function tokenFileEnvCheck(f: PodFacts): DoctorCheck[] {
  const source = f.source;
  if (!source) return [];
  const wrong: string[] = [];
  let pointing = 0;
  for (const c of f.containers) {
    const file = envValue(c, 'AWS_WEB_IDENTITY_TOKEN_FILE');
    if (file === undefined) continue;
    const mount = arr(c.volumeMounts).find((m) => m.name === source.volume);
    const want = mount ? `${String(mount.mountPath).replace(/[\\/]+$/, '')}/${source.path}` : undefined;
    if (want && file.replace(/\\/g, '/') === want.replace(/\\/g, '/')) pointing++;
    else
      wrong.push(
        `${String(c.name)}: ${file}${want ? ` (token is at ${want})` : ` (volume ${source.volume} not mounted)`}`,
      );
  }
  if (wrong.length) {
    return [
      check(
        'token-file',
        'Token file',
        'fail',
        `AWS_WEB_IDENTITY_TOKEN_FILE does not point at the token: ${wrong.join('; ')}`,
        {
          fix: 'make AWS_WEB_IDENTITY_TOKEN_FILE the mountPath of the token volume plus its path',
        },
      ),
    ];
  }
  if (pointing === 0) return [];
  return [
    check(
      'token-file',
      'Token file',
      'pass',
      `AWS_WEB_IDENTITY_TOKEN_FILE points at the projected token in ${pointing} container(s)`,
    ),
  ];
}

// 4. Are the cluster's keys where STS will look?

/** The cluster's issuer and key ids, from the apiserver's own documents, or why they are unknown. */
export type ClusterKeys = { ok: true; issuer: string; kids: string[] } | { ok: false; message: string };

export function clusterKeys(cluster: ClusterDocs): ClusterKeys {
  if (cluster.error) return { ok: false, message: `cannot read the apiserver's OIDC documents: ${cluster.error}` };
  const discovery = readDiscovery(cluster.discoveryText ?? '', 'apiserver discovery');
  if (!discovery.ok) return discovery;
  const jwks = readJwksKids(cluster.jwksText ?? '', 'apiserver /openid/v1/jwks');
  if (!jwks.ok) return jwks;
  if (jwks.kids.length === 0) return { ok: false, message: "the apiserver's /openid/v1/jwks holds no keys with a kid" };
  return { ok: true, issuer: discovery.value.issuer, kids: jwks.kids };
}

function clusterKeysCheck(f: PodFacts): DoctorCheck[] {
  const c = f.cluster;
  if (!c.ok) return [check('cluster-jwks', 'Cluster keys', 'fail', c.message)];
  return [
    check('cluster-jwks', 'Cluster keys', 'pass', `issuer ${c.issuer}; ${c.kids.length} key(s): ${c.kids.join(', ')}`),
  ];
}

/** The published documents and their TLS chain: the very checks of `doctor --token-file`, for the cluster's issuer. */
function publishedChecks(f: PodFacts): DoctorCheck[] {
  const published = f.input.published;
  if (!f.cluster.ok || !published) return [];
  return publishedIssuerChecks(f.cluster.issuer, published);
}

function signingKeysPublishedCheck(f: PodFacts): DoctorCheck[] {
  const title = 'Keys published';
  const fetched = f.input.published?.fetched;
  if (!f.cluster.ok || !fetched)
    return [check('signing-keys-published', title, 'skip', "the cluster's keys are unknown")];
  if (!fetched.ok) return [check('signing-keys-published', title, 'skip', 'the published JWKS could not be read')];
  const clusterKids = f.cluster.kids;
  const publishedKids = fetched.jwks.keys.flatMap((k) => (typeof k.kid === 'string' ? [k.kid] : []));
  const jwksUri = String(fetched.discovery.jwks_uri);
  const missing = clusterKids.filter((k) => !publishedKids.includes(k));
  if (missing.length) {
    return [
      check(
        'signing-keys-published',
        title,
        'fail',
        `key(s) ${missing.join(', ')} of the cluster are not in ${jwksUri}`,
        {
          awsError: `InvalidIdentityToken: ${MSG_COULD_NOT_RETRIEVE_KEY}`,
          fix: 're-publish the JWKS after every key rotation (irsa issuer fetch --out-dir DIR, then upload)',
        },
      ),
    ];
  }
  const extra = publishedKids.filter((k) => !clusterKids.includes(k));
  return [
    check(
      'signing-keys-published',
      title,
      'pass',
      `all ${clusterKids.length} cluster key(s) are published${extra.length ? ` (plus ${extra.length} no longer used by the cluster)` : ''}`,
    ),
  ];
}
