/**
 * A kustomize base from rendered manifests: one YAML file per concern (by kind), and the kustomization.yaml that
 * lists them with the image's tag. deploy/ (the webhook) and deploy/issuer-watch/ are both written by this.
 */
import { type CommentedDoc, renderYamlDocuments } from './render.js';

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
  PrometheusRule: 'prometheusrule.yaml',
};

/** `comment`: the kustomization's leading lines, each starting with `# `. */
export function kustomizeFiles(
  docs: readonly CommentedDoc[],
  o: { header: string; comment: string; image: string },
): Record<string, string> {
  const byFile = new Map<string, CommentedDoc[]>();
  for (const d of docs) {
    const file = FILE_OF_KIND[(d.object as { kind: string }).kind];
    byFile.set(file, [...(byFile.get(file) ?? []), d]);
  }
  const files: Record<string, string> = {};
  for (const [file, fileDocs] of byFile) files[file] = renderYamlDocuments(fileDocs, o.header);
  const [imageName, imageTag] = o.image.split(/:(?=[^:/]+$)/);
  files['kustomization.yaml'] = `${o.comment}
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
