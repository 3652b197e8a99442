/**
 * The files of deploy/issuer-watch/, the kustomize base of `irsa issuer watch`: the default `irsa issuer watch
 * manifests` split by concern, with a placeholder issuer to patch. Regenerate with
 *   node --import tsx -e "import('./src/core/manifests/issuer-watch-deploy.ts').then((m) => { for (const [f, t] of
 *     Object.entries(m.issuerWatchDeployFiles())) require('node:fs').writeFileSync('deploy/issuer-watch/' + f, t) })"
 * (test/cli/issuer-watch-manifests.test.ts fails whenever the two differ).
 */
import { buildIssuerWatchManifests, ISSUER_WATCH_DEFAULTS } from './issuer-watch.js';
import { kustomizeFiles } from './kustomize-files.js';

const HEADER =
  'Generated from `irsa issuer watch manifests` (defaults); test/cli/issuer-watch-manifests.test.ts fails when the two differ.';

export function issuerWatchDeployFiles(): Record<string, string> {
  const docs = buildIssuerWatchManifests({ issuer: ISSUER_WATCH_DEFAULTS.issuer });
  return kustomizeFiles(docs, {
    header: HEADER,
    image: ISSUER_WATCH_DEFAULTS.image,
    comment: `# irsa-anywhere issuer watch: the default rendering of \`irsa issuer watch manifests\` (namespace
# ${ISSUER_WATCH_DEFAULTS.namespace}, one replica, read-only). The issuer is a placeholder: patch the container args, or render
# with \`irsa issuer watch manifests --issuer URL\` instead. Without prometheus-operator, drop prometheusrule.yaml.
# kubectl apply -k deploy/issuer-watch/   or   kubectl kustomize deploy/issuer-watch/`,
  });
}
