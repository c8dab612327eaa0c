/**
 * Issue 15.2: the checkpoint codec is browser-safe — neither it nor anything
 * it imports (transitively, within this example) imports a `node:` module.
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

test('checkpoint-codec.ts imports no node: module, directly or through its local imports', () => {
  const seen = new Set<string>();
  const nodeImports: string[] = [];
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of imports(file)) {
      if (spec.startsWith('node:')) nodeImports.push(`${file} imports ${spec}`);
      else if (spec.startsWith('./')) visit(spec.slice(2).replace(/\.js$/, '.ts'));
    }
  };
  visit('checkpoint-codec.ts');
  expect(nodeImports).toEqual([]);
  expect([...seen].sort()).toEqual(['checkpoint-codec.ts', 'config.ts', 'errors.ts', 'safetensors.ts']);
});
