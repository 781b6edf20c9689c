// Finds a Chromium for the browser tests with the search in scripts/find-chromium.mjs, which
// scripts/check-chromium.mjs also runs before `playwright test` (and explains how to get one).
import { findSystemChromium } from '../scripts/find-chromium.mjs';

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

/**
 * CHROMIUM_PATH, else a system Chromium/Chrome in the usual places or on PATH. Undefined: none
 * found, so Playwright uses its own (installed with `npx playwright install chromium`).
 */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv; // honoured as given; scripts/check-chromium.mjs checks it exists
  return findSystemChromium();
}
