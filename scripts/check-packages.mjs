#!/usr/bin/env node
// Proves each package stands alone: `npm pack` every package, install the tarballs
// into an empty temporary folder (no workspace links), then import each one and
// compute something with it under --disallow-code-generation-from-strings
// (the strict-CSP rule: no eval/new Function anywhere in the packages or their deps).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';

// The script run inside the empty folder: one computation per package, each checked.
const SMOKE = String.raw`
import { Rng, matvec, tensor, zeros, allClose, softmax, loadWasm, withBackend, wasmKernelCalls, wasmUnavailableReason } from '@weft/tensor';
import { checkGradients } from '@weft/gradcheck';
import { AdaGrad, SGD, clipByValue } from '@weft/optim';
import { charRnn } from '@weft/layers';

function assert(ok, what) {
  if (!ok) { console.error('FAILED: ' + what); process.exit(1); }
  console.log('ok: ' + what);
}

const y = matvec(zeros([2]), tensor([[1, 2], [3, 4]]), tensor([1, 1]));
assert(allClose(y, tensor([3, 7])), '@weft/tensor matvec');
const p = softmax(zeros([3]), tensor([1, 2, 3]));
assert(Math.abs(p.data[0] + p.data[1] + p.data[2] - 1) < 1e-12, '@weft/tensor softmax');

const x = { name: 'x', value: tensor([1.5, -2]), grad: zeros([2]) };
const f = () => { x.grad.data[0] = 2 * x.value.data[0]; x.grad.data[1] = 2 * x.value.data[1];
  return x.value.data[0] ** 2 + x.value.data[1] ** 2; };
assert(checkGradients([x], f).passed, '@weft/gradcheck checks the gradient of |x|²');

const model = charRnn({ vocabSize: 6, hidden: 8, rng: new Rng(1) });
const params = model.parameters();
assert(params.map((q) => q.name).join(',') === 'U,W,V,b,c', '@weft/layers charRnn has U,W,V,b,c');
const ids = Int32Array.from([0, 1, 2, 3, 4, 5, 0, 1]);
const input = ids.subarray(0, 7), target = ids.subarray(1, 8);
const opt = new AdaGrad(params, { lr: 0.1 });
let first = 0, last = 0;
for (let i = 0; i < 200; i++) {
  model.resetState();
  model.zeroGrad();
  last = model.lossAndGradients(input, target);
  if (i === 0) first = last;
  clipByValue(params, 5);
  opt.step();
}
assert(last < first / 2, '@weft/optim AdaGrad trains @weft/layers charRnn (loss ' + first.toFixed(3) + ' -> ' + last.toFixed(3) + ')');
assert(new SGD(params, { lr: 0.01 }).lr === 0.01, '@weft/optim SGD');

// The WebAssembly SIMD kernels ship inside the tarball (no file, no fetch) and
// compile without code generation from strings.
assert(loadWasm() === 'wasm', '@weft/tensor wasm backend loads (' + (wasmUnavailableReason() ?? 'ok') + ')');
const before = wasmKernelCalls();
const [A, xw] = withBackend('wasm', () => [tensor([[1, 2, 3], [4, 5, 6]]), tensor([1, 0, -1])]);
const yw = matvec(zeros([2]), A, xw); // out is an ordinary array
assert(wasmKernelCalls() === before && allClose(yw, tensor([-2, -2])), '@weft/tensor: an operand off the heap runs in JavaScript');
const yh = matvec(withBackend('wasm', () => zeros([2])), A, xw);
assert(wasmKernelCalls() > before && allClose(yh, tensor([-2, -2])), '@weft/tensor matvec runs in WebAssembly (operands on the heap, outside any scope)');
`;

const root = resolve(import.meta.dirname, '..');
const packages = ['tensor', 'gradcheck', 'optim', 'layers'];
const work = mkdtempSync(join(tmpdir(), 'weft-pack-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

try {
  const tarballs = packages.map((name) => {
    const out = run('npm', ['pack', '--json', '--pack-destination', work], join(root, 'packages', name));
    const [info] = JSON.parse(out);
    const missing = ['dist/index.js', 'dist/index.d.ts', 'README.md', 'LICENSE', 'package.json'].filter(
      (f) => !info.files.some((entry) => entry.path === f),
    );
    if (missing.length) throw new Error(`@weft/${name}: tarball lacks ${missing.join(', ')}`);
    // What the registry page and the tarball need: where the code lives, and README links that work outside the repository.
    const manifest = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
    const fields = ['license', 'repository', 'homepage', 'bugs'].filter((f) => manifest[f] === undefined);
    if (fields.length || manifest.repository?.directory !== `packages/${name}`) {
      throw new Error(`@weft/${name}: package.json needs ${fields.join(', ') || 'repository.directory'} (see the other packages)`);
    }
    const relativeLinks = readFileSync(join(root, 'packages', name, 'README.md'), 'utf8').match(/\]\((?!https?:|#)[^)]*\)/g);
    if (relativeLinks) throw new Error(`@weft/${name}: README.md has relative links that break outside the repository: ${relativeLinks.join(' ')}`);
    console.log(`packed ${info.filename} (${info.files.length} files, ${info.size} bytes)`);
    return join(work, info.filename);
  });

  const app = join(work, 'app');
  run('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'weft-pack-check', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', ...tarballs], app);
  const installed = readdirSync(join(app, 'node_modules', '@weft'));
  console.log(`installed @weft/{${installed.join(',')}} into ${app}`);

  writeFileSync(join(app, 'smoke.mjs'), SMOKE);
  const output = run('node', ['--disallow-code-generation-from-strings', 'smoke.mjs'], app);
  process.stdout.write(output);

  // Each README's first ```js or ```ts block is its runnable snippet: run it too,
  // against the installed tarballs (TypeScript is stripped to JavaScript first).
  for (const name of packages) {
    const readme = readFileSync(join(root, 'packages', name, 'README.md'), 'utf8');
    const block = readme.match(/```(?:js|ts)\n([\s\S]*?)```/);
    if (!block) throw new Error(`@weft/${name}: README.md has no \`\`\`js or \`\`\`ts snippet`);
    const js = ts.transpileModule(block[1], {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    }).outputText;
    const file = `readme-${name}.mjs`;
    writeFileSync(join(app, file), js);
    run('node', ['--disallow-code-generation-from-strings', file], app);
    console.log(`ok: the README snippet of @weft/${name} runs`);
  }
  console.log('check:packages: every package packs, installs alone and runs without code generation');
} finally {
  rmSync(work, { recursive: true, force: true });
}
