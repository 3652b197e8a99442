/**
 * The chart's `monitor.*`: the objects of `irsa issuer watch manifests` (../issuer-watch.ts), rendered with stand-in
 * inputs and given template holes, so the chart renders exactly what the command prints for the same inputs (but
 * the Namespace, which is Helm's). Every document is under `monitor.enabled`; the PrometheusRule also under
 * `monitor.prometheusRule.enabled`. The image is the chart's own (`image.*`): the watch is the same binary.
 */
import { buildIssuerWatchManifests } from '../issuer-watch.js';
import { expr, include, type Node, toYaml, when } from './template-tree.js';
import { TOKENS } from './variants.js';

type Obj = Record<string, Node>;
const M = '$.Values.monitor';
const ENABLED = `${M}.enabled`;

/** Stand-ins for the watch's inputs; the interval is a number the renderer writes as `<n>s` and as 3 × n. */
const WATCH_TOKENS = {
  issuer: 'x0-monitor-issuer-x0',
  image: 'x0-monitor-image-x0',
  canaryRole: 'x0-monitor-canary-role-x0',
  awsSecret: 'x0-monitor-aws-secret-x0',
  interval: 987654321,
} as const;

const INTERVAL = `(int ${M}.intervalSeconds)`;
const ISSUER = `(required "monitor.issuer is required when monitor.enabled is true" ${M}.issuer)`;

/** A string holding `n` becomes a printf of it with the template's number in n's place. */
function withNumber(text: string, n: number, value: string): Node {
  const format = text.replaceAll('%', '%%').replace(String(n), '%d');
  return expr(`printf ${JSON.stringify(format)} ${value} | quote`);
}

function watchArgs(args: string[]): Node[] {
  return args.map((a): Node => {
    if (a === WATCH_TOKENS.issuer) return expr(`${ISSUER} | quote`);
    if (a === '--canary-role') return when(`${M}.canaryRole`, a);
    if (a === WATCH_TOKENS.canaryRole) return when(`${M}.canaryRole`, expr(`${M}.canaryRole | quote`));
    if (a.includes(String(WATCH_TOKENS.interval))) return withNumber(a, WATCH_TOKENS.interval, INTERVAL);
    return a;
  });
}

function deploymentTemplate(doc: Obj): void {
  const template = (doc.spec as Obj).template as Obj;
  (template.metadata as Obj).labels = {
    ...((template.metadata as Obj).labels as Obj),
    $helm: include('irsa-anywhere.labels'),
  };
  const pod = template.spec as Obj;
  pod.imagePullSecrets = toYaml('$.Values.imagePullSecrets');
  const c = (pod.containers as Obj[])[0];
  c.image = expr('include "irsa-anywhere.image" $ | quote');
  c.args = watchArgs(c.args as string[]);
  c.envFrom = when(`${M}.awsSecret`, [{ secretRef: { name: expr(`${M}.awsSecret | quote`) } }]);
}

/** The alert expressions that hold the interval (IrsaMonitorDown: three intervals). */
function ruleTemplate(doc: Obj): void {
  const spec = doc.spec as { groups: Array<{ rules: Obj[] }> };
  const tripled = 3 * WATCH_TOKENS.interval;
  for (const rule of spec.groups.flatMap((g) => g.rules)) {
    const e = rule.expr as string;
    if (e.includes(String(tripled))) rule.expr = withNumber(e, tripled, `(mul 3 ${INTERVAL})`);
  }
}

/** The watch's documents with holes, each under its condition, in the renderer's order. */
export function monitorDocuments(): Array<{ kind: string; doc: Node; comment?: string }> {
  const docs = buildIssuerWatchManifests({
    issuer: WATCH_TOKENS.issuer,
    namespace: TOKENS.namespace,
    image: WATCH_TOKENS.image,
    canaryRole: WATCH_TOKENS.canaryRole,
    intervalSeconds: WATCH_TOKENS.interval,
    awsSecret: WATCH_TOKENS.awsSecret,
  });
  const out: Array<{ kind: string; doc: Node; comment?: string }> = [];
  for (const d of docs) {
    const doc = structuredClone(d.object) as Obj; // the renderer shares one labels object between documents
    const kind = doc.kind as string;
    if (kind === 'Namespace') continue; // the release namespace is Helm's
    (doc.metadata as Obj).labels = { ...((doc.metadata as Obj).labels as Obj), $helm: include('irsa-anywhere.labels') };
    if (kind === 'Deployment') deploymentTemplate(doc);
    if (kind === 'PrometheusRule') ruleTemplate(doc);
    const cond = kind === 'PrometheusRule' ? `and ${ENABLED} ${M}.prometheusRule.enabled` : ENABLED;
    out.push({ kind, doc: when(cond, doc), comment: d.comment });
  }
  const left = Object.values(WATCH_TOKENS).find((t) => JSON.stringify(out).includes(String(t)));
  if (left !== undefined) throw new Error(`the monitor templates still hold the stand-in ${left}`);
  return out;
}
