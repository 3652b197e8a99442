/**
 * The conventions every command shares, said once (the developers' guide, "Conventions across the tool"); each is
 * the EKS pod identity webhook's own default, so pods and roles made by irsa look like EKS's.
 */

/** The audience of tokens meant for AWS STS, and the IAM OIDC provider's client ID. */
export const DEFAULT_AUDIENCE = 'sts.amazonaws.com';

/** Annotation prefix on ServiceAccounts and pods (`eks.amazonaws.com/role-arn`, …). */
export const DEFAULT_ANNOTATION_PREFIX = 'eks.amazonaws.com';

/** Where the projected token is mounted, the directory and the file. */
export const DEFAULT_TOKEN_DIR = '/var/run/secrets/eks.amazonaws.com/serviceaccount';
export const DEFAULT_TOKEN_FILE = 'token';
export const DEFAULT_TOKEN_PATH = `${DEFAULT_TOKEN_DIR}/${DEFAULT_TOKEN_FILE}`;

/** The projected volume's name. */
export const DEFAULT_TOKEN_VOLUME = 'aws-iam-token';

/** Token lifetime in seconds (24 h). */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 86400;
