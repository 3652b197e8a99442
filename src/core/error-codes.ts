/**
 * The closed set of error codes: every IrsaError carries one of these, and `docs/errors.md` is generated from this
 * table (`npm run docs:errors`; a test fails when the two drift). A code is stable once released: callers, scripts
 * and `--output json` consumers match on it, never on message text. Add a code here, with what it means and what to
 * do, before throwing it; `E.ERR_…` is the only way to name one in `src/`.
 *
 * Grouped by family, in the order docs/errors.md lists them.
 */
export interface ErrorCodeInfo {
  /** The family the code belongs to (a heading in docs/errors.md). */
  readonly family: string;
  /** What went wrong, in one sentence. */
  readonly meaning: string;
  /** What the user can do about it. */
  readonly action: string;
}

const usage = 'Command line';
const files = 'Files';
const keys = 'Signing keys';
const issuer = 'Issuer and published documents';
const tokens = 'Tokens';
const manifests = 'Manifests and values';
const aws = 'AWS and IAM';
const provisioning = 'Provisioning (irsa.yaml)';
const rotation = 'Key rotation (irsa rotate)';
const tls = 'TLS and certificates';
const kube = 'Kubernetes API';
const webhook = 'Webhook';
const servers = 'Servers';
const sandbox = 'Sandbox and demo';

