/**
 * `irsa export terraform -f irsa.yaml [--out-dir DIR] [--force] [--import]`: the resources `irsa apply` manages as
 * Terraform configuration (src/core/export/). Reads irsa.yaml and the key sets (key files, or the cluster's own
 * JWKS for `fromCluster`); never calls AWS, so it needs no credentials. In --out-dir it writes irsa-*.tf files,
 * rewriting only those whose first line is the export's header and removing its own files it no longer writes;
 * any other file of those names is refused unless --force.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { IrsaConfig } from '../../core/config/types.js';
import { E, IrsaError } from '../../core/errors.js';
import {
  EXPORT_FILE_NAMES,
  type ExportFile,
  exportTerraform,
  exportText,
  isExportFile,
} from '../../core/export/terraform.js';
import { assertWritable, ensureDirectory, filesToChange, writeFileAtomic } from '../../io/files.js';
import { isNotFound, systemErrorWords } from '../../io/system-errors.js';
import type { Context, Report } from '../context.js';
import { ClusterAccess } from './provision-kube.js';
import { gatherMaterial } from './provision-material.js';
import { mergeWarnings, readConfigFile } from './provision-shared.js';

export interface ExportTerraformOptions {
  file: string;
  outDir?: string;
  force?: boolean;
  import?: boolean;
  kubeconfig?: string;
  context?: string;
}

export async function exportTerraformCommand(opts: ExportTerraformOptions, ctx: Context): Promise<Report> {
  const { config, warnings } = await readConfigFile(opts.file);
  const kube = new ClusterAccess(config, opts);
  const material = await gatherMaterial(config, kube, { trustCa: [], probeThumbprints: false });
  const result = exportTerraform(config, material, { imports: Boolean(opts.import), source: opts.file });
  for (const w of mergeWarnings(warnings, result.warnings)) ctx.warn(w);
  if (opts.outDir === undefined) {
    return { text: exportText(result), data: { files: result.files } };
  }
  const written = await writeExport(opts.outDir, result.files, Boolean(opts.force), inputFiles(opts, config));
  const lines = [
    ...written.changed.map((f) => `wrote ${f}`),
    ...written.unchanged.map((f) => `unchanged ${f}`),
    ...written.removed.map((f) => `removed ${f} (no longer exported)`),
  ];
  return { text: lines.join('\n'), data: { outDir: opts.outDir, ...written } };
}

interface Written {
  changed: string[];
  unchanged: string[];
  removed: string[];
}

/** Every file the export read: irsa.yaml, the key files, the kubeconfigs. None may be an irsa-*.tf it writes. */
function inputFiles(opts: ExportTerraformOptions, config: IrsaConfig): string[] {
  const files = [opts.file, ...(opts.kubeconfig ? [opts.kubeconfig] : [])];
  for (const c of config.clusters) {
    if (c.keys.from === 'files') files.push(...c.keys.paths);
    else if (c.keys.kubeconfig) files.push(c.keys.kubeconfig);
  }
  return files;
}

/** The files, each checked before any is written (a refusal leaves the directory as it was). */
async function writeExport(
  dir: string,
  files: readonly ExportFile[],
  force: boolean,
  inputs: readonly string[],
): Promise<Written> {
  await ensureDirectory(dir);
  // Even with --force: an irsa-*.tf that is irsa.yaml itself (or a key file) would be destroyed by the export.
  await assertWritable(
    EXPORT_FILE_NAMES.map((n) => join(dir, n)),
    { force: true, inputs },
  );
  const existing = new Map<string, string | undefined>();
  for (const name of EXPORT_FILE_NAMES) existing.set(name, await readText(join(dir, name)));
  for (const f of files) {
    const text = existing.get(f.name);
    if (text !== undefined && !isExportFile(text) && !force) {
      throw new IrsaError(
        E.ERR_FILE_EXISTS,
        `${join(dir, f.name)} exists and was not written by irsa export terraform: it is left as it is`,
        { hint: 'move it away, or pass --force to replace it' },
      );
    }
  }
  const writes = files.map((f): [string, string] => [join(dir, f.name), f.text]);
  const changed = await filesToChange(writes);
  for (const [path, text] of changed) await writeFileAtomic(path, text);
  const stale = EXPORT_FILE_NAMES.filter(
    (n) => !files.some((f) => f.name === n) && isExportFile(existing.get(n) ?? ''),
  );
  for (const name of stale) await rm(join(dir, name), { force: true });
  const changedPaths = changed.map(([p]) => p);
  return {
    changed: changedPaths,
    unchanged: writes.map(([p]) => p).filter((p) => !changedPaths.includes(p)),
    removed: stale.map((n) => join(dir, n)),
  };
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw new IrsaError(E.ERR_FILE_READ, `${path}: cannot read it (${systemErrorWords(e)})`);
  }
}
