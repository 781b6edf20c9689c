// Corpus training: reading a corpus folder (bad pairs skipped with their name, greyscale as three
// channels) and a schedule continued from its checkpoint matching one that never stopped.
import * as tf from '@tensorflow/tfjs';
import { encode as encodePng } from 'fast-png';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSettings, type StageName } from '../src/config/settings';
import { singleNetConfig, stereoNetConfig } from '../src/model/config';
import { buildSingleNet } from '../src/model/singleNet';
import { buildStereoNet } from '../src/model/stereoNet';
import { exportModel, importModel } from '../src/model/io';
import { trainCorpus } from './corpus';
import { loadRunState } from './corpusCheckpoint';
import { loadCorpus } from './corpusLoad';

let root: string;

/** A smooth random texture and its copy shifted by `shift` pixels (left x matches right x - shift). */
function writePair(dir: string, w: number, h: number, opts: { channels?: 1 | 3; shift?: number; rightWidth?: number; seed?: number } = {}): void {
  mkdirSync(dir, { recursive: true });
  const ch = opts.channels ?? 3;
  const shift = opts.shift ?? 4;
  let s = opts.seed ?? 1;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const W = w + shift + 8;
  const tex = Array.from({ length: h * W * ch }, () => Math.floor(rnd() * 256));
  const view = (off: number, width: number) => {
    const d = new Uint8Array(width * h * ch);
    for (let y = 0; y < h; y++) for (let x = 0; x < width; x++) for (let c = 0; c < ch; c++) d[(y * width + x) * ch + c] = tex[(y * W + Math.min(W - 1, x + off)) * ch + c];
    return d;
  };
  writeFileSync(join(dir, 'left.png'), encodePng({ width: w, height: h, data: view(0, w), channels: ch, depth: 8 }));
  const rw = opts.rightWidth ?? w;
  writeFileSync(join(dir, 'right.png'), encodePng({ width: rw, height: h, data: view(shift, rw), channels: ch, depth: 8 }));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'rd-corpus-'));
  writePair(join(root, 'indoor-a'), 96, 64, { seed: 1 });
  writePair(join(root, 'indoor-b'), 96, 64, { seed: 2 });
  writePair(join(root, 'driving-grey'), 128, 64, { channels: 1, seed: 3 });
  writePair(join(root, 'outdoor-sizes'), 96, 64, { rightWidth: 90, seed: 4 });
  mkdirSync(join(root, 'outdoor-broken'));
  writeFileSync(join(root, 'outdoor-broken', 'left.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  writeFileSync(join(root, 'outdoor-broken', 'right.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('loadCorpus', () => {
  it('reads every good pair as 8-bit RGB and skips a damaged one or mismatched views with a message naming it', async () => {
    const messages: string[] = [];
    const { pairs, skipped } = await loadCorpus(root, { log: (m) => messages.push(m) });
    expect(pairs.map((p) => p.name).sort()).toEqual(['driving-grey', 'indoor-a', 'indoor-b']);
    expect(skipped.sort()).toEqual(['outdoor-broken', 'outdoor-sizes']);
    expect(messages.some((m) => m.startsWith('skipped outdoor-broken:'))).toBe(true);
    expect(messages.some((m) => m.startsWith('skipped outdoor-sizes:'))).toBe(true);
    for (const p of pairs) {
      expect(p.left).toBeInstanceOf(Uint8Array);
      expect(p.left.length).toBe(p.width * p.height * 3);
    }
    // no index.json: the domain is the name up to its first '-', and the largest disparity an estimate
    const grey = pairs.find((p) => p.name === 'driving-grey')!;
    expect(grey.domain).toBe('driving');
    expect(grey.dispMaxKnown).toBe(false);
    for (let i = 0; i < grey.left.length; i += 3) expect(grey.left[i] === grey.left[i + 1] && grey.left[i] === grey.left[i + 2]).toBe(true);
    const held = await loadCorpus(root, { exclude: ['indoor-a'], log: () => {} });
    expect(held.pairs.map((p) => p.name)).not.toContain('indoor-a');
  });
});

describe('trainCorpus', () => {
  const settings = validateSettings({ preset: 'tiny', width: 64, height: 32, batch: 1, stepsStereo: 6, stepsDistill: 4, stepsFuse: 2, seed: 5 }).settings;

  async function run(out: string | undefined, stages: StageName[], resume: boolean, stopAfter?: number, weights?: { modelJson: unknown; weightData: ArrayBuffer }) {
    const nets = weights ? (await importModel(weights.modelJson, [weights.weightData])).nets : { stereo: buildStereoNet(stereoNetConfig('tiny', { seed: 5 })), single: buildSingleNet(singleNetConfig('tiny', { seed: 6 })) };
    const stereo = nets.stereo!;
    const single = nets.single!;
    let saved: { modelJson: unknown; weightData: ArrayBuffer } | undefined;
    let steps = 0;
    const completed: StageName[] = [];
    await trainCorpus({
      dir: root, stages, settings, stereo, single, out, resume, checkpointEvery: 1e9, evalEvery: 0, exclude: [], completed,
      saveModel: async (_d, done, progress) => { saved = await exportModel({ stereo, single }, { settings, completedStages: [...done], ...(progress ? { progress } : {}) }); },
      shouldStop: () => stopAfter !== undefined && steps++ >= stopAfter,
    });
    const w = await exportModel({ stereo, single }, { settings, completedStages: completed });
    stereo.dispose();
    single.dispose();
    return { final: new Float32Array(w.weightData), saved };
  }

  it('continued from its checkpoint (weights, Adam moments, step), ends where an uninterrupted run ends', async () => {
    const whole = await run(undefined, ['stereo'], false);
    const out = mkdtempSync(join(tmpdir(), 'rd-corpus-run-'));
    try {
      // stopped part-way: a checkpoint with the step and the optimiser's state
      const first = await run(out, ['stereo'], false, 3);
      const state = await loadRunState(join(out, 'checkpoint'));
      expect(state?.state).toMatchObject({ stage: 'stereo', steps: 6 });
      expect(state!.state.step).toBeGreaterThan(0);
      expect(state!.state.step).toBeLessThan(6);
      expect(state!.adam.t).toBe(state!.state.step);
      expect(Object.keys(state!.adam.moments).length).toBeGreaterThan(10);
      // a fresh process would load the checkpoint's weights and continue
      const second = await run(out, ['stereo'], true, undefined, first.saved);
      let maxDiff = 0;
      for (let i = 0; i < whole.final.length; i++) maxDiff = Math.max(maxDiff, Math.abs(whole.final[i] - second.final[i]));
      expect(maxDiff).toBeLessThan(1e-5);
      // and it differs from a run that restarted without the optimiser's state
      const fresh = await run(undefined, ['stereo'], false, undefined, first.saved);
      let freshDiff = 0;
      for (let i = 0; i < whole.final.length; i++) freshDiff = Math.max(freshDiff, Math.abs(whole.final[i] - fresh.final[i]));
      expect(freshDiff).toBeGreaterThan(1e-4);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  it('runs stages 2 and 3 on context-labelled crops and finishes them', async () => {
    const r = await run(undefined, ['stereo', 'distill', 'fuse'], false);
    expect(r.final.every(Number.isFinite)).toBe(true);
  }, 120_000);
});
