/**
 * The container securityContext every irsa Deployment runs with (the webhook, the issuer watch): Pod Security
 * Standards "restricted" — no privilege escalation, read-only root, non-root, no capabilities. A new object per
 * call: YAML would alias one object used twice in a document.
 */
export function restrictedContainerSecurityContext() {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
  };
}
