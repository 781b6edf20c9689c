// Browser tests in a real Chromium. With no GPU, WebGPU runs on SwiftShader, which is slow:
// tests use 64x32 images and generous timeouts.
//
// The tests run against the built app (`vite build`, then `vite preview` with the same isolation headers),
// as users get it: the dev server's unbundled modules made every page open slower (e2e/firstscreen.spec.ts,
// 5 tests: 89.9 s of test time on the dev server, 43.9 s built, same 2-core machine). RD_E2E_SERVER=dev
// runs them on the dev server instead (and reuses one already running outside CI).
//
// One spec file at a time: on the 2-core machine two at a time was no faster (46 tests: 18.4 min one at
// a time, 19.1 min two at a time, the GPU-loss test slowed from 3.8 to 6.4 min). RD_E2E_WORKERS=2
// tries it anyway. The GPU-loss tests run first; the two tests that bound how often panels refresh
// (a wall-clock gap) run last, each in its own project, so nothing else shares the cores with them.
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './e2e/chromium';

const port = Number(process.env.RD_E2E_PORT ?? 5199);
const dev = process.env.RD_E2E_SERVER === 'dev';
/** Where the e2e build goes (gitignored); a second build with RD_E2E_PAGES adds the test page under e2e/pages (vite.config.ts). */
const outDir = `.e2e-dist-${port}`;
const serverCommand = dev
  ? `npx vite --port ${port} --strictPort`
  : `npx vite build --outDir ${outDir} --emptyOutDir --logLevel error && RD_E2E_PAGES=1 npx vite build --outDir ${outDir} --logLevel error && npx vite preview --outDir ${outDir} --port ${port} --strictPort`;
/** Tests with wall-clock bounds on the panels' refresh (e2e/soak.spec.ts, e2e/app.spec.ts): run alone, last. */
const ALONE_SOAK = /soak: 1000 steps across the three stages/;
const ALONE_REFRESH = /previews arrive about once a second/;
const ALONE = new RegExp(`${ALONE_SOAK.source}|${ALONE_REFRESH.source}`);
/** The GPU device and context loss tests (e2e/soak.spec.ts): about 2 minutes on SwiftShader, the longest file. */
const RECOVERY = /device lost mid-run|context lost while idle/;

export default defineConfig({
  testDir: 'e2e',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  workers: Number(process.env.RD_E2E_WORKERS ?? 1),
  fullyParallel: false,
  projects: [
    // the GPU-loss tests first
    { name: 'recovery', grep: RECOVERY },
    { name: 'shared', grepInvert: new RegExp(`${ALONE.source}|${RECOVERY.source}`) },
    { name: 'alone: soak', grep: ALONE_SOAK, dependencies: ['shared', 'recovery'] },
    { name: 'alone: refresh', grep: ALONE_REFRESH, dependencies: ['alone: soak'] },
  ],
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: process.env.CI ? 'list' : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://localhost:${port}`,
    browserName: 'chromium',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: findChromium(),
      args: CHROMIUM_ARGS,
    },
  },
  webServer: {
    command: serverCommand,
    url: `http://localhost:${port}`,
    // a built app is rebuilt every run, so the tests never meet an old build
    reuseExistingServer: dev && !process.env.CI,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
