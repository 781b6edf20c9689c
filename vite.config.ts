import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * tfjs-backend-wasm starts its threads from the source text of its threaded factory
 * (`factory.toString()` in a blob worker), where `_scriptDir`, a variable of the factory's
 * wrapper, does not exist. The source only reads it behind `typeof _scriptDir !== "undefined"`,
 * but the minifier, knowing the variable, turns that into a plain reference, which throws in
 * the blob ("e is not defined") and kills the worker in a built, cross-origin isolated app.
 * As a property of globalThis the check survives minification. (Dev serves it unminified.)
 */
function wasmThreadsSurviveMinify(): Plugin {
  return {
    name: 'tfjs-wasm-threads-survive-minify',
    transform(code, id) {
      if (!/tfjs-backend-wasm-threaded-simd\.js$/.test(id)) return null;
      const patched = code.replace(/\bvar _scriptDir =/, 'globalThis.__tfjsWasmScriptDir =').replace(/\b_scriptDir\b/g, 'globalThis.__tfjsWasmScriptDir');
      if (patched === code) this.error('tfjs-backend-wasm-threaded-simd.js no longer uses _scriptDir: check the threaded wasm build still starts');
      return { code: patched, map: null };
    },
  };
}

// Cross-origin isolation (crossOriginIsolated === true) lets the tfjs wasm backend use
// SharedArrayBuffer and its threaded SIMD build. Static hosts need the same two headers (README).
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// Relative base so the built site works from any static host and any sub-path.
export default defineConfig({
  base: './',
  plugins: [react()],
  // Plugins for the worker bundle (the app's `plugins` do not apply to it in a build).
  worker: { format: 'es', plugins: () => [wasmThreadsSurviveMinify()] },
  server: { port: 5173, strictPort: false, headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  // The worker's imports are not found by the dev server's first dependency scan; without this
  // they are discovered late and the dev server reloads the page mid-run.
  optimizeDeps: {
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'],
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    // The browser tests run on a build (playwright.config.ts). Their kernel test page is built on its own,
    // into the same folder, by a second build with RD_E2E_PAGES set: built together with the app, the
    // page would share the app's entry chunk and run its start-up code.
    ...(process.env.RD_E2E_PAGES ? { emptyOutDir: false, rollupOptions: { input: 'e2e/pages/kernels.html' } } : {}),
  },
});
