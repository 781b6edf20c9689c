// `npm run train` stopped by a signal (Ctrl-C, or `timeout` on a lent GPU machine) keeps what it has
// learnt: the stage in progress ends after its current step, its weights are saved into that stage's
// folder (not marked completed), the log is written, and no later stage starts.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// A bundled sample scene (public/samples), so that this runs on any checkout, with or without the shared data folder.
const scene = resolve(__dirname, '../public/samples/teddy');

describe('train CLI under SIGTERM', () => {
  it('stops the stage after its step, saves its weights and log, runs no later stage', async () => {
    const out = mkdtempSync(join(tmpdir(), 'rd-train-sig-'));
    try {
      const args = ['--import', 'tsx', 'cli/train.ts', '--scenes', scene, '--preset', 'tiny', '--width', '64', '--height', '32', '--threads', '1', '--stage', 'all', '--stepsStereo', '4000', '--out', out];
      const child = spawn(process.execPath, args, { cwd: resolve(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let signalled = false;
      const done = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // the progress line (every 5 % when not a terminal) says training has begun: stop it there
        if (!signalled && /stage 1\/3 stereo \[.*\] \d+\/4000/.test(stderr)) {
          signalled = true;
          child.kill('SIGTERM');
        }
      });
      const code = await Promise.race([done, new Promise<'hung'>((res) => setTimeout(() => res('hung'), 150_000))]);
      if (code === 'hung') child.kill('SIGKILL');
      expect(signalled, `no progress line came:\n${stdout}\n${stderr}`).toBe(true);
      expect(code, stderr).toBe(0);
      const m = /stage stereo: (\d+) of 4000 steps in \d+ s \(cancelled\)/.exec(stdout);
      expect(m, stdout).not.toBeNull();
      const steps = Number(m![1]);
      expect(steps).toBeGreaterThan(0);
      expect(steps).toBeLessThan(4000);
      const modelJson = JSON.parse(readFileSync(join(out, 'after-stereo', 'model.json'), 'utf8'));
      expect(modelJson.userDefinedMetadata.completedStages).toEqual([]);
      const bytes = (modelJson.weightsManifest[0].weights as { shape: number[] }[]).reduce((a, w) => a + 4 * w.shape.reduce((x, y) => x * y, 1), 0);
      expect(statSync(join(out, 'after-stereo', 'weights.bin')).size).toBe(bytes);
      const log = JSON.parse(readFileSync(join(out, 'train-log.json'), 'utf8'));
      expect(log.steps).toHaveLength(steps);
      expect(existsSync(join(out, 'after-distill'))).toBe(false);
      expect(existsSync(join(out, 'final'))).toBe(false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);
});
