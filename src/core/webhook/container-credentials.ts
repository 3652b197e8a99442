/**
 * The file of `--watch-container-credentials-config`, as upstream reads it: `{"identities":[{"namespace",
 * "serviceAccount"}]}`; other members are ignored. Reading never throws: the identities, or one line naming the
 * file and the field.
 */
import { z } from 'zod';
import { type DocumentRead, readJsonDocument } from '../json/read-document.js';

const identity = z.looseObject({ namespace: z.string().min(1), serviceAccount: z.string().min(1) });
const configSchema = z.looseObject({ identities: z.array(identity) });

export type ContainerCredentialsIdentity = { namespace: string; serviceAccount: string };

export function readContainerCredentialsConfig(
  text: string,
  source: string,
): DocumentRead<ContainerCredentialsIdentity[]> {
  const read = readJsonDocument(text, source, configSchema);
  if (!read.ok) return read;
  return {
    ok: true,
    value: read.value.identities.map((i) => ({ namespace: i.namespace, serviceAccount: i.serviceAccount })),
  };
}
