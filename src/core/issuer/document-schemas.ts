/**
 * The two documents AWS STS reads from an issuer, as schemas: the discovery document (`issuer`, `jwks_uri`, the
 * lists kube-apiserver publishes) and the JWK set (`keys`). Each key is checked on its own by core/keys/parse.ts,
 * so one bad key is reported as that key, not as an unreadable set. Reading never throws: the result says what is
 * wrong in one line that names the document and the field.
 */
import { z } from 'zod';
import { isObject } from '../json/is-object.js';
import { kindOf, schemaErrorWords } from '../json/schema-words.js';

const discoverySchema = z.looseObject({
  issuer: z.string().min(1),
  jwks_uri: z.string().min(1),
  id_token_signing_alg_values_supported: z.unknown().optional(),
  response_types_supported: z.unknown().optional(),
  subject_types_supported: z.unknown().optional(),
});

const jwksSchema = z.looseObject({ keys: z.array(z.unknown()) });

export type DiscoveryFields = z.infer<typeof discoverySchema>;
export type JwksFields = z.infer<typeof jwksSchema>;

export type DocumentRead<T> = { ok: true; value: T } | { ok: false; message: string };

/** `source` names the document in the message (a file, a URL, `apiserver discovery`). */
export function readDiscovery(text: string, source: string): DocumentRead<DiscoveryFields> {
  return readDocument(text, source, discoverySchema);
}

export function readJwks(text: string, source: string): DocumentRead<JwksFields> {
  return readDocument(text, source, jwksSchema);
}

function readDocument<T>(text: string, source: string, schema: z.ZodType<T>): DocumentRead<T> {
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
