import { checkRoleArn } from '../aws/arn.js';
import { checkRegion } from '../aws/region.js';
import {
  DEFAULT_ANNOTATION_PREFIX,
  DEFAULT_AUDIENCE,
  DEFAULT_TOKEN_EXPIRATION_SECONDS,
  DEFAULT_TOKEN_PATH,
  DEFAULT_TOKEN_VOLUME,
} from '../defaults.js';
import { E, IrsaError } from '../errors.js';
import { checkDnsLabel, checkDnsSubdomain } from './names.js';
import type { CommentedDoc } from './render.js';

/**
 * One workload's Kubernetes objects for IRSA.
 * - manual: the seed's method with no webhook at all: ServiceAccount, a ConfigMap with the AWS_* variables, and a Pod
 *   that reads it and mounts a projected token for the STS audience.
 * - webhook: only the ServiceAccount with the role annotation; the webhook injects the rest into its pods.
 */
const KUBE_API_TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** TokenRequest's minimum lifetime. */
const MIN_EXPIRATION = 600;
/** The image of manual mode's check Pod (the AWS CLI). */
const DEFAULT_CHECK_IMAGE = 'amazon/aws-cli:latest';
/** nobody/nogroup: any non-root id works; fsGroup makes the token file group-readable for it. */
const NON_ROOT_ID = 65534;

export interface WorkloadInput {
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  mode: 'manual' | 'webhook';
  /** Resolved region ('' or undefined: none known). */
  region?: string;
  /** True when the region was given explicitly (webhook mode then annotates it). */
  regionExplicit?: boolean;
  audience?: string;
  expirationSeconds?: number;
  tokenPath?: string;
  image?: string;
  /** `eks.amazonaws.com` unless the webhook runs with another --annotation-prefix. */
  annotationPrefix?: string;
}

export interface WorkloadResult {
  docs: CommentedDoc[];
  warnings: string[];
}

/** The checked and defaulted inputs both modes build from. */
interface Resolved {
  audience: string;
  expiration: number;
  tokenPath: string;
  region: string | undefined;
}

export function buildWorkload(input: WorkloadInput): WorkloadResult {
  const resolved = resolveInput(input);
  const warnings: string[] = [];
  if (resolved.audience !== DEFAULT_AUDIENCE) {
    warnings.push(`audience ${resolved.audience}: the IAM OIDC provider must list it as a client ID (audience)`);
  }
  return input.mode === 'webhook' ? webhookMode(input, resolved, warnings) : manualMode(input, resolved, warnings);
}

function resolveInput(input: WorkloadInput): Resolved {
  checkDnsLabel(input.namespace, '--namespace');
  checkDnsSubdomain(input.serviceAccount, '--service-account');
  checkRoleArn(input.roleArn, '--role-arn');
  const audience = input.audience ?? DEFAULT_AUDIENCE;
  if (audience.trim() === '') throw new IrsaError(E.ERR_TOKEN_AUDIENCE, '--audience must not be empty');
  const expiration = input.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
  if (!Number.isInteger(expiration) || expiration < MIN_EXPIRATION) {
    throw new IrsaError(
      E.ERR_TOKEN_EXPIRATION,
      `--expiration must be at least ${MIN_EXPIRATION} seconds (TokenRequest's minimum), got: ${expiration}`,
    );
  }
  const tokenPath = input.tokenPath ?? DEFAULT_TOKEN_PATH;
  checkTokenPath(tokenPath);
  // The region lands in pod environments and host names: the one region check, whichever mode.
  const region = input.region || undefined;
  if (region !== undefined)
    checkRegion(region, input.regionExplicit ? '--region' : 'the region from $AWS_REGION / $AWS_DEFAULT_REGION');
  return { audience, expiration, tokenPath, region };
}

function checkTokenPath(tokenPath: string): void {
  const slash = tokenPath.lastIndexOf('/');
  if (!tokenPath.startsWith('/') || slash <= 0 || slash === tokenPath.length - 1) {
    throw new IrsaError(
      E.ERR_TOKEN_PATH,
      `--token-path must be an absolute file path below a directory (e.g. ${DEFAULT_TOKEN_PATH}), got: ${tokenPath}`,
    );
  }
  if (tokenPath.slice(0, slash) === KUBE_API_TOKEN_DIR) {
    throw new IrsaError(
      E.ERR_TOKEN_PATH,
      `--token-path must not be in ${KUBE_API_TOKEN_DIR}: kubelet mounts the ServiceAccount's API token there`,
    );
  }
}

