/**
 * One kubeconfig file, read and checked before @kubernetes/client-node loads it. client-node reads whatever YAML
 * it is given and fails late and in JavaScript's words: an empty file gives "Cannot read properties of undefined
 * (reading 'clusters')", a file that is not a mapping at all ("hello") loads as an empty configuration and is then
 * reported as having no current-context. So the text is parsed here first (the yaml package, a few kB: the double
 * parse costs nothing next to client-node's own load) and its shape is checked with a schema, every failure one
 * line naming the file and what is wrong; the fields themselves are still client-node's to read.
 */
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { z } from 'zod';
import { E, IrsaError } from '../../core/errors.js';
import { isObject } from '../../core/json/is-object.js';
import { kindOf, schemaErrorWords } from '../../core/json/schema-words.js';
import { systemErrorWords } from '../system-errors.js';

const entries = z.array(z.looseObject({})).nullish();

/** The top level kubectl reads; client-node checks each entry's own fields (and names them) when it loads. */
const kubeconfigShape = z.looseObject({
  clusters: entries,
  contexts: entries,
  users: entries,
  'current-context': z.string().nullish(),
});

/** Reads `file` (named as `what` in a read error) into `kc`. */
export function loadKubeconfigFile(kc: KubeConfig, file: string, what: string): void {
  const text = readText(file, what);
  const wrong = shapeProblem(text);
  if (wrong) throw invalid(file, wrong);
  try {
    kc.loadFromString(text);
  } catch (e) {
    // client-node's own field checks ("clusters[0].cluster.server is missing") and its YAML parser's words.
    throw invalid(file, systemErrorWords(e));
  }
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new IrsaError(E.ERR_KUBECONFIG_NOT_FOUND, `${file}: cannot read ${what} (${systemErrorWords(e)})`);
  }
}

/** What is wrong with the text as a kubeconfig, in words; undefined when client-node can take it. */
function shapeProblem(text: string): string | undefined {
  if (/[\x00-\x08\x0e-\x1a\x1c-\x1f]/.test(text)) return 'binary data, not text';
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    return `not YAML: ${systemErrorWords(e).replace(/:$/, '')}`;
  }
  if (doc === null || doc === undefined) return 'the file is empty';
  if (!isObject(doc)) return `the file holds ${kindOf(doc)}, not a mapping with clusters, contexts and users`;
  const r = kubeconfigShape.safeParse(doc, { reportInput: true });
  return r.success ? undefined : schemaErrorWords(r.error);
}

function invalid(file: string, words: string): IrsaError {
  return new IrsaError(E.ERR_KUBECONFIG_INVALID, `${file}: not a valid kubeconfig (${words})`);
}
