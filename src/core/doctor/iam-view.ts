import type { IamView, OidcProviderState, RoleState } from '../sts/types.js';

/**
 * An IamView over what doctor read from the IAM API, so the STS core decides on the real account's state exactly
 * as the sandbox decides on its own store.
 */
export function staticIamView(input: {
  accountId: string;
  partition: string;
  providers: readonly OidcProviderState[];
  roles: readonly RoleState[];
}): IamView {
  return {
    accountId: input.accountId,
    partition: input.partition,
    findOidcProviderByUrl: (url) => input.providers.find((p) => p.url === url),
    findRoleByArn: (arn) => input.roles.find((r) => r.arn === arn),
  };
}
