/**
 * Running an approved plan and telling what came of it: the executor (plane by plane, bounded concurrency, a
 * failure kept to its change), progress while it runs, then the documents read back the way their readers see them
 * — anonymously over HTTPS from the issuer URL (with --trust-ca), or through the S3 API when S3's endpoint is
 * overridden (moto, a local S3) — and the report whose last line says what was done.
 */
import type { ClusterConfig } from '../../core/config/types.js';
import { E, IrsaError } from '../../core/errors.js';
import { desiredDocuments } from '../../core/provision/documents.js';
import type { ChangeKind, Plan } from '../../core/provision/types.js';
import { type ExecutionResult, executePlan, incompleteError } from '../../io/aws/execute-plan.js';
import { type ReadBackCheck, readBackDocuments } from '../../io/aws/read-back.js';
import { OidcKeyFetcher } from '../../io/oidc/fetcher.js';
import type { Context } from '../context.js';
import { progressView } from './provision-progress.js';
import type { Prepared } from './provision-shared.js';

export interface ReadBack {
  cluster: string;
  publish: 's3' | 'directory';
  checks: ReadBackCheck[];
}

export interface RunSummary {
  added: number;
  changed: number;
  destroyed: number;
  /** Deletes done but whose resource was kept on purpose (a bucket still holding others' objects). */
  kept: number;
  failed: number;
  skipped: number;
  conflicts: number;
}

export async function runPlan(
  p: Prepared,
  ctx: Context,
  direction: Plan['mode'],
  parallelism: number | undefined,
): Promise<ExecutionResult> {
  const progress = progressView(ctx);
  try {
    return await executePlan(
      p.plan,
      {
        caller: p.caller,
        account: p.state.account,
        annotate: p.kube.annotate,
        publishRoots: p.config.clusters.flatMap((c) => (c.publish.kind === 'directory' ? [c.publish.directory] : [])),
      },
      { direction, concurrency: parallelism, onProgress: progress.onProgress, onChange: progress.onChange },
    );
  } finally {
    progress.end();
  }
}

/** Both documents of every cluster whose documents this apply wrote. */
export async function readBack(p: Prepared, result: ExecutionResult): Promise<ReadBack[]> {
  const written = new Set(
    result.outcomes
      .filter((o) => o.status === 'done' && o.change.operations.some(writesDocument))
      .map((o) => o.change.cluster),
  );
  const fetcher = new OidcKeyFetcher({ trustCa: p.trustCa });
  const clusters = p.config.clusters.filter((c) => written.has(c.name));
  return Promise.all(clusters.map((c) => readBackCluster(p, c, fetcher)));
}

function writesDocument(op: { action: string }): boolean {
  return op.action === 'PutObject' || op.action === 'WriteFile';
}

async function readBackCluster(p: Prepared, cluster: ClusterConfig, fetcher: OidcKeyFetcher): Promise<ReadBack> {
  const jwks = p.material?.get(cluster.name)?.jwks;
  if (!jwks) throw new IrsaError(E.ERR_INTERNAL, `no key set for cluster ${cluster.name} after publishing it`);
  const t = cluster.publish;
  const s3 = t.kind === 's3' ? { bucket: t.bucket, discoveryKey: t.discoveryKey, jwksKey: t.jwksKey } : undefined;
  const checks = await readBackDocuments(
    { issuer: cluster.issuer, jwksUri: cluster.jwksUri, expected: desiredDocuments(cluster, jwks), ...(s3 && { s3 }) },
    s3 && p.clients.overridden.s3 ? { caller: p.caller, viaS3: true } : { fetcher },
  );
  return { cluster: cluster.name, publish: t.kind, checks };
}

const COUNTED: Readonly<Record<ChangeKind, 'added' | 'changed' | 'destroyed'>> = {
  create: 'added',
  update: 'changed',
  delete: 'destroyed',
};

export function runSummary(plan: Plan, result: ExecutionResult | undefined): RunSummary {
  const s: RunSummary = {
    added: 0,
    changed: 0,
    destroyed: 0,
    kept: 0,
    failed: 0,
    skipped: 0,
    conflicts: plan.conflicts.length,
  };
  for (const o of result?.outcomes ?? []) {
    if (o.status === 'done' && o.kept) s.kept++;
    else if (o.status === 'done') s[COUNTED[o.change.kind]]++;
    else s[o.status]++;
  }
  return s;
}

/**
 * Why the command exits 1, or undefined: changes that failed or were skipped, then conflicts, then documents read
 * back from S3 that are not what was written (a directory not served yet is a warning, told elsewhere).
 */
export function runError(p: Prepared, result: ExecutionResult | undefined, back: ReadBack[]): IrsaError | undefined {
  const incomplete = result && incompleteError(result);
  if (incomplete) return incomplete;
  const conflicts = p.plan.conflicts;
  if (conflicts.length > 0) {
    const first = conflicts[0];
    return new IrsaError(
      E.ERR_PLAN_CONFLICT,
      `${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'} left untouched (first: ${first.resource}: ${first.message})`,
      { hint: first.hint ?? 'everything else was done; see the conflicts listed above' },
    );
  }
  const bad = back.filter((b) => b.publish === 's3').flatMap((b) => b.checks.filter((c) => !c.ok));
  if (bad.length > 0) {
    return new IrsaError(
      E.ERR_READ_BACK,
      `${bad[0].location} read back via ${bad[0].via}: ${bad[0].problems.join('; ')}`,
      {
        hint: 'what serves the issuer URL does not serve what was published: check the bucket policy, a CDN in front, the account block',
      },
    );
  }
  return undefined;
}

/** Lines for what a directory that is not served (yet) means: the files are written, the issuer does not show them. */
export function directoryReadBackWarnings(back: ReadBack[]): string[] {
  return back
    .filter((b) => b.publish === 'directory')
    .flatMap((b) =>
      b.checks
        .filter((c) => !c.ok)
        .map(
          (c) =>
            `cluster ${b.cluster}: the ${c.document === 'jwks' ? 'JWKS' : 'discovery document'} is written, but ` +
            `${c.location} does not serve it as published (${c.problems.join('; ')}): serve the publishing directory at the issuer URL`,
        ),
    );
}
