import type { z } from 'zod';
import { isObject } from './is-object.js';
import { kindOf, schemaErrorWords } from './schema-words.js';

export type DocumentRead<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * A JSON document checked against a schema, without throwing: the value, or one line that names the document
 * (`source`: a file, a URL, `apiserver discovery`) and the field at fault.
 */
export function readJsonDocument<T>(text: string, source: string, schema: z.ZodType<T>): DocumentRead<T> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, message: `${source}: not JSON` };
  }
  if (!isObject(doc)) return { ok: false, message: `${source}: not a JSON object (${kindOf(doc)})` };
  const r = schema.safeParse(doc, { reportInput: true });
  return r.success ? { ok: true, value: r.data } : { ok: false, message: `${source}: ${schemaErrorWords(r.error)}` };
}
