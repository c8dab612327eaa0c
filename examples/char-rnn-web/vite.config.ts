/**
 * Builds the page into dist/ and serves it (`vite preview`) with the same
 * Content-Security-Policy as the page's <meta> tag, sent as a header so that
 * it also covers the worker script (a meta tag only governs the document).
 */
import { defineConfig } from 'vite';

export const CSP = [
  "default-src 'self'",
  // 'wasm-unsafe-eval' lets the worker compile the WebAssembly kernels; nothing allows eval or inline code.
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export default defineConfig({
  base: './',
  build: {
    target: 'es2022',
    // The polyfill is not needed by the browsers that run module workers, and keeps the entry small.
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs into scripts or styles.
    assetsInlineLimit: 0,
  },
  worker: { format: 'es' },
  preview: { host: '127.0.0.1', port: 4173, headers: { 'Content-Security-Policy': CSP } },
});
