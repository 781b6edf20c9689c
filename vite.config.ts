import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

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
  worker: { format: 'es' },
  server: { port: 5173, strictPort: false, headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  // The worker's imports are not found by the dev server's first dependency scan; without this
  // they are discovered late and the dev server reloads the page mid-run.
  optimizeDeps: {
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
});
