/**
 * Untrusted text echoed into admission warnings (annotation values and keys, container names, mount paths). The API
 * server shows warnings in `kubectl` output, so what a pod or ServiceAccount author wrote must neither flood it (an
 * annotation can be megabytes at admission time: the apiserver validates sizes after mutating webhooks run) nor
 * drive the terminal: values are cut to CLIP_CHARS and control and bidi-override characters are shown escaped.
 */

/** How much of one untrusted value a warning shows. */
export const CLIP_CHARS = 100;

/** How many names a warning lists before it says how many more there are. */
export const LIST_NAMES = 10;

// C0 and C1 controls, DEL, and the Unicode bidi controls (which reorder what a terminal shows).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * `value` as a warning shows it: unsafe characters escaped as `\u{…}`, and at most CLIP_CHARS characters of that
 * (then `…`). Only the start of the value is ever read.
 */
export function clip(value: string): string {
  const head = value.length > CLIP_CHARS ? value.slice(0, CLIP_CHARS) : value;
  let out = head;
  let used = head.length;
  if (UNSAFE.test(head)) {
    out = '';
    for (used = 0; used < head.length && out.length < CLIP_CHARS; used++) {
      const c = head[used];
      out += UNSAFE.test(c) ? `\\u{${c.charCodeAt(0).toString(16)}}` : c;
    }
  }
  return used < value.length ? `${out}…` : out;
}

/** Items shown by `show` (each name clipped by default), comma-separated; past LIST_NAMES: `and N more`. */
export function clipList<T>(items: readonly T[], show: (item: T) => string = clip as (item: T) => string): string {
  if (items.length === 1) return show(items[0]);
  const shown = items.slice(0, LIST_NAMES).map(show).join(', ');
  return items.length > LIST_NAMES ? `${shown} and ${items.length - LIST_NAMES} more` : shown;
}
