import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../src/config/settings';
import { grayPng, solidRgbPng } from '../src/testing/images';
import { gtScaleFlag, loadScenes, parseArgs, settingsFromArgs } from './common';

describe('CLI arguments', () => {
  const own = ['scenes', 'out', 'size', 'steps', 'preset', 'seed'];

  it('maps --size, --steps, --preset, --seed and any settings key onto the settings table', () => {
    const { flags } = parseArgs(['--scenes', 'x', '--size=320x192', '--steps', '40', '--preset', 'tiny', '--seed', '7', '--lrStereo', '5e-4', '--stepsFuse', '10'], []);
    const s = settingsFromArgs(flags, own);
    expect(s).toEqual({ ...defaultSettings(), width: 320, height: 192, stepsStereo: 40, stepsDistill: 40, stepsFuse: 10, preset: 'tiny', seed: 7, lrStereo: 5e-4 });
  });

  it('says what is wrong with bad options', () => {
    expect(() => parseArgs(['scenes'], [])).toThrow(/unexpected argument "scenes"/);
    expect(() => parseArgs(['--out'], [])).toThrow(/--out needs a value/);
    const bad = parseArgs(['--size', '300x100', '--bogus', '1', '--batch', 'two'], []).flags;
    expect(() => settingsFromArgs(bad, own)).toThrow(/unknown option --bogus[\s\S]*--batch: cannot read "two"[\s\S]*Crop width must be a multiple of 32/);
  });
});

describe('loadScenes', () => {
  it('training: a scene whose GT scale is unknown loads without GT and the log says so; --gtScale gives it; eval refuses', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rd-cli-scenes-'));
    try {
      const dir = join(root, 'my_pair');
      await mkdir(dir);
      await writeFile(join(dir, 'left.png'), solidRgbPng(2, 1));
      await writeFile(join(dir, 'right.png'), solidRgbPng(2, 1));
      await writeFile(join(dir, 'disp_left.png'), grayPng([4, 8], 2, 1, 8));
      const lines: string[] = [];
      const training = await loadScenes(root, { metricsOptional: true, log: (l) => lines.push(l) });
      expect(training.map((s) => [s.name, s.gtDisp])).toEqual([['my_pair', undefined]]);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^my_pair\/disp_left\.png: unknown GT scale, so this scene has no metrics \(it still trains\)\. Give --gtScale <s>/);
      const scaled = await loadScenes(dir, { gtScale: gtScaleFlag(new Map([['gtScale', '4']])) });
      expect(Array.from(scaled[0].gtDisp ?? [])).toEqual([1, 2]);
      await expect(loadScenes(root)).rejects.toThrow('my_pair/disp_left.png: unknown GT scale');
      expect(() => gtScaleFlag(new Map([['gtScale', '0']]))).toThrow('--gtScale must be a positive number');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
