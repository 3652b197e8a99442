/**
 * Runs a plan's Changes the way an engineer who trusts Terraform expects: plane by plane (documents → provider →
 * roles on apply, the reverse on destroy), the Operations of one Change in order, the Changes of one plane side by
 * side (bounded). A Change that fails is reported and does not stop the others of its plane; a Change of a later
 * plane that depends on a failed one (same cluster, or a role whose trust names a provider that failed) is skipped
 * with the reason. Retries (throttling, IAM propagation) happen below, in AwsCaller.
 */
import { providerUrlOfArn, stripScheme } from '../../core/aws/arn.js';
import { E, IrsaError } from '../../core/errors.js';
import type { Change, Plan, Plane } from '../../core/provision/types.js';
import { mapLimit } from './limit.js';
import { type OperationDeps, runOperation } from './run-operation.js';

export interface PlaneProgress {
  plane: Plane;
  total: number;
  done: number;
  failed: number;
  skipped: number;
}

export interface ExecuteOptions {
  /** apply: documents → provider → roles; destroy: roles → provider → documents. */
  direction: 'apply' | 'destroy';
  /** Changes of one plane in flight at once (default 8). */
  concurrency?: number;
  /** After each plane starts and after each Change ends: counts for a progress line. */
  onProgress?: (progress: PlaneProgress) => void;
  /** After each Change ends (done, failed or skipped): what a progress log prints as a plain line. */
  onChange?: (outcome: ChangeOutcome) => void;
}

export interface ChangeOutcome {
  change: Change;
  status: 'done' | 'failed' | 'skipped';
  /** Why it failed or was skipped, in words, with the code. */
  error?: { code: string; message: string; hint?: string };
  /** What ran differently from the plan: a bucket kept because it is not empty, a create found done, … */
  notes: string[];
  /** Done, but what it was to delete was kept on purpose (a bucket still holding others' objects: see notes). */
  kept?: boolean;
}

export interface ExecutionResult {
  ok: boolean;
  /** In plan order within each plane, planes in execution order. */
  outcomes: ChangeOutcome[];
  /** AWS requests made, retries included. */
  awsCalls: number;
}

const APPLY_ORDER: readonly Plane[] = ['documents', 'provider', 'roles'];

export async function executePlan(
  plan: Pick<Plan, 'changes'>,
  deps: OperationDeps,
  options: ExecuteOptions,
): Promise<ExecutionResult> {
  const before = deps.caller?.calls ?? 0;
  const order = options.direction === 'apply' ? APPLY_ORDER : [...APPLY_ORDER].reverse();
  const outcomes: ChangeOutcome[] = [];
  const run: PlaneRun = { deps, options, unsuccessful: [], finished: new Map() };
  for (const plane of order) {
    const changes = dependenciesFirst(plan.changes.filter((c) => c.plane === plane));
    if (changes.length === 0) continue;
    const planeOutcomes = await runPlane(plane, changes, run);
    for (const o of planeOutcomes) if (o.status !== 'done') run.unsuccessful.push(o.change);
    outcomes.push(...planeOutcomes);
  }
  return {
    ok: outcomes.every((o) => o.status === 'done'),
    outcomes,
    awsCalls: (deps.caller?.calls ?? before) - before,
  };
}

interface PlaneRun {
  deps: OperationDeps;
  options: ExecuteOptions;
  /** Changes of earlier planes that did not succeed. */
  unsuccessful: Change[];
  /** Each Change's outcome by resource, settled when it ends (what `dependsOn` waits for). */
  finished: Map<string, Promise<ChangeOutcome>>;
}

/**
 * One plane's Changes side by side (bounded), each started only once the Changes its `dependsOn` names have ended,
 * and skipped when one of them (or a Change of an earlier plane it depends on) did not succeed.
 */
async function runPlane(plane: Plane, changes: Change[], run: PlaneRun): Promise<ChangeOutcome[]> {
  const { deps, options } = run;
  const progress: PlaneProgress = { plane, total: changes.length, done: 0, failed: 0, skipped: 0 };
  const settle = new Map<Change, (o: ChangeOutcome) => void>();
  const earlier = new Set<string>();
  const waitable = new Map<Change, Set<string>>();
  for (const change of changes) {
    // A Change waits only for Changes ordered before it: no two can wait for each other.
    waitable.set(change, new Set(earlier));
    earlier.add(change.resource);
    if (!run.finished.has(change.resource)) {
      run.finished.set(change.resource, new Promise((resolve) => settle.set(change, resolve)));
    }
  }
  options.onProgress?.({ ...progress });
  return mapLimit(changes, options.concurrency ?? 8, async (change) => {
    const blocker =
      run.unsuccessful.find((u) => dependsOn(change, u)) ??
      (await failedDependency(change, run.finished, earlier, waitable.get(change) ?? new Set()));
    const outcome = blocker ? skipped(change, blocker) : await runChange(change, deps);
    settle.get(change)?.(outcome);
    progress[outcome.status]++;
    options.onChange?.(outcome);
    options.onProgress?.({ ...progress });
    return outcome;
  });
}

/**
 * The first Change named by `dependsOn` that ended without success. Changes of earlier planes have ended; of this
 * plane, only those ordered before `change` are waited for (`waitable`), so no two Changes wait for each other.
 */
