/**
 * What a long apply or destroy shows while it runs: on a terminal, one line updated in place with the counts per
 * plane (`documents 4/4 · provider 1/1 · roles 37/200, 1 failed`); otherwise (a CI log, a pipe) one plain line per
 * change as it ends. Nothing with `--output json` (stdout is the one JSON object).
 */
import { terminalSafe } from '../../core/text/terminal-safe.js';
import type { ChangeOutcome, PlaneProgress } from '../../io/aws/execute-plan.js';
import type { Context } from '../context.js';

export interface ProgressView {
  onProgress?: (progress: PlaneProgress) => void;
  onChange?: (outcome: ChangeOutcome) => void;
  /** Ends the updating line (the report follows on the next one). */
  end(): void;
}

const DONE_WORD = { create: 'created', update: 'updated', delete: 'destroyed' } as const;
const MARK = { create: '+', update: '~', delete: '-' } as const;

export function progressView(ctx: Context, stream: NodeJS.WriteStream = process.stdout): ProgressView {
  if (ctx.output === 'json') return { end() {} };
  if (stream.isTTY) return updatingLine(stream);
  return {
    onChange: (o) => ctx.out(terminalSafe(changeLine(o))),
    end() {},
  };
}

/** `+ role app@default: created`, `! role b@default: failed: IAM CreateRole …`. */
export function changeLine(o: ChangeOutcome): string {
  const c = o.change;
  if (o.status === 'done' && o.kept) return `  = ${c.resource}: kept (${o.notes.join('; ')})`;
  if (o.status === 'done') return `  ${MARK[c.kind]} ${c.resource}: ${DONE_WORD[c.kind]}`;
  return `  ! ${c.resource}: ${o.status}: ${o.error?.message ?? 'no reason given'}`;
}

function updatingLine(stream: NodeJS.WriteStream): ProgressView {
  const planes = new Map<string, PlaneProgress>();
  let shown = false;
  return {
    onProgress(p) {
      planes.set(p.plane, p);
      const parts = [...planes.values()].map((x) => {
        const trouble = [x.failed ? `${x.failed} failed` : '', x.skipped ? `${x.skipped} skipped` : '']
          .filter(Boolean)
          .join(', ');
        return `${x.plane} ${x.done + x.failed + x.skipped}/${x.total}${trouble ? `, ${trouble}` : ''}`;
      });
      // \r and erase-line: the same line, rewritten.
      stream.write(`\r\x1b[2K${parts.join(' · ')}`);
      shown = true;
    },
    end() {
      if (shown) stream.write('\n');
    },
  };
}
