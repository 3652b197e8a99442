/**
 * A zod validation failure as one line of words naming the field (`"jwks_uri" is missing`, `"keys[2]" is a
 * string, not an object`), for messages that already name the file: `${file}: ${schemaErrorWords(error)}`. Only
 * the first issue is told, as a compiler tells the first error. Parse with `{ reportInput: true }` so the words
 * can say what was found instead.
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

export function schemaErrorWords(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? issueWords(issue) : 'not valid';
}

/** One issue in words, naming its field (the first issue of a ZodError is what schemaErrorWords tells). */
export function issueWords(issue: Issue): string {
  const field = fieldName(issue.path);
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined && issue.path.length > 0
        ? `${field} is missing`
        : `${field} is ${kindOf(issue.input)}, not ${article(issue.expected)}`;
    case 'too_small':
      return issue.origin === 'string' && Number(issue.minimum) === 1
        ? `${field} is empty`
        : `${field} is too short (at least ${issue.minimum} ${issue.origin === 'array' ? 'items' : 'characters'})`;
    case 'unrecognized_keys':
      // Named at the unknown field itself: a misspelt key is the usual cause.
      return `${fieldName([...issue.path, issue.keys[0]])} is not a known field${issue.keys.length > 1 ? ` (nor ${issue.keys.slice(1).join(', ')})` : ''}`;
    case 'invalid_value':
      if (issue.input === undefined && issue.path.length > 0) return `${field} is missing`;
      return `${field} must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}${
        'input' in issue && issue.input !== undefined ? `, got ${shown(issue.input)}` : ''
      }`;
    default:
      return `${field}: ${issue.message}`;
  }
}

/** `"issuer"`, `"keys[2]"`, `"users[0].name"`; the whole document when the path is empty. */
export function fieldName(path: Issue['path']): string {
  if (path.length === 0) return 'the document';
  const [head, ...rest] = path;
  return `"${String(head)}${rest.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}"`;
}

/** What a JSON value is, in words: `a string`, `null`, `a list`, `an object`. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (v === undefined) return 'nothing';
  return article(typeof v);
}

function article(expected: string): string {
  if (expected === 'array') return 'a list';
  if (expected === 'null' || expected === 'undefined') return expected;
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** A found value in a message: JSON (control characters escaped), cut short. */
function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
