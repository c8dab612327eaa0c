#!/usr/bin/env node
// Runs @weft/layers' data-parallel training over real Web Workers in headless
// Chromium: a page served cross-origin isolated (COOP same-origin + COEP
// require-corp, so SharedArrayBuffer exists) trains a small char-RNN with
// `dataParallel` over 2 module workers (each running `serveDataParallel(self)`)
// and, next to it, the same model in the page; the losses and weights must
// agree to 1e-12. A second page served WITHOUT those headers must get the
// one-line "not cross-origin isolated" rejection. The page posts its result
// back to this script's server. Needs `npm run build` and Debian's chromium
// (apt-get install chromium); not part of CI, which has no browser.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
// Bare specifiers, rewritten to paths as the files are served (module workers do not see a page's import map).
const ROOTS = {
  '@weft/tensor': join(root, 'packages/tensor/dist'),
  '@weft/layers': join(root, 'packages/layers/dist'),
  '@weft/optim': join(root, 'packages/optim/dist'),
  'pure-rand': join(root, 'node_modules/pure-rand/lib/esm'),
};
const rewrite = (js) =>
  js.replace(/from '(@weft\/(?:tensor|layers|optim))'/g, "from '/$1/index.js'").replace(/from 'pure-rand\/([^']+)'/g, "from '/pure-rand/$1.js'");

const WORKER = `import { serveDataParallel } from '@weft/layers';\nserveDataParallel(self);\n`;
const PAGE = `
import { Rng } from '@weft/tensor';
import { charRnn, dataParallel } from '@weft/layers';
import { AdaGrad } from '@weft/optim';
const K = 9, B = 4, T = 6;
const report = (result) => fetch('/result', { method: 'POST', body: JSON.stringify(result) });
async function train(workers) {
  const model = charRnn({ vocabSize: K, hidden: 8, batch: B, rng: new Rng(3) });
  const opt = new AdaGrad(model.parameters(), { lr: 0.1, clipValue: 5 });
  const ports = Array.from({ length: workers }, () => new Worker('/worker.js', { type: 'module' }));
  const dp = workers ? await dataParallel(model, { spec: { model: 'charRnn', vocabSize: K, hidden: 8 }, batch: B, ports, startTimeoutMs: 60000 }) : null;
  const rng = new Rng(11), losses = [];
  for (let u = 0; u < 4; u++) {
    const x = Int32Array.from({ length: T * B }, () => rng.int(K)), y = Int32Array.from({ length: T * B }, () => rng.int(K));
    model.zeroGrad();
    losses.push(dp ? await dp.lossAndGradients(x, y) : model.lossAndGradients(x, y));
    opt.step();
  }
  await dp?.close();
  return { losses, params: model.parameters().map((p) => Array.from(p.value.data.subarray(p.value.offset, p.value.offset + p.value.size))) };
}
try {
  if (!crossOriginIsolated) {
    try { await dataParallel(charRnn({ vocabSize: K, hidden: 8, batch: B, rng: new Rng(3) }), { spec: { model: 'charRnn', vocabSize: K, hidden: 8 }, batch: B, ports: [new Worker('/worker.js', { type: 'module' })] }); await report({ isolated: false, error: null }); }
    catch (e) { await report({ isolated: false, error: e.message }); }
  } else {
    const plain = await train(0), two = await train(2);
    let worst = 0;
    two.losses.forEach((l, i) => (worst = Math.max(worst, Math.abs(l - plain.losses[i]) / Math.abs(plain.losses[i]))));
    two.params.forEach((p, i) => {
      const q = plain.params[i], scale = Math.max(...q.map(Math.abs));
      worst = Math.max(worst, Math.max(...p.map((v, k) => Math.abs(v - q[k]))) / scale);
    });
    await report({ isolated: true, worst, losses: two.losses });
  }
} catch (e) { await report({ error: String(e && e.message || e) }); }
`;

function serve(isolated) {
  let deliver;
  const result = new Promise((ok) => (deliver = ok));
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const headers = isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
    if (path === '/result' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.writeHead(204, headers);
        res.end();
        deliver(JSON.parse(body));
      });
      return;
    }
    let body = null;
    let type = 'text/javascript';
    if (path === '/') [body, type] = [`<!doctype html><meta charset="utf-8"><script type="module">${rewrite(PAGE)}</script>`, 'text/html'];
    else if (path === '/worker.js') body = rewrite(WORKER);
    else {
      const [, scope, rest] = path.match(/^\/(@weft\/\w+|pure-rand)\/(.+)$/) ?? [];
      if (scope && ROOTS[scope] && !rest.includes('..')) {
        try {
          body = rewrite(readFileSync(join(ROOTS[scope], rest), 'utf8'));
        } catch {
          body = null;
        }
      }
    }
    if (body === null) {
      res.writeHead(404, headers);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': type, ...headers });
    res.end(body);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, result })));
}

async function runPage(isolated) {
  const { server, result } = await serve(isolated);
  const profile = mkdtempSync(join(tmpdir(), 'weft-chromium-'));
  const browser = spawn(
    'chromium',
    ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${profile}`, `http://127.0.0.1:${server.address().port}/`],
    // Its own process group: /usr/bin/chromium is a wrapper script, and the browser's processes are its children.
    { stdio: 'ignore', detached: true },
  );
  let timer;
  try {
    return await Promise.race([result, new Promise((_, no) => (timer = setTimeout(() => no(new Error('no result from the page within 120 s')), 120_000)))]);
  } finally {
    clearTimeout(timer);
    const exited = new Promise((ok) => (browser.exitCode !== null ? ok() : browser.once('exit', ok)));
    try {
      process.kill(-browser.pid, 'SIGTERM'); // the whole group, not only the wrapper
    } catch {
      browser.kill();
    }
    await Promise.race([exited, new Promise((ok) => setTimeout(ok, 10_000))]);
    server.close();
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
    } catch (e) {
      // A browser process still closing its profile: leaving a temporary folder behind is not a test failure.
      console.log(`note: could not remove ${profile} (${e.code ?? e.message})`);
    }
  }
}

let failed = false;
const check = (ok, what) => {
  console.log(`${ok ? 'ok' : 'FAILED'}: ${what}`);
  failed ||= !ok;
};
try {
  const a = await runPage(true);
  if (a.error) check(false, `isolated page: ${a.error}`);
  else check(a.isolated && a.worst <= 1e-12, `cross-origin isolated page: 2 Web Workers train like the page's own model (worst relative difference ${a.worst?.toExponential(2)}; losses ${a.losses?.map((l) => l.toFixed(4)).join(' ')})`);
  const b = await runPage(false);
  check(!b.isolated && /^dataParallel: this page is not cross-origin isolated/.test(b.error ?? ''), `page without COOP/COEP: ${b.error}`);
} catch (e) {
  check(false, e.message);
}
process.exit(failed ? 1 : 0);
