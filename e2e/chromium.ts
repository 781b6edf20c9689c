// Finds a Chromium for the browser tests. Keep in step with scripts/check-chromium.mjs, which
// runs the same search before `playwright test` and explains how to get one when it fails.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Launch flags: WebGPU and WebGL on SwiftShader when there is no GPU, and a quiet browser. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--ignore-gpu-blocklist',
  '--enable-gpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const USUAL_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
const NAMES_ON_PATH = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/**
 * CHROMIUM_PATH, else a system Chromium/Chrome in the usual places or on PATH. Undefined: none
 * found, so Playwright uses its own (installed with `npx playwright install chromium`).
 */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv; // honoured as given; scripts/check-chromium.mjs checks it exists
  for (const p of USUAL_PATHS) if (existsSync(p)) return p;
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of NAMES_ON_PATH) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
  }
  return undefined;
}
