/**
 * Runs the ```ts blocks of a markdown file, in order, as one module: the code a
 * reader sees is the code that runs. Type annotations are stripped by the
 * TypeScript compiler (no type check); `import { a, b } from '@weft/x'` lines
 * are bound to the modules given; `console` is replaced by a recorder.
 * Returns the printed lines and the values of the requested top-level names.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';

export interface MarkdownRun {
  printed: string[];
  values: Record<string, unknown>;
}

export function tsBlocks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Runs all ```ts blocks of `file` joined, in order, as one module (later blocks build on earlier ones). */
export async function runMarkdown(file: string, modules: Record<string, unknown>, names: string[]): Promise<MarkdownRun> {
  const source = tsBlocks(file).join('\n');
  if (source.trim() === '') throw new Error(`${file} has no \`\`\`ts blocks`);
  return runTypeScript(source, modules, names, file);
}

/** Runs one TypeScript snippet; `label` names it in errors. */
export async function runTypeScript(source: string, modules: Record<string, unknown>, names: string[], label: string): Promise<MarkdownRun> {
  const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
  const bound = js.replace(/^import\s*\{([^}]*)\}\s*from\s*'([^']+)';?$/gm, (_, list: string, from: string) => {
    if (!(from in modules)) throw new Error(`${label} imports '${from}', which the test does not provide`);
    return `const {${list}} = __modules[${JSON.stringify(from)}];`;
  });
  if (/^\s*import\s/m.test(bound)) throw new Error(`${label}: an import the runner cannot bind:\n${bound.match(/^\s*import.*$/m)![0]}`);
  const printed: string[] = [];
  const recorder = { log: (...args: unknown[]) => printed.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')) };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<Record<string, unknown>>;
  const body = `${bound}\nreturn { ${names.join(', ')} };`;
  const values = await new AsyncFunction('__modules', 'console', body)(modules, recorder);
  return { printed, values };
}
