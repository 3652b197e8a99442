// Shared by the audit tests: the SARIF 2.1.0 JSON schema (as the @microsoft/jest-sarif package ships it, the OASIS
// schema of 2.1.0's final release candidate rtm.5, draft-04) compiled with ajv, and IAM set-up helpers over the SDK.
// unicodeRegExp off: one `pattern` of that schema (a language tag, `…{2}]?$`) is not a valid regular expression in
// unicode mode; JSON Schema draft-04 patterns are ECMA-262 without the u flag.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import AjvDraft04 from 'ajv-draft-04';

const require = createRequire(import.meta.url);

export function sarifValidator(): (log: unknown) => string[] {
  const dir = dirname(require.resolve('@microsoft/jest-sarif/package.json'));
  const schema = JSON.parse(readFileSync(join(dir, 'lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
  // A CommonJS module: its class is the default export's `default`.
  const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
  const validate = ajv.compile(schema);
  return (log) => (validate(log) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

export const ACCOUNT = '123456789012';

export function providerArnOf(url: string): string {
  return `arn:aws:iam::${ACCOUNT}:oidc-provider/${url.replace(/^https:\/\//, '')}`;
}

export async function createProvider(iam: IAMClient, url: string, clientIds: string[]): Promise<string> {
  const res = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: clientIds }));
  return res.OpenIDConnectProviderArn ?? '';
}

export async function createRole(iam: IAMClient, name: string, trust: unknown): Promise<string> {
  const res = await iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }),
  );
  return res.Role?.Arn ?? '';
}

/** A one-statement web-identity trust policy for `providerUrl` with these conditions. */
export function webIdentityTrust(providerUrl: string, condition?: Record<string, Record<string, string | string[]>>) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArnOf(providerUrl) },
        Action: 'sts:AssumeRoleWithWebIdentity',
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  };
}
