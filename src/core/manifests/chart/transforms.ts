/**
 * Where values.yaml reaches into the renderer's objects: each function takes one merged document (./variants.ts)
 * and puts template holes (./template-tree.ts) where a value applies. Defaults leave every object as rendered.
 */
import { DEFAULT_ANNOTATION_PREFIX, DEFAULT_AUDIENCE, DEFAULT_TOKEN_EXPIRATION_SECONDS } from '../../defaults.js';
import {
  type Directive,
  emitList,
  expr,
  include,
  isDirective,
  type Node,
  spread,
  toYaml,
  when,
} from './template-tree.js';

type Obj = Record<string, Node>;
const V = '.Values';

/** The node at `path`, which must be a map. */
function at(node: Node, ...path: Array<string | number>): Obj {
  let n: Node = node;
  for (const p of path) n = (n as Record<string | number, Node>)[p];
  if (typeof n !== 'object' || n === null || isDirective(n)) throw new Error(`no map at ${path.join('.')}`);
  return n as Obj;
}

/** Applies fn to a value, or to each branch when the modes made it a switch. */
function eachBranch(node: Node, fn: (n: Node) => Node): Node {
  if (isDirective(node) && node.$ === 'switch') {
    return { ...node, cases: node.cases.map((c) => (c.value === undefined ? c : { ...c, value: fn(c.value) })) };
  }
  return fn(node);
}

/** Helm's labels beside the renderer's (the tests drop exactly these to compare with deploy/). */
export function addHelmLabels(doc: Node): void {
  eachBranch(doc, (d) => {
    const labels = at(d, 'metadata', 'labels');
    labels.$helm = include('irsa-anywhere.labels');
    return d;
  });
}

const printfArg = (flag: string, value: string) => expr(`printf "${flag}=%s" ${value} | quote`);
const COMPOSE = `${V}.webhook.composeRoleArn.enabled`;
const ACCOUNT = `(required "webhook.composeRoleArn.accountId is required when webhook.composeRoleArn.enabled is true" ${V}.webhook.composeRoleArn.accountId)`;

/** The optional serve flags: each present only when its value differs from the webhook's own default. */
const ARG_RULES: Array<{ prefix: string; item: Directive }> = [
  {
    prefix: '--aws-default-region=',
    item: when(`${V}.webhook.defaultRegion`, printfArg('--aws-default-region', `${V}.webhook.defaultRegion`)),
  },
  { prefix: '--compose-role-arn', item: when(COMPOSE, '--compose-role-arn') },
  { prefix: '--aws-account-id=', item: when(COMPOSE, printfArg('--aws-account-id', ACCOUNT)) },
  {
    prefix: '--annotation-prefix=',
    item: when(
      `ne ${V}.webhook.annotationPrefix "${DEFAULT_ANNOTATION_PREFIX}"`,
      printfArg('--annotation-prefix', `${V}.webhook.annotationPrefix`),
    ),
  },
  {
    prefix: '--token-audience=',
    item: when(
      `ne ${V}.webhook.tokenAudience "${DEFAULT_AUDIENCE}"`,
      printfArg('--token-audience', `${V}.webhook.tokenAudience`),
    ),
  },
  {
    prefix: '--token-expiration=',
    item: when(
      `ne (include "irsa-anywhere.tokenExpiration" .) "${DEFAULT_TOKEN_EXPIRATION_SECONDS}"`,
      printfArg('--token-expiration', '(include "irsa-anywhere.tokenExpiration" .)'),
    ),
  },
];

function templatedArgs(args: Node): Node {
  const items = (args as Node[]).map((a) => {
    const rule = typeof a === 'string' ? ARG_RULES.find((r) => a.startsWith(r.prefix)) : undefined;
    return rule ? rule.item : a;
  });
  return [...items, spread(`${V}.extraArgs`)];
}

const isMetricsPort = (p: Node) => typeof p === 'object' && p !== null && (p as Obj).name === 'metrics';
const metricsPorts = (ports: Node[]) => ports.map((p) => (isMetricsPort(p) ? when(`${V}.metrics.enabled`, p) : p));

