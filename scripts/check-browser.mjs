#!/usr/bin/env node
// Runs weft in headless Chromium under a strict Content-Security-Policy: the
// built @weft/tensor, @weft/layers and @weft/optim train a small char-RNN in a
// page whose script-src allows only same-origin files and two hashed inline
// scripts (no 'unsafe-eval'). Twice: with 'wasm-unsafe-eval' the WebAssembly
// kernels must run; without it withBackend('wasm', …) must fall back to the JS
// kernels and say why. Needs `npm run build` and Debian's chromium
// (apt-get install chromium); not part of CI, which has no browser.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const site = mkdtempSync(join(tmpdir(), 'weft-browser-'));
for (const name of ['tensor', 'layers', 'optim']) cpSync(join(root, 'packages', name, 'dist'), join(site, name), { recursive: true });
cpSync(join(root, 'node_modules', 'pure-rand', 'lib', 'esm'), join(site, 'pure-rand'), { recursive: true });

const importMap = JSON.stringify({
  imports: {
    '@weft/tensor': '/tensor/index.js',
    '@weft/layers': '/layers/index.js',
    '@weft/optim': '/optim/index.js',
    'pure-rand/distribution/uniformFloat64': '/pure-rand/distribution/uniformFloat64.js',
    'pure-rand/generator/xoroshiro128plus': '/pure-rand/generator/xoroshiro128plus.js',
  },
});
const program = `
import { Rng, withBackend, wasmKernelCalls, wasmUnavailableReason } from '@weft/tensor';
import { charRnn } from '@weft/layers';
import { AdaGrad } from '@weft/optim';
function train(backend) {
  const calls = wasmKernelCalls();
  const { got, model, opt } = withBackend(backend, (got) => {
    const model = charRnn({ vocabSize: 6, hidden: 16, rng: new Rng(1) });
    return { got, model, opt: new AdaGrad(model.parameters(), { lr: 0.1, clipValue: 5 }) };
  });
  const ids = Int32Array.from([0, 1, 2, 3, 4, 5, 0, 1, 2]);
  let first = 0, last = 0;
  for (let i = 0; i < 200; i++) {
    model.resetState(); model.zeroGrad();
    last = model.lossAndGradients(ids.subarray(0, 8), ids.subarray(1, 9));
    if (i === 0) first = last;
    opt.step();
  }
  return { backend: got, first, last, wasmCalls: wasmKernelCalls() - calls, reason: wasmUnavailableReason() };
}
let result;
try { result = { js: train('js'), wasm: train('wasm') }; } catch (e) { result = { error: String(e) }; }
document.getElementById('out').textContent = JSON.stringify(result);
`;
writeFileSync(
  join(site, 'page.html'),
  `<!doctype html><html><head><meta charset="utf-8"><script type="importmap">${importMap}</script></head>` +
    `<body><pre id="out">not run</pre><script type="module">${program}</script></body></html>`,
);
const hash = (text) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
const scriptSrc = `script-src 'self' ${hash(importMap)} ${hash(program)}`;

function serve(csp) {
  const server = createServer((req, res) => {
    try {
      const body = readFileSync(join(site, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
      const type = extname(req.url) === '.html' ? 'text/html' : 'text/javascript';
      res.writeHead(200, { 'content-type': type, 'content-security-policy': csp });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

// Asynchronous: the page's server runs in this process, so the event loop must stay free.
async function runPage(port) {
  const profile = mkdtempSync(join(tmpdir(), 'weft-chromium-'));
  try {
    const { stdout: dom } = await promisify(execFile)(
      'chromium',
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--virtual-time-budget=20000',
        '--dump-dom', `http://127.0.0.1:${port}/page.html`],
      { encoding: 'utf8', timeout: 120_000 },
    );
    const text = dom.match(/<pre id="out">([^<]*)<\/pre>/)?.[1] ?? 'no output';
    return JSON.parse(text.replaceAll('&quot;', '"').replaceAll('&amp;', '&'));
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

let failed = false;
const check = (ok, what) => {
  console.log(`${ok ? 'ok' : 'FAILED'}: ${what}`);
  failed ||= !ok;
};
try {
  for (const [label, csp, wasmExpected] of [
    ["script-src 'self' + hashes + 'wasm-unsafe-eval'", `default-src 'none'; ${scriptSrc} 'wasm-unsafe-eval'`, true],
    ["script-src 'self' + hashes only", `default-src 'none'; ${scriptSrc}`, false],
  ]) {
    const server = await serve(csp);
    const result = await runPage(server.address().port);
    server.close();
    if (result.error) {
      check(false, `${label}: ${result.error}`);
      continue;
    }
    check(result.js.last < result.js.first / 10, `${label}: JS kernels train (loss ${result.js.first.toFixed(3)} -> ${result.js.last.toFixed(3)})`);
    if (wasmExpected) {
      check(result.wasm.backend === 'wasm' && result.wasm.wasmCalls > 0, `${label}: wasm kernels run (${result.wasm.wasmCalls} calls)`);
    } else {
      check(result.wasm.backend === 'js' && /Content Security/.test(result.wasm.reason ?? ''), `${label}: wasm refused, JS fallback, reason given`);
    }
    check(Math.abs(result.wasm.last - result.js.last) < 1e-9, `${label}: both backends reach the same loss (${result.wasm.last.toFixed(6)})`);
  }
} finally {
  rmSync(site, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
