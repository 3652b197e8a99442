// Bundles the CLI into dist/ with esbuild. Code splitting keeps each command in its own chunk, and
// npm packages stay external, so `irsa --help` loads only the small entry chunk (start-up near bare node).
import { chmodSync } from 'node:fs';
import { build } from 'esbuild';

// dist/ is not wiped: stale hashed chunks are harmless, and a process running the old build keeps its chunks.
await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
chmodSync(new URL('../dist/cli.js', import.meta.url), 0o755);
