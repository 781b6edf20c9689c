// The one search for a system Chromium, shared by scripts/check-chromium.mjs (run before the
// browser tests) and e2e/chromium.ts (Playwright's launch options).
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const USUAL_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
const NAMES_ON_PATH = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** A system Chromium/Chrome in the usual places or on PATH; undefined when there is none. */
export function findSystemChromium() {
  for (const p of USUAL_PATHS) if (existsSync(p)) return p;
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of NAMES_ON_PATH) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
  }
  return undefined;
}
