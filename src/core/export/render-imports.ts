/**
 * `import {}` blocks (Terraform 1.5+) for every resource of the export, with the IDs Terraform's AWS provider
 * imports each by: what a team that made these with `irsa apply` adds once to take them into Terraform's state.
 * `refs` here holds the account and partition only (a provider's import ID is its ARN, never its own `.arn`).
 */
import { hclBlock, hclString, type References } from './hcl.js';
import type { ExportModel } from './model.js';

export function renderImports(
  model: ExportModel,
  accountRefs: References,
  providerArn: (url: string) => string,
): string[] {
  const imports: [to: string, id: string][] = [];
  for (const b of model.buckets) {
    if (b.created) imports.push([`aws_s3_bucket.${b.label}`, b.name]);
    if (b.publicAccessBlock) imports.push([`aws_s3_bucket_public_access_block.${b.label}`, b.name]);
    if (b.policy !== undefined) imports.push([`aws_s3_bucket_policy.${b.label}`, b.name]);
  }
  for (const o of model.objects) imports.push([`aws_s3_object.${o.label}`, `${o.bucket}/${o.key}`]);
  for (const p of model.providers) imports.push([`aws_iam_openid_connect_provider.${p.label}`, providerArn(p.url)]);
  for (const r of model.roles) imports.push([`aws_iam_role.${r.label}`, r.name]);
  for (const a of model.attachments)
    imports.push([`aws_iam_role_policy_attachment.${a.label}`, `${a.role}/${a.policyArn}`]);
  for (const i of model.inlinePolicies) imports.push([`aws_iam_role_policy.${i.label}`, `${i.role}:${i.name}`]);
  return imports.map(([to, id]) =>
    hclBlock('import', [
      ['to', to],
      ['id', hclString(id, accountRefs)],
    ]),
  );
}
