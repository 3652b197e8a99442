/**
 * `irsa iam trust-policy`: the same scoped trust policy the planner gives a role (core/aws/trust-policy-builder.ts),
 * for people who do IAM by hand. The provider ARN comes from the account (and the partition, from --partition or
 * the region) or is given whole; a given ARN must name this issuer, or the policy would match no token.
 */
import { DEFAULT_AUDIENCE } from '../defaults.js';
import { E, IrsaError, UsageError } from '../errors.js';
import { checkIssuerUrl } from '../issuer/issuer-url.js';
import { checkDnsLabel, checkDnsSubdomain } from '../manifests/names.js';
import { oidcProviderArn, type Partition, parseArn, partitionForRegion, stripScheme } from './arn.js';
import { checkTrustPolicyDocument } from './iam-validation.js';
import { PARTITIONS } from './partitions.js';
import { checkRegion } from './region.js';
import { buildTrustPolicy, serializePolicy, type TrustPolicyDocument } from './trust-policy-builder.js';

export { PARTITIONS };

export interface TrustPolicyRequest {
  issuer: string;
  namespace: string;
  serviceAccount: string;
  audiences?: string[];
  accountId?: string;
  providerArn?: string;
  partition?: string;
  region?: string;
}

export interface TrustPolicyAnswer {
  document: TrustPolicyDocument;
  providerArn: string;
  /** Characters IAM counts against its 2,048 quota (white space not counted). */
  size: number;
  warnings: string[];
}

export function trustPolicyFor(request: TrustPolicyRequest): TrustPolicyAnswer {
  const warnings = [...checkIssuerUrl(request.issuer, '--issuer').warnings];
  const { namespace: ns, serviceAccount: sa } = request;
  if (ns !== '*') checkDnsLabel(ns, '--namespace');
  if (sa !== '*') checkDnsSubdomain(sa, '--service-account');
  if (ns === '*' || sa === '*') {
    const who =
      sa === '*'
        ? `every ServiceAccount of ${ns === '*' ? 'every namespace' : `namespace ${ns}`}`
        : `ServiceAccount ${sa} of every namespace`;
    warnings.push(`the role trusts ${who} (StringLike on :sub)`);
  }
  const providerArn = providerArnFor(request);
  const document = buildTrustPolicy({
    providerArn,
    providerUrl: request.issuer,
    namespace: request.namespace,
    serviceAccount: request.serviceAccount,
    audience: request.audiences?.length ? request.audiences : DEFAULT_AUDIENCE,
  });
  const text = serializePolicy(document);
  const rule = checkTrustPolicyDocument(text);
  if (rule) throw new IrsaError(E.ERR_TRUST_SCOPE, `the trust policy ${rule.words}`);
  return { document, providerArn, size: text.replace(/\s/g, '').length, warnings };
}

function providerArnFor(request: TrustPolicyRequest): string {
  if (request.providerArn !== undefined) {
    if (request.accountId !== undefined) throw new UsageError('give --account-id or --provider-arn, not both');
    const arn = parseArn(request.providerArn);
    const want = `oidc-provider/${stripScheme(request.issuer)}`;
    if (arn?.service !== 'iam' || !/^\d{12}$/.test(arn.accountId) || !arn.resource.startsWith('oidc-provider/')) {
      throw new UsageError(
        `--provider-arn must be arn:<partition>:iam::<account>:oidc-provider/<host/path>, got: ${request.providerArn}`,
      );
    }
    if (arn.resource !== want) {
      throw new UsageError(
        `--provider-arn names ${arn.resource}, but the issuer makes ${want}: the policy would match no token`,
      );
    }
    return request.providerArn;
  }
  if (request.accountId === undefined) {
    throw new UsageError('give --account-id (the provider ARN is built from it) or --provider-arn', {
      hint: 'aws sts get-caller-identity --query Account --output text',
    });
  }
  if (!/^\d{12}$/.test(request.accountId)) {
    throw new IrsaError(E.ERR_ACCOUNT_ID, `--account-id must be 12 digits, got: ${request.accountId}`);
  }
  return oidcProviderArn(partitionFor(request), request.accountId, request.issuer);
}

function partitionFor(request: TrustPolicyRequest): Partition {
  if (request.partition !== undefined) {
    const p = PARTITIONS.find((x) => x === request.partition);
    if (!p) throw new UsageError(`--partition must be one of ${PARTITIONS.join(', ')}, got: ${request.partition}`);
    return p;
  }
  return partitionForRegion(request.region === undefined ? undefined : checkRegion(request.region));
}
