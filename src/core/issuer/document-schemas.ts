/**
 * The two documents AWS STS reads from an issuer, as schemas: the discovery document (`issuer`, `jwks_uri`, the
 * lists kube-apiserver publishes) and the JWK set (`keys`). Each key is checked on its own by core/keys/parse.ts,
 * so one bad key is reported as that key, not as an unreadable set. Reading never throws: the result says what is
 * wrong in one line that names the document and the field.
 */
import { z } from 'zod';
import { type DocumentRead, readJsonDocument } from '../json/read-document.js';

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

/** `source` names the document in the message (a file, a URL, `apiserver discovery`). */
export function readDiscovery(text: string, source: string): DocumentRead<DiscoveryFields> {
  return readJsonDocument(text, source, discoverySchema);
}

export function readJwks(text: string, source: string): DocumentRead<JwksFields> {
  return readJsonDocument(text, source, jwksSchema);
}
