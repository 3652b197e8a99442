import { E, IrsaError } from '../errors.js';

/**
 * AWS partitions and how a region maps onto one (ARNs carry the partition): the prefixes the EKS pod identity
 * webhook maps for --compose-role-arn; any other region is in `aws`.
 */
export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov' | 'aws-iso' | 'aws-iso-b' | 'aws-eusc';

export function partitionForRegion(region: string | undefined): Partition {
  if (!region) return 'aws';
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

export interface Arn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  /** Everything after the fifth colon, e.g. `role/path/name` or `oidc-provider/host/path`. */
  resource: string;
}

// Every partition a role can live in (the webhook must inject roles of isolated partitions too).
const ARN_RE =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws|):(.+)$/;

export function parseArn(value: string): Arn | undefined {
  const m = ARN_RE.exec(value);
  if (!m) return undefined;
  return { partition: m[1], service: m[2], region: m[3], accountId: m[4], resource: m[5] };
}

/** A role ARN's parts; undefined when `value` is not `arn:<partition>:iam::<12 digits>:role/[path/]name`. */
export function parseRoleArn(
  value: string,
): { partition: string; accountId: string; path: string; name: string } | undefined {
  const arn = parseArn(value);
  if (!arn || arn.service !== 'iam' || arn.region !== '' || !/^\d{12}$/.test(arn.accountId)) return undefined;
  if (!arn.resource.startsWith('role/')) return undefined;
  const rest = arn.resource.slice('role/'.length);
  const slash = rest.lastIndexOf('/');
  const name = rest.slice(slash + 1);
  const path = slash === -1 ? '/' : `/${rest.slice(0, slash + 1)}`;
  if (!/^[\w+=,.@-]{1,64}$/.test(name)) return undefined;
  return { partition: arn.partition, accountId: arn.accountId, path, name };
}

/**
 * `arn:<partition>:iam::<12 digits>:oidc-provider/<host[:port]/path>`: the host a DNS name or address, the path
 * printable ASCII without spaces; not a scheme (IAM drops `https://` from the URL it builds the ARN from).
 */
export function isOidcProviderArn(value: string): boolean {
  const arn = parseArn(value);
  if (arn?.service !== 'iam' || arn.region !== '' || !/^\d{12}$/.test(arn.accountId)) return false;
  return /^oidc-provider\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[\x21-\x7e]*)?$/.test(arn.resource);
}

/** A role ARN flag (`--role-arn`, `--canary-role`): refused in words, naming the flag, unless well-formed. */
export function checkRoleArn(value: string, flag: string): void {
  if (parseRoleArn(value)) return;
  throw new IrsaError(
    E.ERR_ROLE_ARN,
    `${flag} must be an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/[path/]name), got: ${value}`,
  );
}

export function roleArn(partition: string, accountId: string, name: string, path = '/'): string {
  return `arn:${partition}:iam::${accountId}:role${path}${name}`;
}

/** Provider ARN: `arn:<p>:iam::<acct>:oidc-provider/<URL without https://>` (a trailing slash is kept). */
export function oidcProviderArn(partition: string, accountId: string, providerUrl: string): string {
  return `arn:${partition}:iam::${accountId}:oidc-provider/${stripScheme(providerUrl)}`;
}

/** The URL a provider ARN was built from (IAM builds the ARN from the URL verbatim, scheme dropped). */
export function providerUrlOfArn(arn: string): string | undefined {
  const resource = parseArn(arn)?.resource ?? '';
  return resource.startsWith('oidc-provider/') ? `https://${resource.slice('oidc-provider/'.length)}` : undefined;
}

/** The provider URL as IAM uses it in condition keys (`<host/path>:sub`) and ARNs: no scheme. */
export function stripScheme(url: string): string {
  return url.replace(/^https:\/\//i, '');
}

export function assumedRoleArn(partition: string, accountId: string, roleName: string, sessionName: string): string {
  return `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
}

/** Role name convention across the tool: `{serviceaccount}@{namespace}`. */
export function defaultRoleName(namespace: string, serviceAccount: string): string {
  const name = `${serviceAccount}@${namespace}`;
  if (name.length > 64) {
    throw new IrsaError(
      E.ERR_ROLE_NAME,
      `role name ${name} is longer than IAM's 64 characters; pass a shorter --role-name`,
    );
  }
  return name;
}
