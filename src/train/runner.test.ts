import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels } from '../backends/wasm';
import { defaultSettings, type TrainSettings } from '../config/settings';
import { constantDisparityBaseline } from '../core/metrics';
import { stereoNetConfig } from '../model/config';
import { importModel } from '../model/io';
import { buildStereoNet } from '../model/stereoNet';
import { layeredScene } from '../testing/scenes';
import { Runner } from './runner';
import type { PreviewMaps, StepReport, TrainScene } from './types';

registerWasmKernels();

// Training runs on wasm, as the CLI and browsers without a GPU do.
beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
});

/** A synthetic textured scene with exact disparities, as plain arrays. */
async function syntheticScene(id: string, seed: number): Promise<TrainScene> {
  const s = layeredScene({ H: 64, W: 128, bg: 4, fg: 12, x0: 36, x1: 100, seed });
  const scene: TrainScene = {
    id, name: id, width: 128, height: 64,
    leftImg: (await s.leftImg.data()) as Float32Array,
    rightImg: (await s.rightImg.data()) as Float32Array,
    gtDisp: (await s.dL.data()) as Float32Array,
    nonOccMask: Uint8Array.from(await s.visible.data()),
  };
  tf.dispose(Object.values(s));
  return scene;
}

const tiny = (o: Partial<TrainSettings> = {}): TrainSettings => ({
  ...defaultSettings(), preset: 'tiny', width: 64, height: 32, batch: 2, previewEvery: 1000, jitter: 0.1, ...o,
});

