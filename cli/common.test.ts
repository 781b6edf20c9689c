import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../src/config/settings';
import { parseArgs, settingsFromArgs } from './common';

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
