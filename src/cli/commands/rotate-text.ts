/**
 * What `irsa rotate` prints in text mode: what was written, the times reasoned from, and the next steps with the
 * apiserver fragments. Every value that came from outside (paths, kids, times) is printed through terminalSafe.
 */
import type { ReadBackCheck } from '../../io/aws/read-back.js';
import type { ApiserverStep } from '../../core/rotation/apiserver-steps.js';
import type { InClusterCheck } from '../../core/rotation/in-cluster.js';
import type { RotationState } from '../../core/rotation/state.js';
import type { NextStep, RotationStatus } from '../../core/rotation/status.js';
import { terminalSafe } from '../../core/text/terminal-safe.js';

const safe = (lines: string[]) => lines.map((l) => terminalSafe(l)).join('\n');

function writtenLines(written: string[]): string[] {
  return written.length ? written.map((w) => `  wrote ${w}`) : ['  nothing to write: already published'];
}

function readBackLines(back: ReadBackCheck[]): string[] {
  return back.map(
    (c) => `  ${c.ok ? 'ok' : 'DIFFERS'}  ${c.location} (${c.via})${c.ok ? '' : `: ${c.problems.join('; ')}`}`,
  );
}

function stepLines(n: number, when: string, step: ApiserverStep): string[] {
  return [
    `${n}. ${when}: ${step.how}`,
    ...step.summary.map((s) => `     ${s}`),
    `   in ${step.target}:`,
    ...step.text
      .trimEnd()
      .split('\n')
      .map((l) => `     ${l}`),
  ];
}

function nextLines(next: NextStep[]): string[] {
  return next.map(
    (n) =>
      `  ${n.step}: ${n.safeNow ? 'safe now' : n.safeFrom ? `safe from ${n.safeFrom}` : 'not by time alone'} — ${n.why}`,
  );
}

export function beginText(d: {
  cluster: string;
  resumed: boolean;
  written: string[];
  readBack: ReadBackCheck[];
  state: RotationState;
  switchSafeFrom: string;
  apiserverSteps: ApiserverStep[];
}): string {
  const s = d.state;
  const p = s.bothKeysPublished;
  return safe([
    `Rotation ${d.resumed ? 'resumed' : 'begun'} for cluster ${d.cluster}: old kid ${s.oldKeys.map((k) => k.kid).join(', ')} -> new kid ${s.newKey.kid}.`,
    'Published (JWKS with both keys, discovery listing both algorithms, then the rotation state):',
    ...writtenLines(d.written),
    'Read back:',
    ...readBackLines(d.readBack),
    `The JWKS with both keys was published ${p.at} (${p.source}); readers may cache it ${p.maxAgeSeconds}s (${p.maxAgeSource}).`,
    '',
    'Next:',
    ...stepLines(1, 'now', d.apiserverSteps[0]),
    ...stepLines(2, `from ${d.switchSafeFrom}`, d.apiserverSteps[1]),
    `3. once the last apiserver signs with the new key: irsa rotate switched -f <irsa.yaml> --cluster ${d.cluster} --at <when it switched>`,
  ]);
}

export function switchedText(d: {
  cluster: string;
  unchanged: boolean;
  written: string[];
  state: RotationState;
  next: NextStep[];
  times: string[];
}): string {
  return safe([
    `Switch ${d.unchanged ? 'already recorded' : 'recorded'} for cluster ${d.cluster}: the apiservers sign with kid ${d.state.newKey.kid} since ${d.state.switched?.at}.`,
    ...writtenLines(d.written),
    'Times reasoned from:',
    ...d.times.map((t) => `  ${t}`),
    'Next:',
    ...nextLines(d.next),
  ]);
}

export function finishText(d: {
  cluster: string;
  written: string[];
  readBack: ReadBackCheck[];
  state: RotationState;
  inCluster: InClusterCheck[];
  apiserverStep: ApiserverStep;
}): string {
  const f = d.state.finished;
  return safe([
    `Rotation finished for cluster ${d.cluster}: the published JWKS holds kid ${d.state.newKey.kid} only.`,
    ...writtenLines(d.written),
    'Read back:',
    ...readBackLines(d.readBack),
    `Reasoned from: switch ${d.state.switched?.at} (${d.state.switched?.source}), maxTokenExpiration ${f?.maxTokenExpirationSeconds}s, margin ${d.state.marginSeconds}s, now ${f?.at} (${f?.source}).`,
    '',
    'The old key may leave the apiservers only once no in-cluster token it signed is valid. Check:',
    ...d.inCluster.map((c) => `  - ${c.safeFrom ? `from ${c.safeFrom}: ` : ''}${c.what}`),
    ...stepLines(4, 'then', d.apiserverStep),
  ]);
}

export function statusText(d: RotationStatus & { stateLocation: string }): string {
  return safe([
    `Cluster ${d.cluster}: ${d.phase === 'none' ? 'no rotation recorded' : `rotation ${d.phase}`} (state: ${d.stateLocation}).`,
    `Published JWKS kids: ${d.publishedKids?.join(', ') ?? 'none'}${d.publishedAsRecorded === false ? ' — NOT what the rotation published' : ''}`,
    ...(d.newKid ? [`Old kids: ${d.oldKids?.join(', ')}; new kid: ${d.newKid}`] : []),
    'Times reasoned from:',
    ...d.times.map((t) => `  ${t}`),
    'Next:',
    ...nextLines(d.next),
    ...(d.inCluster
      ? [
          'In-cluster checks before the old key leaves the apiservers:',
          ...d.inCluster.map((c) => `  - ${c.safeFrom ? `from ${c.safeFrom}: ` : ''}${c.what}`),
        ]
      : []),
  ]);
}