describe('Runner', () => {
  it('stage 1 learns: StereoNet EPE falls far below its start and below the best constant guess', async () => {
    const scene = await syntheticScene('a', 1);
    const steps: StepReport[] = [];
    // disparities of 4 and 12 px in a 128-px-wide scene: a range of 24 px, not the default 96
    const stereo = buildStereoNet(stereoNetConfig('tiny', { maxDisp: 24 }));
    // Crops of the whole 128x64 scene: 64x32 crops leave the 1/16 level 4x2 pixels, too small
    // to learn from (measured: EPE stalls near the constant guess with them).
    const r = new Runner([scene], tiny({ stepsStereo: 150, lrStereo: 2e-3, width: 128, height: 64, batch: 1 }), { onStep: (s) => void steps.push(s) }, { stereo });
    const before = (await r.evaluate('a')).stereo!.all.epe;
    await r.run(['stereo']);
    const after = (await r.evaluate('a')).stereo!.all.epe;
    const constant = constantDisparityBaseline(scene.gtDisp!).epe;
    console.log(`synthetic stage 1: EPE ${before.toFixed(2)} -> ${after.toFixed(2)} px (best constant ${constant.toFixed(2)})`);
    expect(after).toBeLessThan(0.5 * before);
    expect(after).toBeLessThan(0.5 * constant);
    // the photometric loss went down
    const mean = (xs: StepReport[]) => xs.reduce((a, s) => a + s.losses.photo, 0) / xs.length;
    expect(mean(steps.slice(-20))).toBeLessThan(mean(steps.slice(0, 20)));
    // no tensor leaks across steps
    expect(new Set(steps.slice(5).map((s) => s.memory.numTensors)).size).toBe(1);
    r.dispose();
  });

  it('runs the three stages in order with their budgets and maps appear as stages complete', async () => {
    const scene = await syntheticScene('b', 2);
    const ends: string[] = [];
    const stages: string[] = [];
    const r = new Runner([scene], tiny({ stepsStereo: 3, stepsDistill: 2, stepsFuse: 2 }), {
      onStep: (s) => void stages.push(`${s.stage}:${s.step}/${s.steps}`),
      // stages 2 and 3 announce their one-off label pass before their first step
      onStageStart: (e) => void stages.push(`${e.stage}:start${e.labels ? ' (labels)' : ''}`),
      onStageEnd: (e) => {
        ends.push(`${e.stage}:${e.reason}:${e.steps}`);
      },
    });
    const first = await r.predict('b');
    expect(first.stereoDisp).toHaveLength(128 * 64);
    expect(first.occlusion).toHaveLength(128 * 64);
    expect(first.singleDisp).toBeUndefined(); // SingleNet has not been trained yet
    await r.run();
    expect(stages).toEqual(['stereo:start', 'stereo:1/3', 'stereo:2/3', 'stereo:3/3', 'distill:start (labels)', 'distill:1/2', 'distill:2/2', 'fuse:start (labels)', 'fuse:1/2', 'fuse:2/2']);
    expect(ends).toEqual(['stereo:done:3', 'distill:done:2', 'fuse:done:2']);
    const maps = await r.predict('b');
    for (const k of ['stereoDisp', 'singleDisp', 'occlusion', 'fusedDisp'] as const) {
      expect(maps[k], k).toHaveLength(128 * 64);
      expect(maps[k]!.every(Number.isFinite), k).toBe(true);
    }
    // the fused map is the stereo map where visible, and where occluded the single map brought to the stereo map's
    // scale by the least-squares fit on the visible pixels (src/core/fusion.ts, alignSingle)
    const vis = [...maps.occlusion!.keys()].filter((i) => maps.occlusion![i] <= 0.5);
    const mean = (f: (i: number) => number) => vis.reduce((a, i) => a + f(i), 0) / vis.length;
    const ms = mean((i) => maps.singleDisp![i]), md = mean((i) => maps.stereoDisp![i]);
    const varS = mean((i) => maps.singleDisp![i] ** 2) - ms ** 2;
    const a = Math.min(4, Math.max(0.25, (mean((i) => maps.singleDisp![i] * maps.stereoDisp![i]) - ms * md) / varS));
    const b = md - a * ms;
    maps.fusedDisp!.forEach((v, i) => expect(v).toBeCloseTo(maps.occlusion![i] > 0.5 ? Math.max(0, a * maps.singleDisp![i] + b) : maps.stereoDisp![i], 2));
    r.dispose();
  });

  it('with a time budget, the stages share it (50/30/20, label passes included) and ignore the step counts; paused time does not count', async () => {
    const scene = await syntheticScene('t', 4);
    const budget = 6;
    const reports: StepReport[] = [];
    const ends: { stage: string; at: number; reason: string; steps: number }[] = [];
    let paused = false;
    const r = new Runner([scene], tiny({ stepsStereo: 1, stepsDistill: 1, stepsFuse: 1, budgetSeconds: budget }), {
      onStep: (s) => {
        reports.push(s);
        // one pause of 1.5 s in stage 2: wall time grows, the budget's clock does not
        if (s.stage === 'distill' && !paused) {
          paused = true;
          r.pause();
          setTimeout(() => r.resume(), 1500);
        }
      },
      onStageEnd: (e) => void ends.push({ stage: e.stage, at: performance.now(), reason: e.reason, steps: e.steps }),
    });
    const t0 = performance.now();
    await r.run();
    expect(ends.map((e) => `${e.stage}:${e.reason}`)).toEqual(['stereo:done', 'distill:done', 'fuse:done']);
    // far more steps than the step counts (1 each): the budget rules
    for (const e of ends) expect(e.steps).toBeGreaterThan(1);
    // each stage's share is reached, and overrun by at most one step (steps here take well under 1 s)
    const durations = ends.map((e, i) => (e.at - (i === 0 ? t0 : ends[i - 1].at)) / 1000);
    const shares = [0.5, 0.3, 0.2].map((f) => f * budget);
    expect(durations[0]).toBeGreaterThanOrEqual(shares[0] - 0.05);
    expect(durations[0]).toBeLessThan(shares[0] + 1);
    expect(durations[1]).toBeGreaterThanOrEqual(shares[1] + 1.5 - 0.05); // its pause came on top
    expect(durations[2]).toBeLessThan(shares[2] + 1);
    // reports carry the share and the time left of it
    const last = reports.filter((x) => x.stage === 'stereo').at(-1)!;
    expect(last.budgetSec).toBeCloseTo(shares[0], 6);
    expect(last.etaSec).toBeLessThan(1);
    r.dispose();
  }, 60_000);

  it('on wasm, refuses a crop too large for its heap before the first step, and can run again with one that fits', async () => {
    const scene = await syntheticScene('m', 5);
    const seen: number[] = [];
    const r = new Runner([scene], tiny({ preset: 'default', width: 1216, height: 256, stepsStereo: 2 }), { onStep: (s) => void seen.push(s.step) });
    const before = tf.memory().numTensors;
    await expect(r.run(['stereo'])).rejects.toThrow(/^Training crops of 1216x256 with batch 2 need about 8\.\d GB .* use crops of 1216x128, or batch 1, or a GPU \(WebGPU\)\.$/);
    expect(seen).toEqual([]);
    expect(r.state).toBe('idle');
    expect(tf.memory().numTensors).toBe(before);
    // the same runner and weights go on once the settings fit
    r.setSettings(tiny({ preset: 'default', stepsStereo: 2 }));
    await r.run(['stereo']);
    expect(seen).toEqual([1, 2]);
    r.dispose();
  });

  it('pauses, resumes and cancels between steps', async () => {
    const scene = await syntheticScene('c', 3);
    let r!: Runner;
    const seen: number[] = [];
    r = new Runner([scene], tiny({ stepsStereo: 50 }), {
      onStep: (s) => {
        seen.push(s.step);
        if (s.step === 2) {
          r.pause();
          setTimeout(() => {
            expect(seen).toEqual([1, 2]); // nothing ran while paused
            expect(r.state).toBe('paused');
            r.resume();
          }, 50);
        }
        if (s.step === 4) r.cancel();
      },
    });
    const ends = await r.run(['stereo', 'distill']);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(ends).toEqual([{ stage: 'stereo', steps: 4, reason: 'cancelled' }]);
    expect(r.state).toBe('idle');
    r.dispose();
  });

  it('starts paused when asked (a run going on after a lost device that the user had paused)', async () => {
    const scene = await syntheticScene('p', 4);
    const seen: number[] = [];
    const r = new Runner([scene], tiny({ stepsStereo: 3 }), { onStep: (s) => void seen.push(s.step) });
    const done = r.run(['stereo'], { stage: 'stereo', step: 1 }, { paused: true });
    await new Promise((res) => setTimeout(res, 100));
    expect(r.state).toBe('paused');
    expect(seen).toEqual([]);
    r.resume();
    expect(await done).toEqual([{ stage: 'stereo', steps: 3, reason: 'done' }]);
    expect(seen).toEqual([2, 3]);
    r.dispose();
  });

  it('hands over a checkpoint that rebuilds the same networks, with settings and progress', async () => {
    const scene = await syntheticScene('d', 4);
    const settings = tiny({ stepsStereo: 2, seed: 9 });
    const r = new Runner([scene], settings);
    await r.run(['stereo']);
    const { modelJson, weightData } = await r.checkpoint();
    const { nets, modelJson: back } = await importModel(JSON.parse(JSON.stringify(modelJson)), [weightData]);
    expect(back.userDefinedMetadata.settings).toEqual(settings);
    expect(back.userDefinedMetadata.completedStages).toEqual(['stereo']);
    const again = new Runner([scene], settings, {}, nets);
    const [a, b] = [await r.predict('d'), await again.predict('d')];
    expect(Array.from(b.stereoDisp!)).toEqual(Array.from(a.stereoDisp!));
    r.dispose();
    again.dispose();
  });
});

