/**
 * Issue 15.2: the checkpoint codec is browser-safe — neither it nor anything
 * it imports (transitively, within this example) imports a `node:` module.
 * Issue 14.3: so is model-checkpoint.ts, which the web page shares with the CLI.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** The relative and `node:` imports of a source file. */
function imports(file: string): string[] {
  const text = readFileSync(join(src, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

/** The files `file` imports, transitively within this example, and their `node:` imports. */
function localImports(file: string): { seen: string[]; nodeImports: string[] } {
  const seen = new Set<string>();
  const nodeImports: string[] = [];
  const visit = (f: string): void => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const spec of imports(f)) {
      if (spec.startsWith('node:')) nodeImports.push(`${f} imports ${spec}`);
      else if (spec.startsWith('./')) visit(spec.slice(2).replace(/\.js$/, '.ts'));
    }
  };
  visit(file);
  return { seen: [...seen].sort(), nodeImports };
}

test('checkpoint-codec.ts imports no node: module, directly or through its local imports', () => {
  const { seen, nodeImports } = localImports('checkpoint-codec.ts');
  expect(nodeImports).toEqual([]);
  expect(seen).toEqual(['checkpoint-codec.ts', 'config.ts', 'errors.ts']);
});

test('model-checkpoint.ts (shared with the web page) imports no node: module either', () => {
  const { seen, nodeImports } = localImports('model-checkpoint.ts');
  expect(nodeImports).toEqual([]);
  expect(seen).toEqual(['checkpoint-codec.ts', 'config.ts', 'errors.ts', 'model-checkpoint.ts']);
});
