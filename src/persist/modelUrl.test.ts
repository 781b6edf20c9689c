import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../config/settings';
import { linkedModel, ModelUrlError, openingModel, pageAddress, pretrainedName, resolveModelUrl, shareLink, SHIPPED_MODEL_STEP, threadStepFor } from './modelUrl';

const PAGE = 'https://example.org/apps/depth/index.html?backend=wasm&stepsStereo=5#w=old';

describe('model addresses', () => {
  it('resolves pretrained names, relative and absolute http(s) URLs against the page', () => {
    expect(resolveModelUrl('pretrained/default', PAGE).href).toBe('https://example.org/apps/depth/pretrained/default/model.json');
    expect(resolveModelUrl(' pretrained/small/ ', PAGE).href).toBe('https://example.org/apps/depth/pretrained/small/model.json');
    expect(resolveModelUrl('models/run1/model.json', PAGE).href).toBe('https://example.org/apps/depth/models/run1/model.json');
    expect(resolveModelUrl('/top.json', PAGE).href).toBe('https://example.org/top.json');
    expect(resolveModelUrl('//cdn.example.com/m.json', PAGE).href).toBe('https://cdn.example.com/m.json');
    expect(resolveModelUrl('http://localhost:8080/m.json', PAGE).href).toBe('http://localhost:8080/m.json');
    expect(pretrainedName('pretrained/default')).toBe('default');
    expect(pretrainedName('pretrained/../x')).toBeUndefined();
  });

  it('refuses every other scheme, credentials and empty or broken addresses, with a message', () => {
    for (const bad of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:application/json,{}', 'file:///etc/passwd', 'blob:https://example.org/1', 'ftp://x/m.json']) {
      expect(() => resolveModelUrl(bad, PAGE), bad).toThrow(ModelUrlError);
      expect(() => resolveModelUrl(bad, PAGE), bad).toThrow(/Only http\(s\) addresses/);
    }
    expect(() => resolveModelUrl('https://user:secret@example.org/m.json', PAGE)).toThrow(/user name or password/);
    expect(() => resolveModelUrl('   ', PAGE)).toThrow(/No model address/);
    expect(() => resolveModelUrl('http://[::1', PAGE)).toThrow(/not a valid address/);
  });

  it('reads the model a page address asks for: the fragment first, then ?weights=', () => {
    expect(linkedModel('https://h/?weights=pretrained%2Fdefault')).toEqual({ kind: 'url', value: 'pretrained/default' });
    expect(linkedModel('https://h/?weights=a.json#w=AbC_-')).toEqual({ kind: 'fragment', text: 'AbC_-' });
    expect(linkedModel('https://h/?preset=tiny')).toBeUndefined();
    expect(linkedModel('https://h/#other')).toBeUndefined();
    expect(linkedModel('https://h/?weights=none')).toBeUndefined();
  });

  it('on opening: the linked model first, nothing for ?weights=none or an address with settings, else the shipped model', () => {
    expect(openingModel('https://h/app/')).toEqual({ kind: 'shipped' });
    expect(openingModel('https://h/app/?backend=wasm&wasmThreads=1')).toEqual({ kind: 'shipped' });
    expect(openingModel('https://h/app/?weights=none')).toEqual({ kind: 'none' });
    expect(openingModel('https://h/app/?preset=tiny&stepsStereo=300')).toEqual({ kind: 'none' });
    expect(openingModel('https://h/app/?width=abc')).toEqual({ kind: 'none' }); // a setting, even unreadable: the visitor came to train
    expect(openingModel('https://h/app/?weights=pretrained%2Fdefault&stepsStereo=60')).toEqual({ kind: 'url', value: 'pretrained/default' });
    expect(openingModel('https://h/app/?stepsStereo=60#w=abc')).toEqual({ kind: 'fragment', text: 'abc' });
  });

  it('the page address carries the settings and the model, keeps other parameters, and drops a #w= that no longer names the model', () => {
    const settings = { ...defaultSettings(), stepsStereo: 60 };
    expect(pageAddress(PAGE, settings)).toBe('/apps/depth/index.html?backend=wasm&stepsStereo=60#w=old');
    expect(pageAddress('https://h/a/?weights=x.json&seed=3', settings)).toBe('/a/?stepsStereo=60&weights=x.json');
    expect(pageAddress(PAGE, settings, { weights: 'pretrained/default', fragment: false })).toBe('/apps/depth/index.html?backend=wasm&stepsStereo=60&weights=pretrained%2Fdefault');
    expect(pageAddress(PAGE, defaultSettings(), { fragment: true })).toBe('/apps/depth/index.html?backend=wasm#w=old');
    expect(pageAddress('https://h/?weights=a.json', defaultSettings(), { weights: 'none', fragment: false })).toBe('/?weights=none');
    expect(pageAddress('https://h/?weights=a.json#w=x&k=1', defaultSettings(), { fragment: false })).toBe('/#k=1');
    expect(linkedModel(`https://h${pageAddress(PAGE, settings, { weights: 'pretrained/default', fragment: false })}`)).toEqual({ kind: 'url', value: 'pretrained/default' });
  });

  it('share links keep the page path, carry the settings and seed, and drop the old query and fragment', () => {
    const settings = { ...defaultSettings(), preset: 'tiny' as const, seed: 7, width: 128, height: 64 };
    const hosted = shareLink(PAGE, settings, { weights: 'https://files.example.com/run 1/model.json' });
    expect(hosted).toBe('https://example.org/apps/depth/index.html?width=128&height=64&preset=tiny&seed=7&weights=https%3A%2F%2Ffiles.example.com%2Frun+1%2Fmodel.json');
    expect(linkedModel(hosted)).toEqual({ kind: 'url', value: 'https://files.example.com/run 1/model.json' });
    const inline = shareLink('http://localhost:4173/', defaultSettings(), { fragment: 'xyz' });
    expect(inline).toBe('http://localhost:4173/#w=xyz');
    expect(linkedModel(inline)).toEqual({ kind: 'fragment', text: 'xyz' });
  });
});

describe('the shipped model', () => {
  it("SHIPPED_MODEL_STEP is the training step in its model.json (a plain visit plans the wasm threads for it)", () => {
    const json = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../public/pretrained/default/model.json'), 'utf8')) as { userDefinedMetadata: { settings: Record<string, unknown> } };
    const { preset, width, height, batch } = json.userDefinedMetadata.settings;
    expect({ preset, width, height, batch }).toEqual({ ...SHIPPED_MODEL_STEP });
  });

  it('the page plans its wasm threads for that step when it opens the shipped model and names no step setting', () => {
    const page = 'https://x.org/app/';
    expect(threadStepFor(page)).toEqual(SHIPPED_MODEL_STEP);
    expect(threadStepFor(`${page}?backend=wasm`)).toEqual(SHIPPED_MODEL_STEP);
    expect(threadStepFor(`${page}?weights=pretrained/default`)).toEqual(SHIPPED_MODEL_STEP);
    expect(threadStepFor(`${page}?weights=pretrained/default&width=128`)).toBeUndefined();
    expect(threadStepFor(`${page}?weights=none`)).toBeUndefined();
    expect(threadStepFor(`${page}?stepsStereo=7`)).toBeUndefined(); // settings without a model: new weights
    expect(threadStepFor(`${page}?weights=https%3A%2F%2Fm.org%2Fmodel.json`)).toBeUndefined();
  });
});