describe('Runner data changes', () => {
  it('takes new scenes mid-run at the next step without breaking the run, and shows SingleNet from stage 2 on', async () => {
    const a = await syntheticScene('a', 5);
    const b = await syntheticScene('b', 6);
    let r!: Runner;
    const previews: { stage: string; single: boolean }[] = [];
    let stage = '';
    r = new Runner([a], tiny({ stepsStereo: 4, stepsDistill: 2, stepsFuse: 0, previewEvery: 1 }), {
      onStep: (s) => {
        stage = s.stage;
        if (s.stage === 'stereo' && s.step === 2) r.setScenes([b]);
      },
      onPreview: (p) => void previews.push({ stage, single: !!p.singleDisp }),
    });
    const ends = await r.run();
    expect(ends.map((e) => e.reason)).toEqual(['done', 'done', 'done']);
    expect((await r.predict('b')).stereoDisp).toHaveLength(128 * 64);
    await expect(r.predict('a')).rejects.toThrow(/no pair with id "a"/);
    expect(previews.filter((p) => p.stage === 'stereo').every((p) => !p.single)).toBe(true);
    expect(previews.filter((p) => p.stage === 'distill').every((p) => p.single)).toBe(true);
    r.dispose();
  });
});

describe('Runner previews are the model\'s answer', () => {
  /** A pair 4x wider than the 64-px crops: the old previews ran at twice the crop width (128 px), a different answer. */
  async function widePair(id: string, seed = 9): Promise<TrainScene> {
    const s = layeredScene({ H: 64, W: 256, bg: 4, fg: 12, x0: 70, x1: 190, seed });
    const scene: TrainScene = { id, name: id, width: 256, height: 64, leftImg: (await s.leftImg.data()) as Float32Array, rightImg: (await s.rightImg.data()) as Float32Array };
    tf.dispose(Object.values(s));
    return scene;
  }
  const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

  it('each preview during a run equals predict() with the same weights, at full resolution', async () => {
    const pair = await widePair('w');
    let r!: Runner;
    // predict() started inside onPreview runs its forward passes before the next step changes the weights
    const pairs: Promise<[PreviewMaps, PreviewMaps]>[] = [];
    r = new Runner([pair], tiny({ stepsStereo: 3, stepsDistill: 2, stepsFuse: 2, previewEvery: 1 }), {
      onPreview: (p) => void pairs.push(r.predict(p.sceneId).then((q) => [p, q])),
    });
    await r.run();
    expect(pairs.length).toBe(7);
    // The first preview (nothing measured yet) is always full resolution; later ones are too while a full pass
    // fits the preview time (800 ms: always at this size, unless the machine is very loaded), and any that is
    // not says so (scale).
    const got = await Promise.all(pairs);
    expect(got[0][0].scale).toBeUndefined();
    for (const [live, after] of got) {
      expect(live.width).toBe(256);
      if (live.scale !== undefined) {
        expect(live.scale).toBeLessThan(1);
        continue;
      }
      for (const k of ['stereoDisp', 'occlusion', 'singleDisp', 'fusedDisp'] as const) {
        expect(live[k] === undefined, k).toBe(after[k] === undefined);
        if (live[k]) expect(maxDiff(live[k], after[k]!), `${k} at ${live.at?.stage} ${live.at?.step}`).toBeLessThanOrEqual(1e-5);
      }
    }
    console.log(`previews at full resolution: ${got.filter(([p]) => p.scale === undefined).length} of ${got.length}`);
    expect((await Promise.all(pairs)).map(([p]) => p.at)).toEqual([
      { stage: 'stereo', step: 1 }, { stage: 'stereo', step: 2 }, { stage: 'stereo', step: 3 },
      { stage: 'distill', step: 1 }, { stage: 'distill', step: 2 }, { stage: 'fuse', step: 1 }, { stage: 'fuse', step: 2 },
    ]);
    r.dispose();
  });

  it('a paused run sends the full-resolution maps of the weights it holds, and of a pair chosen while paused', async () => {
    const pair = await widePair('w');
    const other = await widePair('v', 10);
    let r!: Runner;
    const paused: PreviewMaps[] = [];
    let wake: () => void = () => undefined;
    // previewEvery 1000 and fast steps: no preview is due before the pause, so any that comes is the pause's
    r = new Runner([pair, other], tiny({ stepsStereo: 20, previewEvery: 1000 }), {
      onStep: (s) => {
        if (s.step === 3) r.pause();
      },
      onPreview: (p) => {
        if (r.state === 'paused') paused.push(p);
        wake();
      },
    });
    r.setPreviewScene('w');
    const done = r.run(['stereo']);
    const next = () => new Promise<void>((resolve) => (wake = resolve));
    await next();
    expect(paused.map((p) => [p.sceneId, p.at, p.scale])).toEqual([['w', { stage: 'stereo', step: 3 }, undefined]]);
    const after = await r.predict('w');
    expect(maxDiff(paused[0].stereoDisp!, after.stereoDisp!)).toBeLessThanOrEqual(1e-5);
    r.setPreviewScene('v');
    await next();
    expect(paused.map((p) => p.sceneId)).toEqual(['w', 'v']);
    expect(maxDiff(paused[1].stereoDisp!, (await r.predict('v')).stereoDisp!)).toBeLessThanOrEqual(1e-5);
    r.resume();
    await done;
    expect(paused.length).toBe(2); // no more previews while it was paused
    r.dispose();
  });
});
