/**
 * Checks that src/core/ is a pure core: no module-level mutable state (no top-level `let`/`var`; a top-level Map or
 * Set must be typed ReadonlyMap/ReadonlySet, and WeakMaps/WeakSets, which are only ever caches, are not allowed), and no
 * I/O (no import of node:fs, node:http(s), node:net sockets, node:child_process…; no process.env/stdout/stderr/exit).
 * Used by test/code-health.test.ts; `npx tsx scripts/core-purity.ts` prints what it finds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** node: modules the core may use: computation only. node:net is used for isIP(), never for sockets. */
const PURE_NODE_MODULES = new Set(['node:crypto', 'node:net', 'node:util', 'node:buffer', 'node:url', 'node:path']);
const IO_GLOBALS =
  /\bprocess\.(env|stdout|stderr|stdin|exit|exitCode|cwd|argv|on)\b|\bfetch\(|\bsetTimeout\(|\bsetInterval\(/;
const NET_IO = /\b(createConnection|connect|createServer|Socket)\b/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function mutableDeclaration(decl: ts.VariableDeclaration, isConst: boolean, sf: ts.SourceFile): string | undefined {
  const name = decl.name.getText(sf);
  if (!isConst) return `${name}: module-level let/var`;
  const init = decl.initializer;
  if (!init || !ts.isNewExpression(init)) return undefined;
  const ctor = init.expression.getText(sf);
  if (ctor === 'WeakMap' || ctor === 'WeakSet')
    return `${name}: module-level ${ctor} (a cache; hand it in from the shell)`;
  if (ctor === 'Map' || ctor === 'Set') {
    const type = decl.type?.getText(sf) ?? '';
    if (!type.startsWith(`Readonly${ctor}`)) return `${name}: module-level ${ctor} not typed Readonly${ctor}`;
  }
  return undefined;
}

function checkFile(file: string, root: string, coreDir: string): string[] {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const where = (node: ts.Node) =>
    `${relative(root, file)}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;
  const found: string[] = [];
  for (const stmt of sf.statements) {
    if (ts.isVariableStatement(stmt)) {
      const isConst = (stmt.declarationList.flags & ts.NodeFlags.Const) !== 0;
      for (const d of stmt.declarationList.declarations) {
        const why = mutableDeclaration(d, isConst, sf);
        if (why) found.push(`${where(d)} ${why}`);
      }
    }
    if (ts.isImportDeclaration(stmt) && ts.isStringLiteral(stmt.moduleSpecifier)) {
      const spec = stmt.moduleSpecifier.text;
      if (spec.startsWith('node:') && !PURE_NODE_MODULES.has(spec)) found.push(`${where(stmt)} imports ${spec} (I/O)`);
      if (spec === 'node:net' && NET_IO.test(stmt.getText(sf)))
        found.push(`${where(stmt)} imports sockets from node:net`);
      if (spec.startsWith('.') && !resolve(dirname(file), spec).startsWith(coreDir)) {
        found.push(`${where(stmt)} imports ${spec}, outside the core`);
      }
    }
  }
  text.split('\n').forEach((line, i) => {
    if (IO_GLOBALS.test(line) && !/^\s*(\/?\*|\/\/)/.test(line))
      found.push(`${relative(root, file)}:${i + 1} ${line.trim()}`);
  });
  return found;
}

export function corePurityProblems(dir: string, root = process.cwd()): string[] {
  const coreDir = resolve(dir);
  return sourceFiles(dir).flatMap((f) => checkFile(f, root, coreDir));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = corePurityProblems(process.argv[2] ?? 'src/core');
  for (const p of problems) console.log(p);
  console.log(`${problems.length} problem(s)`);
}
