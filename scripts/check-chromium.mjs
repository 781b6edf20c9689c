#!/usr/bin/env node
// Runs before `playwright test` (npm run test:e2e): finds a Chromium for the browser tests or
// explains how to get one and exits 1. The search itself is scripts/find-chromium.mjs.
import { existsSync } from 'node:fs';
import { findSystemChromium, USUAL_PATHS } from './find-chromium.mjs';

/** Playwright's own Chromium, if `npx playwright install chromium` was run. */
async function findPlaywrightChromium() {
  try {
    const { chromium } = await import('@playwright/test');
    const p = chromium.executablePath();
    return p && existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

const HOW_TO = `
The browser tests need Chromium (or Chrome). Do one of:
  - point to an existing one:   CHROMIUM_PATH=/path/to/chrome npm run test:e2e
  - Debian/Ubuntu:              sudo apt-get install chromium
  - Playwright's own build:     npx playwright install chromium
`;

const fromEnv = process.env.CHROMIUM_PATH;
if (fromEnv) {
  if (!existsSync(fromEnv)) {
    console.error(`CHROMIUM_PATH=${fromEnv} does not exist.${HOW_TO}`);
    process.exit(1);
  }
  console.log(`Browser tests use Chromium at ${fromEnv} (CHROMIUM_PATH).`);
} else {
  const found = findSystemChromium() ?? (await findPlaywrightChromium());
  if (found === undefined) {
    console.error(`No Chromium found (looked at CHROMIUM_PATH, ${USUAL_PATHS.join(', ')}, PATH and Playwright's cache).${HOW_TO}`);
    process.exit(1);
  }
  console.log(`Browser tests use Chromium at ${found}.`);
}
