import { describe, expect, it } from 'vitest';
import { defaultSettings, SETTINGS, settingsFromQuery, settingsToQuery, stageMakesLabels, validateSettings } from './settings';

describe('settings table', () => {
  it('defaults are valid', () => {
    const d = defaultSettings() as unknown as Record<string, unknown>;
    expect(validateSettings(d).errors).toEqual([]);
    expect(Object.keys(d).sort()).toEqual(SETTINGS.map((s) => s.key as string).sort());
  });

  it('reports each bad value by its label and keeps the default for it', () => {
    const { settings, errors } = validateSettings({ width: 100, batch: 2.5, preset: 'huge', lrStereo: -1, flip: 'yes', bogus: 1 });
    expect(errors).toEqual(expect.arrayContaining([
      'unknown setting "bogus"',
      'Crop width must be a multiple of 32',
      'Batch size must be a whole number',
      'Network size must be one of tiny, default',
      'Stage 1 learning rate must be between 0.000001 and 0.1',
      'Random flip must be true or false',
    ]));
    expect(settings.width).toBe(256);
    expect(settings.preset).toBe('default');
  });

  it('round-trips through the URL with only the changed settings', () => {
    const s = { ...defaultSettings(), seed: 42, width: 320, flip: false, distillMode: 'none' as const, lrFuse: 5e-5 };
    const q = settingsToQuery(s);
    expect([...q.keys()].sort()).toEqual(['distillMode', 'flip', 'lrFuse', 'seed', 'width']);
    const back = settingsFromQuery(new URLSearchParams(q.toString()));
    expect(back.errors).toEqual([]);
    expect(back.settings).toEqual(s);
  });

  it('says what cannot be read from a URL', () => {
    const r = settingsFromQuery(new URLSearchParams('width=abc&seed=7&weights=x'));
    expect(r.errors).toEqual(['Crop width: cannot read "abc"']);
    expect(r.settings.seed).toBe(7);
  });

  it('lists the settings a URL names with a valid value (they win over a loaded model\'s)', () => {
    const r = settingsFromQuery(new URLSearchParams('weights=pretrained%2Fdefault&stepsStereo=60&width=abc&seed=-1&flip=0'));
    expect(r.given).toEqual(['stepsStereo', 'flip']);
    expect(r.settings).toMatchObject({ stepsStereo: 60, flip: false, seed: 1 });
  });
});

describe('stageMakesLabels', () => {
  it('stage 2 makes labels unless it is photometric-only; stage 3 always; stage 1 never', () => {
    for (const mode of ['occlusion', 'none', 'photometric'] as const) {
      expect(stageMakesLabels('stereo', { distillMode: mode })).toBe(false);
      expect(stageMakesLabels('distill', { distillMode: mode })).toBe(mode !== 'photometric');
      expect(stageMakesLabels('fuse', { distillMode: mode })).toBe(true);
    }
  });
});
