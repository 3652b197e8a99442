/**
 * `irsa doctor --pod NS/NAME`, the cluster side: one pod's ServiceAccount annotation (and the near-miss keys people
 * type instead), whether the webhook mutated the pod, its projected token's audience, lifetime and path, and whether
 * every key the cluster verifies with is in the JWKS AWS STS will fetch. Pure: objects and fetched texts in,
 * checks out (the I/O is in src/cli/commands/doctor-pod.ts).
 */
import { parseRoleArn } from '../aws/arn.js';
import { DEFAULT_AUDIENCE, DEFAULT_TOKEN_VOLUME } from '../defaults.js';
import { jwksKids, parseDiscovery } from '../issuer/published-check.js';
import { isObject } from '../json/is-object.js';
import { MSG_COULD_NOT_RETRIEVE_KEY, MSG_INCORRECT_AUDIENCE, MSG_REQUEST_ARN_INVALID } from '../sts/aws-errors.js';
import { findNearMissKeys, parsePodAnnotations, parseServiceAccountAnnotations } from '../webhook/annotations.js';
import { injectionGaps, ownerOf } from '../webhook/missed-pods.js';
import { podServiceAccountName } from '../webhook/mutate.js';
import { DEFAULT_WEBHOOK_SETTINGS, type KubeObject, SKIP_POD_LABEL } from '../webhook/types.js';
import { check, type DoctorCheck } from './types.js';

/** kube-apiserver's default for a projected token without expirationSeconds. */
const DEFAULT_PROJECTED_EXPIRATION = 3600;
const MIN_PROJECTED_EXPIRATION = 600;

