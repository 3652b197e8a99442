import { kustomizeFiles } from './kustomize-files.js';
import { buildWebhookManifests, WEBHOOK_DEFAULTS } from './webhook.js';

/**
 * The files of the deploy/ kustomize base: the default `irsa webhook manifests` split by concern. Regenerate with
 *   node --import tsx -e "import('./src/core/manifests/deploy-files.ts').then((m) => { for (const [f, t] of
 *     Object.entries(m.deployFiles())) require('node:fs').writeFileSync('deploy/' + f, t) })"
 * (test/cli/manifests.test.ts fails whenever deploy/ and the command differ).
 */
const HEADER =
  'Generated from `irsa webhook manifests` (defaults); test/cli/manifests.test.ts fails when the two differ.';

export function deployFiles(): Record<string, string> {
  const { docs } = buildWebhookManifests();
  return kustomizeFiles(docs, {
    header: HEADER,
    image: WEBHOOK_DEFAULTS.image,
    comment: `# irsa-anywhere pod identity webhook: the default rendering of \`irsa webhook manifests\`
# (namespace ${WEBHOOK_DEFAULTS.namespace}, ${WEBHOOK_DEFAULTS.replicas} replicas, failurePolicy ${WEBHOOK_DEFAULTS.failurePolicy}, ${WEBHOOK_DEFAULTS.tls} TLS).
# kubectl apply -k deploy/   or   kubectl kustomize deploy/
# To change the namespace, render with \`irsa webhook manifests --namespace NS\` instead: the namespace also appears in
# the container args (--tls-secret, --service-namespace), which a kustomize namespace transformer does not rewrite.`,
  });
}