export const ERROR_CODES = {
  ERR_USAGE: {
    family: usage,
    meaning: 'The command line cannot be acted on: a flag is missing, unknown, contradictory or has a bad value.',
    action: 'Read the message (it names the flag) and `irsa <command> --help`.',
  },
  ERR_DURATION: {
    family: usage,
    meaning: 'A duration flag or field is not a duration.',
    action: 'Write it as Go does (`24h`, `90m`, `1h30m`, `3600s`) or as plain seconds (`3600`).',
  },
  ERR_INTERNAL: {
    family: usage,
    meaning: 'An unexpected failure inside irsa (a bug).',
    action: 'Run again with `--debug` for the stack trace and report it.',
  },

  ERR_FILE_READ: {
    family: files,
    meaning: 'A file named on the command line or in configuration cannot be read.',
    action: 'Check the path and its permissions (the message says which file and why).',
  },
  ERR_FILE_WRITE: {
    family: files,
    meaning: 'A file or directory cannot be written.',
    action: 'Check that the directory exists and is writable, and that there is space on the disk.',
  },
  ERR_FILE_EXISTS: {
    family: files,
    meaning: 'The output file already exists and irsa does not overwrite what you own.',
    action: 'Pass `--force` to overwrite it, or choose another path.',
  },
  ERR_FILE_IS_INPUT: {
    family: files,
    meaning:
      'The output path is (or links to) a file the same command reads, such as the signing key; writing it would destroy the input.',
    action: 'Choose another output path; `--force` does not override this.',
  },

  ERR_KEY_INVALID: {
    family: keys,
    meaning: 'A key file or JWK does not hold a usable key.',
    action: 'Give a PEM (PKCS#1, PKCS#8, SEC1, SPKI), DER or JWK/JWKS file holding an RSA or EC key.',
  },
  ERR_KEY_NOT_FOUND: {
    family: keys,
    meaning: 'The file holds no key at all (an empty JWKS, a PEM without a key block).',
    action: 'Point at the file with the key, e.g. the apiserver’s `sa.pub` or `sa.key`.',
  },
  ERR_KEY_SYMMETRIC: {
    family: keys,
    meaning: 'A symmetric (HMAC, `kty: oct`) key was given; service-account tokens are signed with RSA or EC keys.',
    action: 'Use the cluster’s RSA or EC signing key (`irsa keys generate` makes one).',
  },
  ERR_KEY_TOO_SMALL: {
    family: keys,
    meaning: 'An RSA key shorter than 2048 bits.',
    action: 'Generate a new key of at least 2048 bits (`irsa keys generate --type rsa --bits 3072`).',
  },
  ERR_KEY_CURVE: {
    family: keys,
    meaning: 'An EC key on a curve that kube-apiserver and AWS STS do not both accept.',
    action: 'Use P-256, P-384 or P-521.',
  },
  ERR_KEY_ENCRYPTED: {
    family: keys,
    meaning: 'An encrypted private key; kube-apiserver cannot read it either.',
    action: 'Decrypt it first (`openssl pkey -in key.pem -out sa.key`).',
  },
  ERR_KEY_UNSUPPORTED: {
    family: keys,
    meaning: 'A key type that cannot sign service-account tokens for AWS (Ed25519, secp256k1, DSA, …).',
    action: 'Use an RSA (2048+ bits) or EC (P-256/384/521) key.',
  },
  ERR_KEY_NOT_PRIVATE: {
    family: keys,
    meaning: 'Signing needs the private key, and the file holds only a public key.',
    action: 'Pass the private half (`sa.key`), not `sa.pub`.',
  },
  ERR_KEY_MISMATCH: {
    family: keys,
    meaning: 'A key file holds a private key and a public key that do not belong together (a JWK mixing two keys).',
    action: 'Export the key pair again from one key (`irsa keys generate` makes a consistent pair).',
  },

  ERR_ISSUER_INVALID: {
    family: issuer,
    meaning: 'The issuer is not a URL AWS and kube-apiserver accept (https, no query, fragment or user information).',
    action: 'Use an https URL such as `https://oidc.example.com/cluster`, exactly as tokens carry it.',
  },
  ERR_JWKS_URI_INVALID: {
    family: issuer,
    meaning: 'The jwks_uri is not an https URL that can be published.',
    action: 'Use an https URL with a path, on a host AWS can reach.',
  },
  ERR_DISCOVERY_NOT_SERVED: {
    family: issuer,
    meaning: 'The cluster does not serve its OIDC discovery documents.',
    action: 'Set `--service-account-issuer` and `--service-account-jwks-uri` (`irsa issuer apiserver-flags`).',
  },
  ERR_ISSUER_UNREACHABLE: {
    family: issuer,
    meaning: 'No TLS connection to the issuer host came up (refused, timed out, or the host does not speak TLS).',
    action: 'Check the issuer URL and that its host serves https to this machine: `curl -v <issuer URL>`.',
  },
  ERR_MAX_TOKEN_EXPIRATION: {
    family: issuer,
    meaning: '`--max-token-expiration` is outside what kube-apiserver accepts.',
    action: 'Give a duration between 1h and 2^32 seconds, e.g. `24h`.',
  },
  ERR_STS_AUDIENCE: {
    family: issuer,
    meaning:
      'The cluster’s API audiences would include `sts.amazonaws.com`: a token for AWS would also log in to the cluster.',
    action: 'Leave `sts.amazonaws.com` out of `--api-audiences`.',
  },
  ERR_FLAG_NOT_REPEATABLE: {
    family: issuer,
    meaning: 'The distribution’s configuration format holds one value per flag, and several were needed.',
    action: 'Follow the hint: put every public key in one file and pass it once.',
  },

  ERR_TOKEN_MALFORMED: {
    family: tokens,
    meaning: 'The token is not a compact JWS with JSON header and claims.',
    action: 'Give the token file’s content as it is (three base64url parts separated by dots, no `Bearer `).',
  },
  ERR_TOKEN_NAMESPACE: {
    family: tokens,
    meaning: 'The namespace is not a Kubernetes namespace name (a DNS-1123 label).',
    action: 'Use lower-case letters, digits and `-`, at most 63 characters.',
  },
  ERR_TOKEN_SERVICE_ACCOUNT: {
    family: tokens,
    meaning: 'The service account is not a Kubernetes object name (a DNS-1123 subdomain).',
    action: 'Use lower-case letters, digits, `-` and `.`, at most 253 characters.',
  },
  ERR_TOKEN_EXPIRATION: {
    family: tokens,
    meaning: 'A token lifetime outside what the apiserver accepts (at least 10 minutes, at most 2^32 seconds).',
    action: 'Give a duration between `10m` and `4294967296s`; the default is `24h`.',
  },
  ERR_TOKEN_AUDIENCE: {
    family: tokens,
    meaning: 'An empty audience.',
    action: 'Give the audience the IAM provider lists as a client ID, normally `sts.amazonaws.com`.',
  },
  ERR_TOKEN_PATH: {
    family: tokens,
    meaning: 'The token file path is not an absolute path a container can mount.',
    action: 'Use an absolute path such as `/var/run/secrets/eks.amazonaws.com/serviceaccount/token`.',
  },

  ERR_K8S_NAME: {
    family: manifests,
    meaning: 'A Kubernetes name is not valid (a DNS-1123 label or subdomain).',
    action: 'Use lower-case letters, digits and `-` (and `.` for subdomains).',
  },
  ERR_ROLE_ARN: {
    family: manifests,
    meaning: 'Not an IAM role ARN.',
    action: 'Give `arn:<partition>:iam::<12-digit account>:role/[path/]name`.',
  },
  ERR_REGION: {
    family: manifests,
    meaning: 'Not an AWS region name.',
    action: 'Give a region such as `eu-west-1`.',
  },
  ERR_ACCOUNT_ID: {
    family: manifests,
    meaning: 'Not an AWS account ID.',
    action: 'Give the 12 digits of the account.',
  },
  ERR_IMAGE: {
    family: manifests,
    meaning: 'Not a container image reference.',
    action: 'Give `registry/name:tag` or `registry/name@sha256:…`.',
  },
  ERR_REPLICAS: {
    family: manifests,
    meaning: 'A replica count below 1.',
    action: 'Give a whole number of at least 1 (2 or more for an available webhook).',
  },
  ERR_FAILURE_POLICY: {
    family: manifests,
    meaning: 'A webhook failure policy other than Ignore or Fail.',
    action: 'Give `Ignore` (pods start without credentials when the webhook is down) or `Fail`.',
  },
  ERR_TLS_MODE: {
    family: manifests,
    meaning: 'An unknown way to give the webhook its certificate.',
    action: 'Give `self-managed`, `cert-manager` or `files`.',
  },
  ERR_CA_BUNDLE: {
    family: manifests,
    meaning: 'The CA bundle file is not a PEM certificate.',
    action: 'Give the PEM file of the CA that signed the webhook’s serving certificate.',
  },

  ERR_PROVIDER_URL: {
    family: aws,
    meaning: 'An IAM OIDC provider URL that IAM refuses or that cannot change.',
    action: 'Use the issuer URL exactly (https, at most 255 characters); a provider’s URL is fixed once created.',
  },
  ERR_PROVIDER_THUMBPRINT: {
    family: aws,
    meaning: 'A thumbprint that is not 40 hexadecimal digits (SHA-1), or more than IAM’s 5.',
    action: 'Use `irsa doctor` to compute the issuer’s thumbprint, or give at most 5.',
  },
  ERR_PROVIDER_CLIENT_ID: {
    family: aws,
    meaning: 'A client ID (audience) that IAM refuses: empty, longer than 255 characters, or more than 100.',
    action: 'Use the audiences your tokens carry, normally `sts.amazonaws.com`.',
  },
  ERR_ROLE_NAME: {
    family: aws,
    meaning: 'Not a valid IAM role name (1–64 characters of `A-Za-z0-9+=,.@_-`).',
    action: 'Give a shorter or plainer name with `--role-name`.',
  },
  ERR_ROLE_PATH: {
    family: aws,
    meaning: 'A role path IAM refuses, or a role that exists under another path (IAM cannot move roles).',
    action: 'Use a path that begins and ends with `/`, or delete and re-create the role under the new path.',
  },
  ERR_ROLE_SESSION_DURATION: {
    family: aws,
    meaning: 'A maximum session duration outside IAM’s 1 to 12 hours.',
    action: 'Give a duration from `1h` to `12h`.',
  },
  ERR_TRUST_SCOPE: {
    family: aws,
    meaning: 'A trust policy cannot be scoped to exactly one service account and audience with these values.',
    action: 'Give a namespace and service account without `:` or `*`, and a non-empty audience.',
  },
  ERR_AWS_IAM: {
    family: aws,
    meaning: 'IAM refused or failed a request.',
    action: 'Read AWS’s code in the message; check the credentials’ permissions and the region.',
  },
  ERR_AWS_STS: {
    family: aws,
    meaning: 'STS refused or failed a request.',
    action: 'Read AWS’s code in the message; `irsa doctor` names the broken link.',
  },
  ERR_AWS_S3: {
    family: aws,
    meaning: 'S3 or S3 Control refused or failed a request (publishing the issuer documents to a bucket).',
    action:
      'Read AWS’s code in the message: AccessDenied needs the s3 permission it names; a bucket of another account cannot be used.',
  },
  ERR_APPLY_INCOMPLETE: {
    family: aws,
    meaning:
      'Some changes of an apply or destroy failed, or were skipped because a change they depend on failed; the others were made.',
    action:
      'Fix what the listed failures say and run the same command again: it reads the state and does only what is left.',
  },

  ERR_CONFIG_INVALID: {
    family: provisioning,
    meaning:
      'irsa.yaml cannot be used: not YAML, a field missing, misspelt or of the wrong type, or a value AWS, S3 or Kubernetes would refuse.',
    action: 'Fix the field at the line the message names (`docs/provisioning.md` describes every field).',
  },
  ERR_PLAN_CONFLICT: {
    family: provisioning,
    meaning:
      'irsa.yaml asks for something that cannot be done: a role or provider of the same name not tagged as irsa’s for a cluster of the file, a bucket of another region or account, a trust policy over IAM’s quota, or an account block that stops public reads. Plan exits 1; apply does everything else and exits 1.',
    action:
      'Read the conflict and its hint: `--adopt` takes over a same-name role or provider, or rename it in irsa.yaml; raise the quota or trust fewer service accounts per role; change the account setting named.',
  },
  ERR_NOT_APPROVED: {
    family: provisioning,
    meaning: 'apply or destroy was not approved at its prompt (only `yes` approves); nothing was changed.',
    action: 'Run it again and answer `yes`, or pass `--auto-approve` once you have read `irsa plan`.',
  },
  ERR_READ_BACK: {
    family: provisioning,
    meaning:
      'The documents read back after publishing to S3 are not what was written (body, Content-Type, Cache-Control max-age), or cannot be read anonymously.',
    action:
      'Check what serves the issuer URL: the bucket policy and Block Public Access (the account’s too), a CDN in front of the bucket and its cache.',
  },

  ERR_ROTATION_NOT_YET: {
    family: rotation,
    meaning:
      'A rotation step is not safe yet at the time given: the JWKS with both keys has not been visible for its cache lifetime (switched), or a token the old key signed may still be valid (finish). Nothing was changed.',
    action:
      'Wait until the earliest safe time the message names (it lists the times it reasoned from), then run the step again; `irsa rotate status` shows it.',
  },
  ERR_ROTATION_STATE: {
    family: rotation,
    meaning:
      'The rotation cannot take this step from where it is: another phase, another new key than the rotation in progress, or published documents that are not what the rotation state says (changed by hand or by `irsa apply`).',
    action:
      'Run `irsa rotate status -f irsa.yaml --cluster NAME` and follow it; docs/rotation.md explains each phase and how to resume.',
  },
  ERR_ROTATION_LIFETIME_UNKNOWN: {
    family: rotation,
    meaning:
      "The cluster's maximum token lifetime is not stated, so no time can be known after which the old key's tokens have all expired.",
    action:
      "Set `maxTokenExpiration` on the cluster in irsa.yaml to the apiserver's `--service-account-max-token-expiration` (set that flag if it is not).",
  },
  ERR_ROTATION_KEYS_MISSING: {
    family: rotation,
    meaning:
      'apply would publish a JWKS without a key the key rotation keeps published (the old keys and the new one until finish, the new key after): an outage for tokens signed with it. `irsa plan` shows it as a conflict; apply changed nothing.',
    action:
      'List in the cluster’s `keys:` what the message names (during a rotation the old key and then the new one; after finish the new key), then apply again; `irsa rotate status` shows the phase.',
  },

  ERR_TLS_NO_CHAIN: {
    family: tls,
    meaning: 'The server presented no certificate, so no thumbprint can be computed.',
    action: 'Check that the issuer host serves https with a certificate chain.',
  },
  ERR_TLS_CREDENTIALS: {
    family: tls,
    meaning: 'A certificate and key pair that TLS cannot use (not PEM, or not matching).',
    action: 'Give the PEM certificate and its own private key.',
  },
  ERR_CERT_REQUEST: {
    family: tls,
    meaning: 'A certificate cannot be issued with these values (no names, no validity, a CA key of the wrong kind).',
    action: 'Give at least one DNS name or IP and a positive validity.',
  },
  ERR_SELF_MANAGED_TLS: {
    family: tls,
    meaning: 'The webhook could not keep its own certificates in its Secret and webhook configuration.',
    action: 'Check the webhook’s RBAC on its Secret and MutatingWebhookConfiguration (`irsa webhook manifests`).',
  },

  ERR_KUBECONFIG_NOT_FOUND: {
    family: kube,
    meaning: 'No kubeconfig file was found where it was looked for.',
    action: 'Pass `--kubeconfig FILE`, set `KUBECONFIG`, or create `~/.kube/config`.',
  },
  ERR_KUBECONFIG_INVALID: {
    family: kube,
    meaning: 'The kubeconfig is not valid YAML of a kubeconfig, or names no cluster server.',
    action: 'Check it with `kubectl config view`.',
  },
  ERR_KUBE_CONTEXT: {
    family: kube,
    meaning: 'The kubeconfig has no such context, or no current context.',
    action: 'Pass `--context NAME` (`kubectl config get-contexts` lists them).',
  },
  ERR_KUBE_AUTH: {
    family: kube,
    meaning: 'The kubeconfig’s credentials cannot be loaded (an exec plugin failed, a file is missing).',
    action: 'Run `kubectl get ns` with the same context to see the plugin’s own error.',
  },
  ERR_KUBE_TLS: {
    family: kube,
    meaning: 'The apiserver’s certificate could not be verified with the kubeconfig’s CA.',
    action: 'Check `certificate-authority-data` in the kubeconfig.',
  },
  ERR_KUBE_UNREACHABLE: {
    family: kube,
    meaning: 'The apiserver did not answer.',
    action: 'Check the server URL, the network, and that the cluster is up.',
  },
  ERR_KUBE_RESPONSE: {
    family: kube,
    meaning: 'The apiserver answered with something that is not Kubernetes JSON.',
    action: 'Check that the server URL points at kube-apiserver, not a proxy page.',
  },
  ERR_KUBE_UNAUTHORIZED: {
    family: kube,
    meaning: 'The apiserver refused the credentials (401).',
    action: 'Refresh the credentials (log in again) or check the token.',
  },
  ERR_KUBE_FORBIDDEN: {
    family: kube,
    meaning: 'The credentials may not read what is needed (403).',
    action: 'Grant the RBAC the message names, or use another context.',
  },
  ERR_KUBE_NOT_FOUND: {
    family: kube,
    meaning: 'The apiserver has no such object (404).',
    action: 'Check the namespace and name.',
  },
  ERR_KUBE_STATUS: {
    family: kube,
    meaning: 'The apiserver answered with an unexpected HTTP status.',
    action: 'Read the status in the message; retry when the apiserver is healthy.',
  },
  ERR_POD_NOT_FOUND: {
    family: kube,
    meaning: 'No such pod.',
    action: 'Give `namespace/name` of a running pod (`kubectl get pods -A`).',
  },
  ERR_SA_LOOKUP: {
    family: kube,
    meaning: 'The webhook could not read a pod’s ServiceAccount from the API in time.',
    action: 'Check the webhook’s RBAC (get/list/watch serviceaccounts) and the apiserver’s health.',
  },

  ERR_SA_FILE: {
    family: webhook,
    meaning: 'The ServiceAccounts file is not YAML or JSON of ServiceAccounts.',
    action: 'Give a file of ServiceAccount objects (a list, several YAML documents, or `kubectl get sa -A -o yaml`).',
  },
  ERR_CC_CONFIG: {
    family: webhook,
    meaning: 'The container-credentials configuration file is not the expected JSON.',
    action: 'Give `{"identities":[{"namespace":"…","serviceAccount":"…"}]}`.',
  },
  ERR_BAD_REVIEW: {
    family: webhook,
    meaning:
      'An admission request that is not an AdmissionReview for a pod; answered 400 so the failure policy applies.',
    action: 'Check the MutatingWebhookConfiguration’s rules (pods, CREATE) and admissionReviewVersions (v1).',
  },
  ERR_DEADLINE: {
    family: webhook,
    meaning: 'An admission request ran out of its time budget.',
    action: 'Check the apiserver’s health and the webhook’s lookup grace period.',
  },
  ERR_LISTEN: {
    family: servers,
    meaning: 'A server cannot listen on its address (in use, not permitted, or not local).',
    action: 'Choose a free port, or stop what holds it; every listener must start or the server exits.',
  },

  ERR_SANDBOX_STATE: {
    family: sandbox,
    meaning: 'The sandbox state directory or file cannot be used (unreadable, corrupt, another account).',
    action: 'Pass the same `--account-id`/`--region` as before, or another `--state-dir`.',
  },
  ERR_SANDBOX_CA: {
    family: sandbox,
    meaning: 'The sandbox’s issuer CA files cannot be used.',
    action: 'Keep `ca.pem` and `ca-key.pem` together, or delete both to make new ones.',
  },
  ERR_DEMO_STEP: {
    family: sandbox,
    meaning: 'A step of `irsa demo` did not behave as expected.',
    action: 'Run `irsa demo --keep --debug` and read the step named in the message.',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;