export interface FetchedDocs {
  discoveryText?: string;
  jwksText?: string;
  /** Why they could not be fetched (one line). */
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
  cluster: FetchedDocs;
  /** What STS fetches: <issuer>/.well-known/openid-configuration and its jwks_uri (undefined: not attempted). */
  published?: FetchedDocs & { discoveryUrl: string; jwksUrl?: string };
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

export function podChecks(input: PodCheckInput): DoctorCheck[] {
  const prefix = input.prefix ?? DEFAULT_WEBHOOK_SETTINGS.annotationPrefix;
  const roleKey = `${prefix}/role-arn`;
  const { pod, namespace } = input;
  const podName = String(pod.metadata?.name);
  const spec = isObject(pod.spec) ? pod.spec : {};
  const saName = podServiceAccountName(pod);
  const saRef = `${namespace}/${saName}`;
  const sa = input.serviceAccount;
  const saAnnotations = sa?.metadata?.annotations;
  const checks: DoctorCheck[] = [];
  const add = (...a: Parameters<typeof check>) => checks.push(check(...a));

  const source = tokenSource(spec);
  const containers = containersOf(spec);
  // Set up by hand (the seed's manual method): the pod carries its own token volume and AWS_ROLE_ARN.
  const manual =
    source !== undefined &&
    source.volume !== DEFAULT_TOKEN_VOLUME &&
    containers.some((c) => envValue(c, 'AWS_ROLE_ARN') !== undefined || arr(c.envFrom).length > 0);

  // 1. The ServiceAccount and its role annotation.
  if (!sa) {
    add('service-account', 'ServiceAccount', 'fail', `pod runs as ServiceAccount ${saRef}, which does not exist`, {
      fix: `kubectl create serviceaccount ${saName} -n ${namespace}, annotate it with ${roleKey}, then recreate the pod`,
    });
  } else {
    add('service-account', 'ServiceAccount', 'pass', `pod runs as ServiceAccount ${saRef}`);
  }
  const roleArn = saAnnotations?.[roleKey];
  // A role name rather than an ARN: composed by a webhook with --compose-role-arn, or a mistake.
  const isRoleName = roleArn !== undefined && roleArn !== '' && !roleArn.includes('arn:');
  const podWarnings = parsePodAnnotations(pod.metadata?.annotations, prefix).warnings;
  if (sa && (roleArn === undefined || roleArn === '')) {
    const near = findNearMissKeys(saAnnotations, prefix);
    const onPod = podWarnings.filter((w) => w.startsWith(roleKey));
    if (near.length) {
      add('role-arn-annotation', 'Role annotation', 'fail', `${saRef} has no ${roleKey} but has ${near.join(', ')}`, {
        fix: `rename the annotation to exactly ${roleKey} (the webhook ignores any other key), then recreate the pod`,
      });
    } else if (onPod.length) {
      add(
        'role-arn-annotation',
        'Role annotation',
        'fail',
        `${roleKey} is on the pod; it is read from the ServiceAccount ${saRef}`,
        {
          fix: `kubectl annotate serviceaccount ${saName} -n ${namespace} ${roleKey}=<role ARN>, then recreate the pod`,
        },
      );
    } else if (manual) {
      add(
        'role-arn-annotation',
        'Role annotation',
        'pass',
        `none on ${saRef}: the pod sets AWS_ROLE_ARN and its token volume itself (manual set-up)`,
      );
    } else {
      add(
        'role-arn-annotation',
        'Role annotation',
        'fail',
        `${saRef} has no ${roleKey} annotation: nothing is injected`,
        {
          fix: `kubectl annotate serviceaccount ${saName} -n ${namespace} ${roleKey}=arn:aws:iam::<account>:role/<name>, then recreate the pod`,
        },
      );
    }
  } else if (sa && roleArn !== undefined) {
    add('role-arn-annotation', 'Role annotation', 'pass', `${roleKey}=${roleArn}`);
    const composed = isRoleName ? composedArn(containers, roleArn) : undefined;
    if (roleArn !== roleArn.trim()) {
      add(
        'role-arn-valid',
        'Role ARN',
        'fail',
        `${roleKey} has leading or trailing whitespace: ${JSON.stringify(roleArn)}`,
        {
          awsError: `ValidationError: ${MSG_REQUEST_ARN_INVALID}`,
          fix: 'remove the whitespace from the annotation value, then recreate the pod',
        },
      );
    } else if (composed !== undefined) {
      // A role name that this pod got as an ARN: what a webhook with --compose-role-arn does. The pod cannot tell
      // whether the webhook still does (an annotation changed from an ARN to a name looks the same), hence a warning.
      add(
        'role-arn-valid',
        'Role ARN',
        'warn',
        `a role name; this pod got ${composed}, as a webhook with --compose-role-arn injects it`,
        {
          fix: 'nothing if the webhook runs with --compose-role-arn --aws-account-id; otherwise new pods get no credentials: write the full role ARN',
        },
      );
    } else if (!parseRoleArn(roleArn)) {
      add(
        'role-arn-valid',
        'Role ARN',
        'fail',
        `${JSON.stringify(roleArn)} is not a role ARN (arn:aws:iam::<12 digits>:role/<name>)`,
        {
          awsError: `ValidationError: ${MSG_REQUEST_ARN_INVALID}`,
          fix: isRoleName
            ? 'write the full role ARN (copy it from IAM), or run the webhook with --compose-role-arn --aws-account-id <account>; then recreate the pod'
            : 'correct the annotation value (copy the role ARN from IAM), then recreate the pod',
        },
      );
    } else add('role-arn-valid', 'Role ARN', 'pass', 'a well-formed role ARN');
    const near = findNearMissKeys(saAnnotations, prefix);
    if (near.length)
      add(
        'near-miss-annotations',
        'Other annotations',
        'warn',
        `${saRef} also has ${near.join(', ')}, which nothing reads`,
      );
  }
  if (sa) {
    const saWarnings = parseServiceAccountAnnotations(saAnnotations, prefix, {
      audience: DEFAULT_WEBHOOK_SETTINGS.audience,
      stsRegionalEndpoints: false,
      expirationSeconds: DEFAULT_WEBHOOK_SETTINGS.expirationSeconds,
      region: '',
    }).warnings;
    for (const w of [...saWarnings, ...podWarnings.filter((x) => !x.startsWith(roleKey))]) {
      add('annotations', 'Annotations', 'warn', w);
    }
  }

  // 2. Was the pod mutated?
  const hasRole = roleArn !== undefined && roleArn !== '';
  const labels = pod.metadata?.labels;
  if (labels && Object.hasOwn(labels, SKIP_POD_LABEL)) {
    add('pod-mutated', 'Pod mutated', hasRole ? 'fail' : 'warn', `pod carries the opt-out label ${SKIP_POD_LABEL}`, {
      fix: 'remove the label from the pod template and recreate the pod',
    });
  } else if (manual && !hasRole) {
    add('pod-mutated', 'Pod mutated', 'pass', `not by the webhook: token volume ${source?.volume} set up by hand`);
  } else if (!hasRole) {
    add('pod-mutated', 'Pod mutated', 'skip', 'no role annotation, so the webhook had nothing to inject');
  } else {
    const gaps = injectionGaps(pod, prefix);
    const skipped = gaps.skipped.length ? ` (skip-containers: ${gaps.skipped.join(', ')})` : '';
    if (gaps.containers.length === 0) {
      add('pod-mutated', 'Pod mutated', 'pass', `volume ${DEFAULT_TOKEN_VOLUME}, env and mounts present${skipped}`);
    } else {
      const owner = ownerOf(pod, namespace);
      const restart = ['Deployment', 'StatefulSet', 'DaemonSet'].includes(owner.kind)
        ? `kubectl rollout restart ${owner.kind.toLowerCase()}/${owner.name} -n ${namespace}`
        : `kubectl delete pod ${podName} -n ${namespace} (and let its controller or manifest recreate it)`;
      add('pod-mutated', 'Pod mutated', 'fail', `missing ${gaps.missing.join('; ')}${skipped}`, {
        fix: `the pod was created before the role annotation or while the webhook was down or failing open; admission runs only on create: ${restart}`,
      });
    }
    const injected = containers.map((c) => envValue(c, 'AWS_ROLE_ARN')).filter((v): v is string => v !== undefined);
    // A role name matches the ARN it was composed into (webhook --compose-role-arn).
    const stale = [
      ...new Set(injected.filter((v) => v !== roleArn && !(isRoleName && v.endsWith(`:role/${roleArn}`)))),
    ];
    if (stale.length) {
      add(
        'role-arn-current',
        'Role in pod',
        'warn',
        `pod has AWS_ROLE_ARN=${stale.join(', ')} but ${saRef} now says ${roleArn}`,
        {
          fix: 'recreate the pod to pick up the current annotation',
        },
      );
    }
  }

  // 3. The projected token.
  if (!source) {
    add('token-audience', 'Token audience', 'skip', 'no projected service-account token for AWS in the pod');
  } else {
    const customAudience = saAnnotations?.[`${prefix}/audience`];
    const aud = source.audience;
    if (aud === undefined || aud === '') {
      add(
        'token-audience',
        'Token audience',
        'fail',
        `volume ${source.volume} sets no audience: the token is for the apiserver`,
        {
          awsError: `InvalidIdentityToken: ${MSG_INCORRECT_AUDIENCE}`,
          fix: `set audience: ${DEFAULT_AUDIENCE} on the serviceAccountToken projection`,
        },
      );
    } else if (aud === DEFAULT_AUDIENCE) {
      add('token-audience', 'Token audience', 'pass', `${aud} (volume ${source.volume})`);
    } else if (aud === customAudience) {
      add(
        'token-audience',
        'Token audience',
        'warn',
        `${aud}, from ${prefix}/audience: it must be a client ID of the IAM OIDC provider`,
        {
          awsError: `InvalidIdentityToken: ${MSG_INCORRECT_AUDIENCE} (when it is not)`,
          fix: `aws iam add-client-id-to-open-id-connect-provider --client-id ${aud} ..., or use ${DEFAULT_AUDIENCE}`,
        },
      );
    } else {
      add(
        'token-audience',
        'Token audience',
        'fail',
        `${aud} is neither ${DEFAULT_AUDIENCE} nor the ServiceAccount's ${prefix}/audience`,
        {
          awsError: `InvalidIdentityToken: ${MSG_INCORRECT_AUDIENCE}`,
          fix: `use ${DEFAULT_AUDIENCE} (or add the audience as a client ID of the IAM OIDC provider)`,
        },
      );
    }
    const exp = source.expirationSeconds;
    if (exp === undefined) {
      add('token-expiration', 'Token lifetime', 'pass', `${DEFAULT_PROJECTED_EXPIRATION} s (the apiserver's default)`);
    } else if (exp < MIN_PROJECTED_EXPIRATION) {
      add(
        'token-expiration',
        'Token lifetime',
        'fail',
        `${exp} s is under the apiserver's minimum of ${MIN_PROJECTED_EXPIRATION} s`,
        {
          fix: `set expirationSeconds >= ${MIN_PROJECTED_EXPIRATION} (${prefix}/token-expiration)`,
        },
      );
    } else {
      add('token-expiration', 'Token lifetime', 'pass', `${exp} s; the kubelet refreshes the file at 80 % of it`);
    }
    // AWS_WEB_IDENTITY_TOKEN_FILE must point at the projected file, in every container that sets it.
    const wrong: string[] = [];
    let pointing = 0;
    for (const c of containers) {
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
      add(
        'token-file',
        'Token file',
        'fail',
        `AWS_WEB_IDENTITY_TOKEN_FILE does not point at the token: ${wrong.join('; ')}`,
        {
          fix: 'make AWS_WEB_IDENTITY_TOKEN_FILE the mountPath of the token volume plus its path',
        },
      );
    } else if (pointing > 0)
      add(
        'token-file',
        'Token file',
        'pass',
        `AWS_WEB_IDENTITY_TOKEN_FILE points at the projected token in ${pointing} container(s)`,
      );
  }

  // 4. Are the cluster's keys where STS will look?
  let clusterKids: string[] | undefined;
  let clusterIssuer: string | undefined;
  if (input.cluster.error) {
    add('cluster-jwks', 'Cluster keys', 'fail', `cannot read the apiserver's OIDC documents: ${input.cluster.error}`);
  } else {
    try {
      clusterIssuer = parseDiscovery(input.cluster.discoveryText ?? '', 'apiserver discovery').issuer;
      clusterKids = jwksKids(input.cluster.jwksText ?? '', 'apiserver /openid/v1/jwks');
      if (clusterKids.length === 0) throw new Error("the apiserver's /openid/v1/jwks holds no keys with a kid");
      add(
        'cluster-jwks',
        'Cluster keys',
        'pass',
        `issuer ${clusterIssuer}; ${clusterKids.length} key(s): ${clusterKids.join(', ')}`,
      );
    } catch (e) {
      add('cluster-jwks', 'Cluster keys', 'fail', (e as Error).message);
    }
  }
  const pub = input.published;
  if (!pub || clusterKids === undefined) {
    add('signing-keys-published', 'Keys published', 'skip', "the cluster's keys are unknown");
    return checks;
  }
  let publishedKids: string[] | undefined;
  if (pub.error) {
    add('published-discovery', 'Published documents', 'fail', `${pub.discoveryUrl}: ${pub.error}`, {
      awsError: `InvalidIdentityToken: ${MSG_COULD_NOT_RETRIEVE_KEY}`,
      fix: 'publish the documents (irsa issuer fetch --out-dir DIR, then upload DIR to the issuer URL)',
    });
  } else {
    try {
      const d = parseDiscovery(pub.discoveryText ?? '', pub.discoveryUrl);
      publishedKids = jwksKids(pub.jwksText ?? '', pub.jwksUrl ?? 'published JWKS');
      if (clusterIssuer !== undefined && d.issuer !== clusterIssuer) {
        add(
          'published-discovery',
          'Published documents',
          'fail',
          `published issuer ${d.issuer} differs from the cluster's ${clusterIssuer}`,
          {
            fix: 're-publish the discovery document from this cluster (irsa issuer fetch)',
          },
        );
      } else {
        add('published-discovery', 'Published documents', 'pass', `${pub.discoveryUrl} -> ${pub.jwksUrl}`);
      }
    } catch (e) {
      add('published-discovery', 'Published documents', 'fail', (e as Error).message);
    }
  }
  if (publishedKids === undefined) {
    add('signing-keys-published', 'Keys published', 'skip', 'the published JWKS could not be read');
    return checks;
  }
  const missing = clusterKids.filter((k) => !publishedKids.includes(k));
  if (missing.length) {
    add(
      'signing-keys-published',
      'Keys published',
      'fail',
      `key(s) ${missing.join(', ')} of the cluster are not in ${pub.jwksUrl}`,
      {
        awsError: `InvalidIdentityToken: ${MSG_COULD_NOT_RETRIEVE_KEY}`,
        fix: 're-publish the JWKS after every key rotation (irsa issuer fetch --out-dir DIR, then upload)',
      },
    );
  } else {
    const extra = publishedKids.filter((k) => !clusterKids.includes(k));
    add(
      'signing-keys-published',
      'Keys published',
      'pass',
      `all ${clusterKids.length} cluster key(s) are published${extra.length ? ` (plus ${extra.length} no longer used by the cluster)` : ''}`,
    );
  }
  return checks;
}