export function deploymentTemplate(doc: Node): void {
  const spec = at(doc, 'spec');
  spec.replicas = expr(`${V}.replicaCount`);
  const podMeta = at(spec, 'template', 'metadata');
  podMeta.labels = { ...at(podMeta, 'labels'), $helm: include('irsa-anywhere.labels'), $pod: spread(`${V}.podLabels`) };
  podMeta.annotations = toYaml(`${V}.podAnnotations`);
  const pod = at(spec, 'template', 'spec');
  pod.securityContext = toYaml(`${V}.podSecurityContext`);
  // Helm merges maps: an affinity of the user's own replaces the default instead of adding to it.
  pod.affinity = {
    $: 'switch',
    cases: [{ cond: `${V}.affinity`, value: toYaml(`${V}.affinity`) }, { value: pod.affinity }],
  };
  pod.imagePullSecrets = toYaml(`${V}.imagePullSecrets`);
  pod.nodeSelector = toYaml(`${V}.nodeSelector`);
  pod.tolerations = toYaml(`${V}.tolerations`);
  pod.topologySpreadConstraints = toYaml(`${V}.topologySpreadConstraints`);
  pod.priorityClassName = when(`${V}.priorityClassName`, expr(`${V}.priorityClassName | quote`));
  const c = at(pod, 'containers', 0);
  c.image = expr('include "irsa-anywhere.image" . | quote');
  c.imagePullPolicy = expr(`${V}.image.pullPolicy`);
  c.args = eachBranch(c.args, templatedArgs);
  c.env = [...(c.env as Node[]), spread(`${V}.extraEnv`)];
  c.ports = metricsPorts(c.ports as Node[]);
  c.resources = toYaml(`${V}.resources`);
  c.securityContext = toYaml(`${V}.securityContext`);
}

export function serviceTemplate(doc: Node): void {
  const spec = at(doc, 'spec');
  spec.ports = metricsPorts(spec.ports as Node[]);
}

export function disruptionBudgetTemplate(doc: Node): Node {
  at(doc, 'spec').minAvailable = expr(`${V}.podDisruptionBudget.minAvailable`);
  return when(`and ${V}.podDisruptionBudget.enabled (gt (int ${V}.replicaCount) 1)`, doc);
}

/**
 * The webhook's selectors: the built-in expressions (rendered by the renderer), then the user's expressions and
 * labels. namespaceSelector's built-ins exist only with failurePolicy Fail (`failBuiltins`, from a Fail rendering).
 */
export function webhookConfigTemplate(doc: Node, failBuiltins: Node[]): void {
  const wh = at(doc, 'webhooks', 0);
  wh.failurePolicy = expr(`${V}.webhook.failurePolicy`);
  const objectBuiltins = at(wh, 'objectSelector').matchExpressions as Node[];
  wh.objectSelector = { $: 'raw', lines: (i) => selectorLines('objectSelector', objectBuiltins, undefined, i) };
  wh.namespaceSelector = {
    $: 'raw',
    lines: (i) => selectorLines('namespaceSelector', failBuiltins, `eq ${V}.webhook.failurePolicy "Fail"`, i),
  };
  at(wh, 'clientConfig').caBundle = when(
    `and (eq ${V}.tls.mode "secret") ${V}.tls.caBundle`,
    expr(`${V}.tls.caBundle | quote`),
  );
}

function selectorLines(key: string, builtins: Node[], builtinCond: string | undefined, indent: number): string[] {
  const p = ' '.repeat(indent);
  const user = `${V}.webhook.${key}`;
  const expressions = [
    `${p}  matchExpressions:`,
    ...(builtinCond ? [`{{- if ${builtinCond} }}`] : []),
    ...emitList(builtins, indent + 4),
    ...(builtinCond ? ['{{- end }}'] : []),
    `{{- with ${user}.matchExpressions }}{{ toYaml . | nindent ${indent + 4} }}{{- end }}`,
  ];
  const labels = [
    `{{- with ${user}.matchLabels }}`,
    `${p}  matchLabels:`,
    `${p}    {{- toYaml . | nindent ${indent + 4} }}`,
    '{{- end }}',
  ];
  if (!builtinCond) return [`${p}${key}:`, ...expressions, ...labels];
  return [
    `{{- if or (${builtinCond}) ${user}.matchExpressions ${user}.matchLabels }}`,
    `${p}${key}:`,
    `{{- if or (${builtinCond}) ${user}.matchExpressions }}`,
    ...expressions,
    '{{- end }}',
    ...labels,
    '{{- end }}',
  ];
}

/** A Prometheus Operator ServiceMonitor for the Service's metrics port (same labels and selector). */
export function serviceMonitorTemplate(service: Node): Node {
  const meta = at(service, 'metadata');
  const labels = { ...at(meta, 'labels'), $monitor: spread(`${V}.metrics.serviceMonitor.labels`) };
  const doc: Obj = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: meta.name, namespace: meta.namespace, labels },
    spec: {
      selector: { matchLabels: at(service, 'spec', 'selector') },
      namespaceSelector: { matchNames: [meta.namespace] },
      endpoints: [
        {
          port: 'metrics',
          path: '/metrics',
          interval: when(`${V}.metrics.serviceMonitor.interval`, expr(`${V}.metrics.serviceMonitor.interval | quote`)),
        },
      ],
    },
  };
  return when(`and ${V}.metrics.enabled ${V}.metrics.serviceMonitor.enabled`, doc);
}
