/**
 * `irsa export terraform`: irsa.yaml as Terraform configuration for the same resources `irsa apply` manages, with
 * the same tags (so `irsa plan` sees what Terraform made as its own) and the same bytes where bytes matter. Pure:
 * the config and the key sets in, file names and HCL text out. Works offline: the account and partition are
 * `data "aws_caller_identity"` / `data "aws_partition"` references, and nothing is a variable.
 */
import { oidcProviderArn } from '../aws/arn.js';
import { s3ObjectArn } from '../aws/s3-names.js';
import type { IrsaConfig } from '../config/types.js';
import type { ClusterMaterial } from '../provision/types.js';
import { collectResources, exportPlan, type Placeholders, placeholders } from './collect.js';
import { escapeLiteral, hclString, type References } from './hcl.js';
import type { ExportModel } from './model.js';
import { renderDocuments } from './render-documents.js';
import { renderProviders, renderRoles } from './render-iam.js';
import { renderImports } from './render-imports.js';

/** The first line of every file the export writes: how `--out-dir` knows which files are its own to rewrite. */
export const EXPORT_HEADER = '# Written by `irsa export terraform`';

/** Every file name the export may write (others in the directory are never its own). */
export const EXPORT_FILE_NAMES = [
  'irsa-terraform.tf',
  'irsa-documents.tf',
  'irsa-oidc-provider.tf',
  'irsa-roles.tf',
  'irsa-imports.tf',
] as const;

/** Admits every 5.x release of the AWS provider (tested with 5.100.0). */
export const AWS_PROVIDER_CONSTRAINT = '~> 5.0';

export interface ExportFile {
  name: (typeof EXPORT_FILE_NAMES)[number];
  /** The whole file, header included. */
  text: string;
}

export interface TerraformExport {
  files: ExportFile[];
  /** The plan's warnings (a `*` scope) and what could not be exported. */
  warnings: string[];
}

export interface ExportOptions {
  /** Also write `import {}` blocks (a team moving from `irsa apply` to Terraform). */
  imports?: boolean;
  /** The config file as named on the command line (the header says it). */
  source: string;
}

export function exportTerraform(
  config: IrsaConfig,
  material: ReadonlyMap<string, ClusterMaterial>,
  options: ExportOptions,
): TerraformExport {
  const ph = placeholders(config, material);
  const plan = exportPlan(config, material, ph);
  const model = collectResources(config, plan);
  const accountRefs = accountReferences(ph);
  const refs = documentReferences(model, ph);
  const bodies: [ExportFile['name'], string[]][] = [
    ['irsa-terraform.tf', [settingsBlock(model)]],
    ['irsa-documents.tf', renderDocuments(model, refs)],
    ['irsa-oidc-provider.tf', renderProviders(model)],
    ['irsa-roles.tf', renderRoles(model, refs)],
    [
      'irsa-imports.tf',
      options.imports ? renderImports(model, accountRefs, (url) => oidcProviderArn(ph.partition, ph.account, url)) : [],
    ],
  ];
  const files = bodies
    .filter(([, blocks]) => blocks.length > 0)
    .map(([name, blocks]) => ({ name, text: `${header(options.source)}\n${blocks.join('\n\n')}\n` }));
  const notExported = model.notExported.map(
    (line) => `not exported (Terraform's AWS provider does not do it): ${line}`,
  );
  return { files, warnings: [...plan.warnings, ...notExported] };
}

function header(source: string): string {
  return (
    `${EXPORT_HEADER} from ${oneLine(source)}: the export rewrites this file; change irsa.yaml, not this file.\n` +
    '# The resources, tags and bytes of `irsa apply`: after terraform apply, `irsa plan` finds nothing to do.\n'
  );
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]/g, ' ');
}

/** Whether a file's text is one the export wrote (its first line is the header). */
export function isExportFile(text: string): boolean {
  return text.startsWith(EXPORT_HEADER);
}

/** Everything on stdout: the files one after another, each under its name. */
export function exportText(result: TerraformExport): string {
  return result.files.map((f) => `# ---- ${f.name}\n${f.text}`).join('\n');
}

// Template text (HCL's `${…}`, not JavaScript's).
const PARTITION = `\${data.aws_partition.current.partition}`;
const ACCOUNT = `\${data.aws_caller_identity.current.account_id}`;

/** ARNs of the account (the provider's import ID): their partition and account as data-source references. */
function accountReferences(ph: Placeholders): References {
  return new Map([[`arn:${ph.partition}:iam::${ph.account}:`, `arn:${PARTITION}:iam::${ACCOUNT}:`]]);
}

/**
 * What irsa's own documents (trust and bucket policies) name: each provider's ARN as the provider resource's own
 * `.arn` (so Terraform creates it first), S3 ARNs of the published objects with the partition as a reference.
 */
function documentReferences(model: ExportModel, ph: Placeholders): References {
  return new Map([
    ...accountReferences(ph),
    ...model.providers.map((p): [string, string] => [
      oidcProviderArn(ph.partition, ph.account, p.url),
      `\${aws_iam_openid_connect_provider.${p.label}.arn}`,
    ]),
    ...model.buckets.map((b): [string, string] => [
      s3ObjectArn(ph.partition, b.name, ''),
      s3ObjectArn(PARTITION, escapeLiteral(b.name), ''),
    ]),
  ]);
}

function settingsBlock(model: ExportModel): string {
  return `terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ${hclString(AWS_PROVIDER_CONSTRAINT)}
    }
  }
}

# The region of irsa.yaml (the bucket lives there). Credentials come from the environment, as for the AWS CLI.
provider "aws" {
  region = ${hclString(model.region)}
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}`;
}
