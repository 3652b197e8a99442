/**
 * Runs plain-data IamOperations (src/core/aws/operations.ts) with @aws-sdk/client-iam against any endpoint — real
 * AWS, moto, or our sandbox — and reads IAM state back into the shapes the planner compares against. `ensure*`
 * read first, plan, then run only what differs, so running them twice changes nothing.
 */
import {
  AddClientIDToOpenIDConnectProviderCommand,
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  DetachRolePolicyCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  IAMClient,
  type IAMClientConfig,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
  type Role,
  UpdateAssumeRolePolicyCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import { providerUrlOfArn } from '../../core/aws/arn.js';
import {
  type CurrentOidcProvider,
  type CurrentRole,
  type DesiredOidcProvider,
  type DesiredRole,
  type IamOperation,
  type ProviderPlanOptions,
  planOidcProvider,
  planRole,
  type RolePlanOptions,
} from '../../core/aws/operations.js';
import { decodePolicyDocument } from '../../core/aws/trust-policy-builder.js';
import { E, IrsaError } from '../../core/errors.js';
import { formatSdkError, sdkErrorCode } from './sdk-errors.js';

export interface IamExecutorOptions {
  /** Default: the SDK's own resolution (`AWS_ENDPOINT_URL_IAM`, `AWS_ENDPOINT_URL`, config). */
  endpoint?: string;
  /** IAM is global; the region only picks the partition's endpoint. Default `us-east-1`. */
  region?: string;
  credentials?: IAMClientConfig['credentials'];
}

export interface EnsureResult {
  arn: string;
  /** The operations that were run (empty when nothing differed). */
  operations: IamOperation[];
}

/** An OIDC provider as listed: its ARN and the URL derived from it (with `https://`). */
export interface ListedOidcProvider {
  arn: string;
  url: string;
}

export class IamExecutor {
  readonly client: IAMClient;

  constructor(clientOrOptions: IAMClient | IamExecutorOptions = {}) {
    this.client =
      clientOrOptions instanceof IAMClient
        ? clientOrOptions
        : new IAMClient({
            region: clientOrOptions.region ?? 'us-east-1',
            ...(clientOrOptions.endpoint ? { endpoint: clientOrOptions.endpoint } : {}),
            ...(clientOrOptions.credentials ? { credentials: clientOrOptions.credentials } : {}),
          });
  }

  /** Runs one operation; a failure becomes an IrsaError naming the action and AWS's code and text. */
  async run(op: IamOperation): Promise<Record<string, unknown>> {
    try {
      return (await this.client.send(commandFor(op) as never)) as unknown as Record<string, unknown>;
    } catch (e) {
      throw new IrsaError(E.ERR_AWS_IAM, `IAM ${op.action}: ${formatSdkError(e)}`, { cause: e });
    }
  }

  async runAll(ops: readonly IamOperation[]): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (const op of ops) out.push(await this.run(op));
    return out;
  }

  /** Every OIDC provider of the account (URL taken from the ARN, which IAM builds from it verbatim). */
  async listOidcProviders(): Promise<ListedOidcProvider[]> {
    const res = await this.call('ListOpenIDConnectProviders', () =>
      this.client.send(new ListOpenIDConnectProvidersCommand({})),
    );
    return (res.OpenIDConnectProviderList ?? []).flatMap((p) => {
      const arn = p.Arn ?? '';
      const url = providerUrlOfArn(arn);
      return url ? [{ arn, url }] : [];
    });
  }

  async getOidcProvider(arn: string): Promise<CurrentOidcProvider | undefined> {
    try {
      const res = await this.client.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
      const url = res.Url ?? '';
      return {
        arn,
        // IAM (and moto) return the URL without its scheme.
        url: /^https:\/\//i.test(url) ? url : `https://${url}`,
        clientIds: res.ClientIDList ?? [],
        thumbprints: (res.ThumbprintList ?? []).map((t) => t.toUpperCase()),
      };
    } catch (e) {
      if (isNoSuchEntity(e)) return undefined;
      throw new IrsaError(E.ERR_AWS_IAM, `IAM GetOpenIDConnectProvider: ${formatSdkError(e)}`, {
        cause: e,
      });
    }
  }

  /** The provider whose URL is byte-for-byte `url`, or undefined. */
  async findOidcProvider(url: string): Promise<CurrentOidcProvider | undefined> {
    const match = (await this.listOidcProviders()).find((p) => p.url === url);
    return match ? this.getOidcProvider(match.arn) : undefined;
  }

  async getRole(name: string): Promise<CurrentRole | undefined> {
    let role: Role | undefined;
    try {
      role = (await this.client.send(new GetRoleCommand({ RoleName: name }))).Role;
    } catch (e) {
      if (isNoSuchEntity(e)) return undefined;
      throw new IrsaError(E.ERR_AWS_IAM, `IAM GetRole ${name}: ${formatSdkError(e)}`, {
        cause: e,
      });
    }
    if (!role) return undefined;
    const attached: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.call('ListAttachedRolePolicies', () =>
        this.client.send(new ListAttachedRolePoliciesCommand({ RoleName: name, Marker: marker })),
      );
      for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn) attached.push(p.PolicyArn);
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return {
      arn: role.Arn ?? '',
      name: role.RoleName ?? name,
      path: role.Path ?? '/',
      roleId: role.RoleId,
      assumeRolePolicyDocument: decodePolicyDocument(role.AssumeRolePolicyDocument ?? ''),
      description: role.Description,
      maxSessionDuration: role.MaxSessionDuration ?? 3600,
      attachedPolicyArns: attached,
    };
  }

  /** Creates the provider, or brings client IDs and thumbprints in line; a second run changes nothing. */
  async ensureOidcProvider(desired: DesiredOidcProvider, options?: ProviderPlanOptions): Promise<EnsureResult> {
    const current = await this.findOidcProvider(desired.url);
    const ops = planOidcProvider(desired, current, options);
    const results = await this.runAll(ops);
    const created = results.find((_r, i) => ops[i].action === 'CreateOpenIDConnectProvider');
    const arn = current?.arn ?? (created?.OpenIDConnectProviderArn as string | undefined);
    if (!arn) throw new IrsaError(E.ERR_AWS_IAM, `IAM returned no ARN for provider ${desired.url}`);
    return { arn, operations: ops };
  }

  /** Creates the role, or updates its trust policy (compared decoded), settings and attached policies. */
  async ensureRole(desired: DesiredRole, options?: RolePlanOptions): Promise<EnsureResult> {
    const current = await this.getRole(desired.name);
    const ops = planRole(desired, current, options);
    const results = await this.runAll(ops);
    const created = results.find((_r, i) => ops[i].action === 'CreateRole') as { Role?: { Arn?: string } } | undefined;
    const arn = current?.arn ?? created?.Role?.Arn;
    if (!arn) throw new IrsaError(E.ERR_AWS_IAM, `IAM returned no ARN for role ${desired.name}`);
    return { arn, operations: ops };
  }

  destroy(): void {
    this.client.destroy();
  }

  private async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw new IrsaError(E.ERR_AWS_IAM, `IAM ${action}: ${formatSdkError(e)}`, { cause: e });
    }
  }
}

function commandFor(op: IamOperation) {
  switch (op.action) {
    case 'CreateOpenIDConnectProvider':
      return new CreateOpenIDConnectProviderCommand(op.input);
    case 'AddClientIDToOpenIDConnectProvider':
      return new AddClientIDToOpenIDConnectProviderCommand(op.input);
    case 'RemoveClientIDFromOpenIDConnectProvider':
      return new RemoveClientIDFromOpenIDConnectProviderCommand(op.input);
    case 'UpdateOpenIDConnectProviderThumbprint':
      return new UpdateOpenIDConnectProviderThumbprintCommand(op.input);
    case 'CreateRole':
      return new CreateRoleCommand(op.input);
    case 'UpdateAssumeRolePolicy':
      return new UpdateAssumeRolePolicyCommand(op.input);
    case 'UpdateRole':
      return new UpdateRoleCommand(op.input);
    case 'AttachRolePolicy':
      return new AttachRolePolicyCommand(op.input);
    case 'DetachRolePolicy':
      return new DetachRolePolicyCommand(op.input);
  }
}

function isNoSuchEntity(e: unknown): boolean {
  return sdkErrorCode(e) === 'NoSuchEntity';
}
