/**
 * The provider and roles planes as HCL: the IAM OIDC provider (client IDs, thumbprints when managed, our tags), and
 * per role its settings, trust (naming the provider by reference, so Terraform creates it first), managed-policy
 * attachments and inline policies. Policy documents are the literal strings apply sends; only irsa's own (the
 * trust) gets references, what irsa.yaml says (policies, boundary, tags) is written as it is.
 */
import { type Attribute, hclBlock, hclString, hclStringList, hclStringMap, type References } from './hcl.js';
import type { ExportModel, ProviderResource, RoleResource } from './model.js';

export function renderProviders(model: ExportModel): string[] {
  return model.providers.map(renderProvider);
}

function renderProvider(p: ProviderResource): string {
  const thumbprints: Attribute[] = p.thumbprints ? [['thumbprint_list', hclStringList(p.thumbprints)]] : [];
  const note = p.thumbprints
    ? ''
    : '# thumbprint_list left out: IAM keeps its own (thumbprints [] or auto in irsa.yaml; see docs/terraform.md).\n';
  return (
    note +
    hclBlock(`resource "aws_iam_openid_connect_provider" "${p.label}"`, [
      ['url', hclString(p.url)],
      ['client_id_list', hclStringList(p.clientIds)],
      ...thumbprints,
      ['tags', hclStringMap(p.tags)],
    ])
  );
}

export function renderRoles(model: ExportModel, refs: References): string[] {
  const blocks: string[] = [];
  for (const role of model.roles) {
    blocks.push(renderRole(role, refs));
    for (const a of model.attachments.filter((x) => x.roleLabel === role.label)) {
      blocks.push(
        hclBlock(`resource "aws_iam_role_policy_attachment" "${a.label}"`, [
          ['role', `aws_iam_role.${a.roleLabel}.name`],
          ['policy_arn', hclString(a.policyArn)],
        ]),
      );
    }
    for (const i of model.inlinePolicies.filter((x) => x.roleLabel === role.label)) {
      blocks.push(
        hclBlock(`resource "aws_iam_role_policy" "${i.label}"`, [
          ['role', `aws_iam_role.${i.roleLabel}.name`],
          ['name', hclString(i.name)],
          ['policy', hclString(i.document)],
        ]),
      );
    }
  }
  return blocks;
}

function renderRole(role: RoleResource, refs: References): string {
  return hclBlock(`resource "aws_iam_role" "${role.label}"`, [
    ['name', hclString(role.name)],
    ['path', hclString(role.path)],
    ['max_session_duration', String(role.maxSessionDuration)],
    ...(role.description !== undefined ? [['description', hclString(role.description)] as Attribute] : []),
    ...(role.permissionsBoundary !== undefined
      ? [['permissions_boundary', hclString(role.permissionsBoundary)] as Attribute]
      : []),
    ['assume_role_policy', hclString(role.trust, refs)],
    ['tags', hclStringMap(role.tags)],
  ]);
}