function manualMode(input: WorkloadInput, resolved: Resolved, warnings: string[]): WorkloadResult {
  const { namespace, serviceAccount } = input;
  const labels = { 'app.kubernetes.io/name': serviceAccount, 'app.kubernetes.io/part-of': 'irsa-anywhere' };
  if (!resolved.region) {
    warnings.push(
      'no region: pass --region or set AWS_REGION; without one the SDKs cannot pick an STS endpoint (AWS_REGION and AWS_DEFAULT_REGION left out)',
    );
  }
  const serviceAccountDoc: CommentedDoc = {
    comment:
      `No ${input.annotationPrefix ?? DEFAULT_ANNOTATION_PREFIX}/role-arn annotation on purpose: this workload mounts its ` +
      'own token (manual mode), and a pod identity webhook installed later would otherwise add a second token ' +
      'volume and AWS_* settings to its pods. Use --mode webhook to hand the workload to a webhook instead.',
    object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace, labels } },
  };
  const configMapDoc: CommentedDoc = {
    comment: 'What the AWS SDKs read: the role to assume and where the projected token is.',
    object: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: configMapName(input), namespace, labels },
      data: awsEnvironment(input.roleArn, resolved),
    },
  };
  return { docs: [serviceAccountDoc, configMapDoc, checkPodDoc(input, resolved, labels)], warnings };
}

function configMapName(input: WorkloadInput): string {
  return `${input.serviceAccount}-aws`;
}

/** What the SDKs read from the environment (the ConfigMap's data). */
function awsEnvironment(roleArn: string, { tokenPath, region }: Resolved): Record<string, string> {
  const data: Record<string, string> = { AWS_ROLE_ARN: roleArn, AWS_WEB_IDENTITY_TOKEN_FILE: tokenPath };
  if (region) {
    data.AWS_DEFAULT_REGION = region;
    data.AWS_REGION = region;
    // Older SDKs default to the global STS endpoint; the regional one is what the region implies.
    data.AWS_STS_REGIONAL_ENDPOINTS = 'regional';
  }
  return data;
}

/** A non-root Pod that reads the ConfigMap, mounts the projected token and assumes the role once. */
function checkPodDoc(input: WorkloadInput, resolved: Resolved, labels: Record<string, string>): CommentedDoc {
  const { namespace, serviceAccount } = input;
  const slash = resolved.tokenPath.lastIndexOf('/');
  const tokenSource = {
    serviceAccountToken: {
      audience: resolved.audience,
      expirationSeconds: resolved.expiration,
      path: resolved.tokenPath.slice(slash + 1),
    },
  };
  return {
    comment:
      `A Pod that assumes the role once and prints the identity (kubectl -n ${namespace} logs ${serviceAccount}-aws-check). ` +
      `Copy envFrom, the ${DEFAULT_TOKEN_VOLUME} volume, its mount and the fsGroup into your own workload. fsGroup makes the ` +
      'token file readable by a non-root user (kubelet writes it 0600 root-owned otherwise).',
    object: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${serviceAccount}-aws-check`, namespace, labels },
      spec: {
        serviceAccountName: serviceAccount,
        restartPolicy: 'Never',
        securityContext: {
          runAsNonRoot: true,
          runAsUser: NON_ROOT_ID,
          runAsGroup: NON_ROOT_ID,
          fsGroup: NON_ROOT_ID,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        containers: [
          {
            name: 'aws',
            image: input.image ?? DEFAULT_CHECK_IMAGE,
            args: ['sts', 'get-caller-identity'],
            envFrom: [{ configMapRef: { name: configMapName(input) } }],
            // The CLI caches credentials under $HOME; the image's HOME (/root) is not writable for a non-root user.
            env: [{ name: 'HOME', value: '/tmp' }],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            volumeMounts: [
              { name: DEFAULT_TOKEN_VOLUME, mountPath: resolved.tokenPath.slice(0, slash), readOnly: true },
            ],
          },
        ],
        volumes: [{ name: DEFAULT_TOKEN_VOLUME, projected: { sources: [tokenSource] } }],
      },
    },
  };
}

function webhookMode(input: WorkloadInput, resolved: Resolved, warnings: string[]): WorkloadResult {
  const { audience, expiration, tokenPath, region } = resolved;
  const prefix = input.annotationPrefix ?? DEFAULT_ANNOTATION_PREFIX;
  const annotations: Record<string, string> = { [`${prefix}/role-arn`]: input.roleArn };
  if (audience !== DEFAULT_AUDIENCE) annotations[`${prefix}/audience`] = audience;
  if (expiration !== DEFAULT_TOKEN_EXPIRATION_SECONDS) annotations[`${prefix}/token-expiration`] = String(expiration);
  if (region && input.regionExplicit) annotations[`${prefix}/region`] = region;
  if (tokenPath !== DEFAULT_TOKEN_PATH) {
    warnings.push(
      '--token-path is ignored in webhook mode: the webhook decides where the token goes (irsa webhook serve --token-mount-path)',
    );
  }
  if (input.image !== undefined) {
    warnings.push("--image is ignored in webhook mode: it is the image of the manual mode's check Pod");
  }
  return {
    docs: [
      {
        comment:
          'The pod identity webhook reads these annotations and injects AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the ' +
          `region and the projected ${DEFAULT_TOKEN_VOLUME} volume into every pod using this ServiceAccount. Pods created ` +
          'before the annotation (or while the webhook was down) are not changed: restart them (irsa webhook check).',
        object: {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: input.serviceAccount, namespace: input.namespace, annotations },
        },
      },
    ],
    warnings,
  };
}
