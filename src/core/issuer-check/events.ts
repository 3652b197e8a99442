/**
 * Kubernetes Events on the issuer's state changes: a check that starts failing (Warning), one that recovers
 * (Normal). Compared check by check with the previous pass; a first pass reports only what fails. Pure: the
 * Event objects are built here, the shell posts them.
 */
import type { IssuerCheck } from './types.js';

export interface StateChange {
  type: 'Normal' | 'Warning';
  reason: 'IssuerCheckFailed' | 'IssuerCheckRecovered';
  check: string;
  message: string;
}

export function stateChanges(
  previous: readonly IssuerCheck[] | undefined,
  current: readonly IssuerCheck[],
): StateChange[] {
  const before = new Map((previous ?? []).map((c) => [c.id, c.status]));
  const out: StateChange[] = [];
  for (const c of current) {
    const was = before.get(c.id);
    if (c.status === 'fail' && was !== 'fail') {
      out.push({ type: 'Warning', reason: 'IssuerCheckFailed', check: c.id, message: `${c.id}: ${c.message}` });
    } else if (was === 'fail' && c.status !== 'fail') {
      out.push({ type: 'Normal', reason: 'IssuerCheckRecovered', check: c.id, message: `${c.id}: ${c.message}` });
    }
  }
  return out;
}

/** A core/v1 Event about `involved` (the watch's own ServiceAccount), its message capped at Kubernetes' 1 KiB. */
export function eventObject(
  change: StateChange,
  involved: { kind: string; namespace: string; name: string; uid?: string },
  at: Date,
  component = 'irsa-issuer-watch',
): Record<string, unknown> {
  const time = at.toISOString();
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${involved.name}.`, namespace: involved.namespace },
    involvedObject: { apiVersion: 'v1', ...involved },
    type: change.type,
    reason: change.reason,
    message: change.message.slice(0, 1024),
    source: { component },
    reportingComponent: component,
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}