async function failedDependency(
  change: Change,
  finished: ReadonlyMap<string, Promise<ChangeOutcome>>,
  thisPlane: ReadonlySet<string>,
  waitable: ReadonlySet<string>,
): Promise<Change | undefined> {
  for (const resource of change.dependsOn ?? []) {
    const outcome = finished.get(resource);
    if (!outcome || (thisPlane.has(resource) && !waitable.has(resource))) continue;
    const o = await outcome;
    if (o.status !== 'done') return o.change;
  }
  return undefined;
}

/** The plane's Changes with every Change after the ones its `dependsOn` names (otherwise in plan order). */
export function dependenciesFirst(changes: readonly Change[]): Change[] {
  const byResource = new Map(changes.map((c) => [c.resource, c]));
  const out: Change[] = [];
  const placed = new Set<Change>();
  const visit = (c: Change, path: Set<Change>) => {
    if (placed.has(c) || path.has(c)) return; // placed already, or a cycle (then plan order decides)
    path.add(c);
    for (const r of c.dependsOn ?? []) {
      const d = byResource.get(r);
      if (d) visit(d, path);
    }
    placed.add(c);
    out.push(c);
  };
  for (const c of changes) visit(c, new Set());
  return out;
}

/** The operations of one Change, in order; the first failure ends it. */
async function runChange(change: Change, deps: OperationDeps): Promise<ChangeOutcome> {
  const notes: string[] = [];
  let kept = false;
  for (const op of change.operations) {
    try {
      const r = await runOperation(op, deps);
      if (r.note) notes.push(`${op.action}: ${r.note}`);
      kept ||= Boolean(r.kept);
    } catch (e) {
      const err =
        e instanceof IrsaError ? e : new IrsaError(E.ERR_INTERNAL, `${op.action}: ${String(e)}`, { cause: e });
      return {
        change,
        status: 'failed',
        error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) },
        notes,
      };
    }
  }
  return { change, status: 'done', notes, ...(kept ? { kept } : {}) };
}

function skipped(change: Change, blocker: Change): ChangeOutcome {
  return {
    change,
    status: 'skipped',
    error: {
      code: E.ERR_APPLY_INCOMPLETE,
      message: `skipped: it depends on ${blocker.resource}, which did not succeed`,
    },
    notes: [],
  };
}

/** Whether `later` needs `earlier` to have succeeded: same cluster, or a trust naming the earlier's provider. */
export function dependsOn(later: Change, earlier: Change): boolean {
  if (later.cluster === earlier.cluster) return true;
  if (earlier.plane !== 'provider') return false;
  const providers = new Set(providerIds(earlier));
  return trustedProviders(later).some((id) => providers.has(id));
}

/** `host/path` of the providers a Change creates or changes. */
function providerIds(change: Change): string[] {
  return change.operations.flatMap((op) => {
    const input = op.input as Record<string, unknown>;
    if (typeof input.Url === 'string') return [stripScheme(input.Url)];
    if (typeof input.OpenIDConnectProviderArn === 'string') return [providerIdOfArn(input.OpenIDConnectProviderArn)];
    return [];
  });
}

function providerIdOfArn(arn: string): string {
  const url = providerUrlOfArn(arn);
  return url ? stripScheme(url) : arn;
}

/** `host/path` of every provider a trust policy in the Change names (Principal.Federated). */
function trustedProviders(change: Change): string[] {
  const out: string[] = [];
  for (const op of change.operations) {
    const input = op.input as Record<string, unknown>;
    const text =
      op.action === 'CreateRole'
        ? input.AssumeRolePolicyDocument
        : op.action === 'UpdateAssumeRolePolicy'
          ? input.PolicyDocument
          : undefined;
    if (typeof text !== 'string') continue;
    for (const arn of federatedPrincipals(text)) out.push(providerIdOfArn(arn));
  }
  return out;
}

function federatedPrincipals(policy: string): string[] {
  let doc: { Statement?: unknown };
  try {
    doc = JSON.parse(policy);
  } catch {
    return [];
  }
  const statements = Array.isArray(doc?.Statement) ? doc.Statement : [doc?.Statement];
  return statements.flatMap((s) => {
    const federated = (s as { Principal?: { Federated?: unknown } } | undefined)?.Principal?.Federated;
    return (Array.isArray(federated) ? federated : [federated]).filter((f): f is string => typeof f === 'string');
  });
}

/** The error for an execution that did not complete, listing what failed; undefined when everything was done. */
export function incompleteError(result: ExecutionResult): IrsaError | undefined {
  const failed = result.outcomes.filter((o) => o.status === 'failed');
  const skippedCount = result.outcomes.filter((o) => o.status === 'skipped').length;
  if (failed.length === 0 && skippedCount === 0) return undefined;
  const first = failed[0]?.error?.message;
  const summary = `${failed.length} change(s) failed and ${skippedCount} were skipped; the other ${result.outcomes.length - failed.length - skippedCount} were made`;
  return new IrsaError(E.ERR_APPLY_INCOMPLETE, first ? `${summary} (first failure: ${first})` : summary, {
    hint: 'fix what the failures say and run the same command again: it does only what is left',
  });
}
