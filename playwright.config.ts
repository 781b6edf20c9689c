// Browser tests in a real Chromium. With no GPU, WebGPU runs on SwiftShader, which is slow:
// tests use 64x32 images and generous timeouts.
//
// Two spec files run at a time (one worker each; a file's tests run in order), so CI stays under its
// 20 minutes: one at a time, the suite took 18.4 min on the 2-core machine. The GPU-loss tests, the
// longest, start first. The tests that bound how
// often panels refresh (a wall-clock gap) run last and alone, each in its own project, so no other
// browser shares the cores with them. RD_E2E_WORKERS=1 runs everything one at a time.
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './e2e/chromium';

const port = Number(process.env.RD_E2E_PORT ?? 5199);
/** Tests with wall-clock bounds on the panels' refresh (e2e/soak.spec.ts, e2e/app.spec.ts): run alone, last. */
const ALONE_SOAK = /soak: 1000 steps across the three stages/;
const ALONE_REFRESH = /previews arrive about once a second/;
const ALONE = new RegExp(`${ALONE_SOAK.source}|${ALONE_REFRESH.source}`);
/** The GPU device and context loss tests (e2e/soak.spec.ts): about 5 minutes on SwiftShader. */
const RECOVERY = /device lost mid-run|context lost while idle/;

export default defineConfig({
  testDir: 'e2e',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  workers: Number(process.env.RD_E2E_WORKERS ?? 2),
  fullyParallel: false,
  projects: [
    // the longest file first, so the other worker takes the rest meanwhile
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
    command: `npx vite --port ${port} --strictPort`,
    url: `http://localhost:${port}`,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
