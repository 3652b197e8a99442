/**
 * Writes charts/irsa-anywhere/ from src/core/manifests (the renderer of `irsa webhook manifests`): `npm run chart`.
 * With --check it writes nothing and exits 1 naming the files that differ (test/chart/chart-files.test.ts does the
 * same in the suite). Files in the chart folder that the generator does not write are removed.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chartFiles } from '../src/core/manifests/chart/chart-files.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CHART_DIR = join(ROOT, 'charts', 'irsa-anywhere');

function existing(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile())
      .map((e) => relative(CHART_DIR, join(e.parentPath, e.name)));
  } catch {
    return [];
  }
}

/** The chart files that differ from what the generator writes (missing, changed or extra). */
export function staleChartFiles(): string[] {
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
  const want = chartFiles(version);
  const read = (f: string) => {
    try {
      return readFileSync(join(CHART_DIR, f), 'utf8');
    } catch {
      return undefined;
    }
  };
  const changed = Object.entries(want)
    .filter(([f, text]) => read(f) !== text)
    .map(([f]) => f);
  const extra = existing(CHART_DIR).filter((f) => !(f in want));
  return [...changed, ...extra].sort();
}

function write(): void {
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
  const want = chartFiles(version);
  for (const f of existing(CHART_DIR)) if (!(f in want)) rmSync(join(CHART_DIR, f));
  for (const [f, text] of Object.entries(want)) {
    mkdirSync(dirname(join(CHART_DIR, f)), { recursive: true });
    writeFileSync(join(CHART_DIR, f), text);
  }
  console.log(`wrote ${Object.keys(want).length} files to ${relative(ROOT, CHART_DIR)}/`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const stale = staleChartFiles();
    if (stale.length) {
      console.error(`charts/irsa-anywhere is stale (${stale.join(', ')}): run npm run chart`);
      process.exit(1);
    }
  } else write();
}
