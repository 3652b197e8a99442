// The Terraform export as data in, text out (src/core/export/): the same resources, tags and bytes as the plan of an
// apply on an empty account, the account and partition as data-source references, nothing a variable, what it
// cannot express said as warnings. Terraform itself reads the output in test/cli/export-terraform.test.ts.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: HCL templates (`${…}`) are what these strings hold
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportTerraform, isExportFile, type TerraformExport } from '../../src/core/export/terraform.js';
import { desiredDocuments } from '../../src/core/provision/documents.js';
import { config, DIR_CONFIG, JWKS, material, S3_CONFIG, THUMB_B } from '../support/provision-fixtures.js';

const run = (text: string, imports = false) => {
  const cfg = config(text);
  return {
    cfg,
    out: exportTerraform(cfg, material(cfg, { autoThumbprints: undefined }), { imports, source: 'irsa.yaml' }),
  };
};

const file = (out: TerraformExport, name: string) => out.files.find((f) => f.name === name)?.text ?? '';
const all = (out: TerraformExport) => out.files.map((f) => f.text).join('\n');

/** The value of `attr = "…"` in the block of `resource`, decoded as JSON decodes a string (the export writes no \U). */
function attribute(text: string, resource: string, attr: string): string {
  const block = text.slice(text.indexOf(resource));
  const m = new RegExp(`^  ${attr} +\\= (".*")$`, 'm').exec(block);
  assert.ok(m, `${attr} of ${resource}`);
  return JSON.parse(m[1].replaceAll('$${', '${').replaceAll('%%{', '%{'));
}

const LISTED = S3_CONFIG.replace('thumbprints: auto', `thumbprints: [${THUMB_B}]`);

test('every file starts with the header; provider 5.x, Terraform 1.5+, data sources, no variable', () => {
  const { out } = run(LISTED, true);
  assert.deepEqual(
    out.files.map((f) => f.name),
    ['irsa-terraform.tf', 'irsa-documents.tf', 'irsa-oidc-provider.tf', 'irsa-roles.tf', 'irsa-imports.tf'],
  );
  for (const f of out.files) assert.ok(isExportFile(f.text), f.name);
  const settings = file(out, 'irsa-terraform.tf');
  assert.match(settings, /source {2}= "hashicorp\/aws"\n\s+version = "~> 5\.0"/);
  assert.match(settings, /required_version = ">= 1\.5\.0"/);
  assert.match(settings, /provider "aws" \{\n {2}region = "ap-southeast-2"\n\}/);
  assert.match(settings, /data "aws_caller_identity" "current" \{\}/);
  assert.doesNotMatch(all(out), /^variable /m);
  assert.deepEqual(out.warnings, []);
});

