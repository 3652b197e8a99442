/**
 * IAM wildcards: `*` any run of characters (none included), `?` exactly one; everything else literal. Matched
 * without building a regular expression: the greedy scan with one backtrack point takes at most
 * pattern × value steps, where a regex such as `^.*a.*a.*a.*b$` can backtrack polynomially in the number of stars,
 * and it needs no cache of compiled patterns. `?` and `*` count UTF-16 code units, as IAM's Java matcher does.
 */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  let pi = 0;
  let vi = 0;
  let star = -1;
  let resume = 0;
  while (vi < v.length) {
    const c = p.charCodeAt(pi);
    if (pi < p.length && c !== STAR && (c === QUESTION || c === v.charCodeAt(vi))) {
      pi++;
      vi++;
    } else if (pi < p.length && c === STAR) {
      // Let the star match nothing first; on a mismatch later it takes one more character.
      star = pi++;
      resume = vi;
    } else if (star !== -1) {
      pi = star + 1;
      vi = ++resume;
    } else {
      return false;
    }
  }
  while (p.charCodeAt(pi) === STAR) pi++;
  return pi === p.length;
}

const STAR = 0x2a;
const QUESTION = 0x3f;
