import type { CommentedDoc } from './render.js';

/**
 * Opening kube-apiserver's own discovery endpoints (/.well-known/openid-configuration, /openid/v1/jwks) to anonymous
 * readers, for issuers served straight from the apiserver. The built-in ClusterRole
 * system:service-account-issuer-discovery grants GET on exactly those two paths; binding it to
 * system:unauthenticated makes them public.
 *
 * The narrower alternative (KEP-4633, beta and on by default in 1.32, GA in 1.34): an AuthenticationConfiguration
 * whose `anonymous` section allows anonymous requests only on listed paths, so every other path refuses anonymous
 * users even if some binding grants them something. It replaces --anonymous-auth (the two cannot be combined) and
 * still needs the binding above for authorization.
 */
export const DISCOVERY_BINDING_NAME = 'service-account-issuer-discovery-public';

export const DISCOVERY_WARNING =
  'the ClusterRoleBinding makes /.well-known/openid-configuration and /openid/v1/jwks readable by anyone who can ' +
  'reach the apiserver: they hold only the issuer and public keys, but the apiserver must then accept anonymous ' +
  'requests (--anonymous-auth=true, the upstream default; k3s and k0s turn it off) and be reachable from the ' +
  'internet by AWS STS with a publicly trusted TLS certificate. Publishing the two documents on a static https host ' +
  'such as S3 (irsa issuer discovery + irsa issuer jwks) avoids all of that.';

export function buildDiscoveryRbac(): { docs: CommentedDoc[]; alternative: string } {
  const binding: CommentedDoc = {
    comment:
      'Anonymous read access to the service-account issuer discovery documents (OIDC discovery + JWKS).\n' +
      'Needs --anonymous-auth=true on kube-apiserver, or the AuthenticationConfiguration below.',
    object: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: DISCOVERY_BINDING_NAME, labels: { 'app.kubernetes.io/part-of': 'irsa-anywhere' } },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'system:service-account-issuer-discovery',
      },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:unauthenticated' }],
    },
  };
  return { docs: [binding], alternative: AUTHENTICATION_CONFIG_COMMENT };
}

/**
 * Kept as a comment, not a document: it is a kube-apiserver file (--authentication-config), not an API object,
 * and `kubectl apply` must not see it.
 */
const AUTHENTICATION_CONFIG_COMMENT = `Narrower alternative (Kubernetes >= 1.32; apiserver.config.k8s.io/v1beta1, or v1 from 1.34): allow anonymous
requests only on the two discovery paths. Save as a file on every control-plane node, start kube-apiserver with
--authentication-config=<file> and WITHOUT --anonymous-auth (the two cannot be combined), keep the binding above:

apiVersion: apiserver.config.k8s.io/v1beta1
kind: AuthenticationConfiguration
anonymous:
  enabled: true
  conditions:
    - path: /.well-known/openid-configuration
    - path: /openid/v1/jwks

With this, anonymous requests to any other path (including /healthz, /livez, /readyz and /version) are refused;
add those paths to conditions if load balancers probe them. If the file already has jwt: authenticators, add the
anonymous section to it.`;