test('the documents are the exact bytes apply publishes, with its content type and cache control', () => {
  const { cfg, out } = run(LISTED);
  const docs = desiredDocuments(cfg.clusters[0], JWKS);
  const text = file(out, 'irsa-documents.tf');
  assert.equal(attribute(text, 'resource "aws_s3_object" "prod_discovery"', 'content'), docs.discovery);
  assert.equal(attribute(text, 'resource "aws_s3_object" "prod_jwks"', 'content'), docs.jwks);
  assert.equal(attribute(text, 'resource "aws_s3_object" "prod_jwks"', 'content_type'), 'application/json');
  assert.equal(attribute(text, 'resource "aws_s3_object" "prod_jwks"', 'cache_control'), 'public, max-age=3600');
  assert.match(text, /resource "aws_s3_object" "prod_jwks" \{\n {2}bucket += aws_s3_bucket\.my-oidc-bucket\.id/);
  const policy = JSON.parse(
    attribute(text, 'resource "aws_s3_bucket_policy"', 'policy').replaceAll(
      '${data.aws_partition.current.partition}',
      'PARTITION',
    ),
  );
  assert.deepEqual(policy.Statement[0].Resource, [
    'arn:PARTITION:s3:::my-oidc-bucket/prod/.well-known/openid-configuration',
    'arn:PARTITION:s3:::my-oidc-bucket/prod/openid/v1/jwks',
  ]);
  assert.match(text, /depends_on = \[aws_s3_bucket_public_access_block\.my-oidc-bucket\]/);
  assert.match(text, /block_public_acls += true\n\s+ignore_public_acls += true\n\s+block_public_policy += false/);
});

test("the tags are apply's own (irsa plan takes the resources as its own); the trust names the provider resource", () => {
  const { out } = run(LISTED);
  const ours =
    /tags = \{\n {4}"irsa-anywhere\/cluster" += "prod"\n {4}"irsa-anywhere\/managed-by" = "irsa-anywhere"\n {2}\}/;
  assert.match(file(out, 'irsa-documents.tf'), ours);
  assert.match(file(out, 'irsa-oidc-provider.tf'), ours);
  assert.match(file(out, 'irsa-roles.tf'), ours);
  assert.match(file(out, 'irsa-oidc-provider.tf'), new RegExp(`thumbprint_list = \\["${THUMB_B}"\\]`));
  const trust = attribute(
    file(out, 'irsa-roles.tf'),
    'resource "aws_iam_role" "test-pod-sa_default"',
    'assume_role_policy',
  );
  const doc = JSON.parse(trust);
  assert.equal(doc.Statement[0].Principal.Federated, '${aws_iam_openid_connect_provider.prod.arn}');
  assert.equal(
    doc.Statement[0].Condition.StringEquals['my-oidc-bucket.s3.ap-southeast-2.amazonaws.com/prod:sub'],
    'system:serviceaccount:default:test-pod-sa',
  );
  assert.match(
    file(out, 'irsa-roles.tf'),
    /role {7}= aws_iam_role\.test-pod-sa_default\.name\n {2}policy_arn = "arn:aws:iam::aws:policy\/ReadOnlyAccess"/,
  );
});

test('import blocks: the IDs the AWS provider imports each resource by', () => {
  const text = file(run(LISTED, true).out, 'irsa-imports.tf');
  const ids = [...text.matchAll(/to = (\S+)\n {2}id = (".*")/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(ids, [
    ['aws_s3_bucket.my-oidc-bucket', '"my-oidc-bucket"'],
    ['aws_s3_bucket_public_access_block.my-oidc-bucket', '"my-oidc-bucket"'],
    ['aws_s3_bucket_policy.my-oidc-bucket', '"my-oidc-bucket"'],
    ['aws_s3_object.prod_discovery', '"my-oidc-bucket/prod/.well-known/openid-configuration"'],
    ['aws_s3_object.prod_jwks', '"my-oidc-bucket/prod/openid/v1/jwks"'],
    [
      'aws_iam_openid_connect_provider.prod',
      '"arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/my-oidc-bucket.s3.ap-southeast-2.amazonaws.com/prod"',
    ],
    ['aws_iam_role.test-pod-sa_default', '"test-pod-sa@default"'],
    [
      'aws_iam_role_policy_attachment.test-pod-sa_default_ReadOnlyAccess',
      '"test-pod-sa@default/arn:aws:iam::aws:policy/ReadOnlyAccess"',
    ],
  ]);
});

test('thumbprints auto or []: no thumbprint_list (IAM keeps its own), and auto is said', () => {
  const auto = run(S3_CONFIG).out;
  assert.doesNotMatch(file(auto, 'irsa-oidc-provider.tf'), /thumbprint_list =/);
  assert.match(file(auto, 'irsa-oidc-provider.tf'), /^# thumbprint_list left out/m);
  assert.equal(auto.warnings.length, 1);
  assert.match(auto.warnings[0], /cluster prod: thumbprints left as IAM has them/);
  const none = run(S3_CONFIG.replace('thumbprints: auto', 'thumbprints: []')).out;
  assert.doesNotMatch(file(none, 'irsa-oidc-provider.tf'), /thumbprint_list =/);
  assert.deepEqual(none.warnings, []);
});

test('a bucket the config does not create: named, not created; its whole policy written, with a warning in the file', () => {
  const text = file(run(LISTED.replace('create: true', 'create: false')).out, 'irsa-documents.tf');
  assert.doesNotMatch(text, /resource "aws_s3_bucket" /);
  assert.match(
    text,
    /# The bucket is not created here \(publish\.s3\.create: false\): this policy is the bucket's WHOLE policy/,
  );
  assert.match(text, /resource "aws_s3_bucket_policy" "my-oidc-bucket" \{\n {2}bucket = "my-oidc-bucket"/);
  assert.match(text, /resource "aws_s3_object" "prod_jwks" \{\n {2}bucket += "my-oidc-bucket"/);
});

test('what the AWS provider cannot do is warned, not exported: directory publishing, ServiceAccount annotations', () => {
  const { out } = run(
    DIR_CONFIG.replace('- {namespace: default, name: app}', '- {namespace: default, name: app, annotate: true}'),
  );
  assert.equal(file(out, 'irsa-documents.tf'), '');
  const not = "not exported (Terraform's AWS provider does not do it):";
  assert.deepEqual(out.warnings, [
    `${not} file /work/cfg/sandbox/issuer/.well-known/openid-configuration (publish.directory: irsa apply writes it)`,
    `${not} file /work/cfg/sandbox/issuer/openid/v1/jwks (publish.directory: irsa apply writes it)`,
    `${not} annotation of ServiceAccount default/app on cluster lab (annotate: true)`,
  ]);
});

test('a config that holds the placeholder account ID gets another; a trust policy over quota stops the export', () => {
  const { out } = run(LISTED.replace('name: test-pod-sa', 'name: test-pod-sa\n        description: "987654321098"'));
  assert.match(file(out, 'irsa-roles.tf'), /description += "987654321098"/);
  assert.match(file(out, 'irsa-roles.tf'), /\\"Federated\\":\\"\$\{aws_iam_openid_connect_provider\.prod\.arn\}/);
  const many = Array.from({ length: 40 }, (_, i) => `      - {namespace: n${i}, name: s, role: shared}`).join('\n');
  assert.throws(
    () => run(`${LISTED}${many}\n`),
    (e: { code?: string; message?: string }) =>
      e.code === 'ERR_PLAN_CONFLICT' && /role shared: the trust policy/.test(e.message ?? ''),
  );
});
