// Bundles the CLI into dist/ with esbuild. Code splitting keeps each command in its own chunk, and
// npm packages stay external, so `irsa --help` loads only the small entry chunk (start-up near bare node).
// The one exception is commander, which every run needs: bundled, Node loads one ESM file instead of resolving the
// package and translating its seven CommonJS files (measured in bench/startup.mjs; see bench/README.md).
import { chmodSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

/** Every bare import stays external (loaded from node_modules at run time) except commander. */
const externalExceptCommander = {
  name: 'external-except-commander',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path === 'commander' || args.path.startsWith('node:')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

// dist/ is not wiped: stale hashed chunks are harmless, and a process running the old build keeps its chunks.
// `--clean` (npm pack / publish, through prepack) starts from an empty dist/, so the package holds this build only.
if (process.argv.includes('--clean')) rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [externalExceptCommander],
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  // commander is CommonJS and require()s Node built-ins; an ESM bundle needs a real `require` for those.
  banner: {
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as __irsaCreateRequire } from 'node:module';",
      'const require = __irsaCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  logLevel: 'warning',
});
chmodSync(new URL('../dist/cli.js', import.meta.url), 0o755);
