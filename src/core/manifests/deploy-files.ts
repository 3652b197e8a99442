import { renderYamlDocuments } from './render.js';
import { buildWebhookManifests, WEBHOOK_DEFAULTS } from './webhook.js';

/**
 * The files of the deploy/ kustomize base: the default `irsa webhook manifests` split by concern. Regenerate with
 *   node --import tsx -e "import('./src/core/manifests/deploy-files.ts').then((m) => { for (const [f, t] of
 *     Object.entries(m.deployFiles())) require('node:fs').writeFileSync('deploy/' + f, t) })"
 * (test/cli/manifests.test.ts fails whenever deploy/ and the command differ).
 */
const FILE_OF_KIND: Record<string, string> = {
  Namespace: 'namespace.yaml',
  ServiceAccount: 'serviceaccount.yaml',
  ClusterRole: 'rbac.yaml',
  ClusterRoleBinding: 'rbac.yaml',
  Role: 'rbac.yaml',
  RoleBinding: 'rbac.yaml',
  Deployment: 'deployment.yaml',
  PodDisruptionBudget: 'pdb.yaml',
  Service: 'service.yaml',
  MutatingWebhookConfiguration: 'mutatingwebhookconfiguration.yaml',
};

const HEADER =
  'Generated from `irsa webhook manifests` (defaults); test/cli/manifests.test.ts fails when the two differ.';

export function deployFiles(): Record<string, string> {
  const { docs } = buildWebhookManifests();
  const byFile = new Map<string, typeof docs>();
  for (const d of docs) {
    const file = FILE_OF_KIND[(d.object as { kind: string }).kind];
    byFile.set(file, [...(byFile.get(file) ?? []), d]);
  }
  const files: Record<string, string> = {};
  for (const [file, fileDocs] of byFile) files[file] = renderYamlDocuments(fileDocs, HEADER);
  const [imageName, imageTag] = WEBHOOK_DEFAULTS.image.split(/:(?=[^:/]+$)/);
  files['kustomization.yaml'] =
    `# irsa-anywhere pod identity webhook: the default rendering of \`irsa webhook manifests\`
# (namespace ${WEBHOOK_DEFAULTS.namespace}, ${WEBHOOK_DEFAULTS.replicas} replicas, failurePolicy ${WEBHOOK_DEFAULTS.failurePolicy}, ${WEBHOOK_DEFAULTS.tls} TLS).
# kubectl apply -k deploy/   or   kubectl kustomize deploy/
# To change the namespace, render with \`irsa webhook manifests --namespace NS\` instead: the namespace also appears in
# the container args (--tls-secret, --service-namespace), which a kustomize namespace transformer does not rewrite.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
${[...byFile.keys()].map((f) => `  - ${f}`).join('\n')}
images:
  - name: ${imageName}
    newTag: ${imageTag}
`;
  return files;
}
