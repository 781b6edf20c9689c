import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels } from '../backends/wasm';
import { defaultSettings, type TrainSettings } from '../config/settings';
import { layeredScene } from '../testing/scenes';
import { remainingOf, runnerFromModel, runProgressOf } from './modelLoad';
import { Runner } from './runner';
import type { StepReport, TrainScene } from './types';

registerWasmKernels();

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
});

async function scene(id: string): Promise<TrainScene> {
  const s = layeredScene({ H: 64, W: 128, bg: 4, fg: 12, x0: 36, x1: 100, seed: 3 });
  const out: TrainScene = { id, name: id, width: 128, height: 64, leftImg: (await s.leftImg.data()) as Float32Array, rightImg: (await s.rightImg.data()) as Float32Array };
  tf.dispose(Object.values(s));
  return out;
}

const tiny = (o: Partial<TrainSettings> = {}): TrainSettings => ({ ...defaultSettings(), preset: 'tiny', width: 64, height: 32, batch: 1, previewEvery: 1000, ...o });

describe('run progress from untrusted metadata', () => {
  it('keeps valid stage names and steps only', () => {
    expect(runProgressOf({ stages: ['stereo', 'bogus', 'fuse'], done: ['stereo', 7], current: { stage: 'fuse', step: 12 } })).toEqual({ stages: ['stereo', 'fuse'], done: ['stereo'], current: { stage: 'fuse', step: 12 } });
    expect(runProgressOf({ stages: ['distill'], done: [], current: { stage: 'distill', step: -1 } })).toEqual({ stages: ['distill'], done: [] });
    expect(runProgressOf({ stages: [] })).toBeUndefined();
    expect(runProgressOf('x')).toBeUndefined();
  });

  it('what is left: the unfinished stages, starting mid-stage where the run stood', () => {
    expect(remainingOf({ stages: ['stereo', 'distill', 'fuse'], done: [], current: { stage: 'stereo', step: 40 } })).toEqual({ stages: ['stereo', 'distill', 'fuse'], from: { stage: 'stereo', step: 40 } });
    expect(remainingOf({ stages: ['stereo', 'distill', 'fuse'], done: ['stereo'], current: { stage: 'distill', step: 3 } })).toEqual({ stages: ['distill', 'fuse'], from: { stage: 'distill', step: 3 } });
    expect(remainingOf({ stages: ['stereo', 'distill', 'fuse'], done: ['stereo'] })).toEqual({ stages: ['distill', 'fuse'] });
    expect(remainingOf({ stages: ['stereo', 'fuse'], done: ['stereo', 'fuse'] })).toEqual({ stages: [] });
  });
});

describe('runnerFromModel', () => {
  it('a checkpoint taken mid-stage resumes at its step with the same weights, and nothing leaks', async () => {
    const s = await scene('a');
    const settings = tiny({ stepsStereo: 8, stepsDistill: 2 });
    let first!: Runner;
    first = new Runner([s], settings, { onStep: (r) => void (r.step === 5 && first.cancel()) });
    expect(await first.run(['stereo', 'distill'])).toEqual([{ stage: 'stereo', steps: 5, reason: 'cancelled' }]);
    const cp = await first.checkpoint();
    const json = JSON.parse(JSON.stringify(cp.modelJson)) as { userDefinedMetadata: Record<string, unknown> };
    json.userDefinedMetadata.run = { stages: ['stereo', 'distill'], done: [], current: { stage: 'stereo', step: 5 } };
    const expected = await first.predict('a');
    first.dispose();

    const before = tf.memory().numTensors;
    const steps: string[] = [];
    const { runner, run } = await runnerFromModel(json, cp.weightData, [s], settings, { onStep: (r: StepReport) => void steps.push(`${r.stage}:${r.step}/${r.steps}`) });
    expect(Array.from((await runner.predict('a')).stereoDisp!)).toEqual(Array.from(expected.stereoDisp!));
    expect(run).toEqual({ stages: ['stereo', 'distill'], done: [], current: { stage: 'stereo', step: 5 } });
    expect((await runner.predict('a')).singleDisp).toBeUndefined(); // SingleNet untrained: not shown
    const left = remainingOf(run!);
    const ends = await runner.run(left.stages, left.from);
    expect(steps).toEqual(['stereo:6/8', 'stereo:7/8', 'stereo:8/8', 'distill:1/2', 'distill:2/2']);
    expect(ends).toEqual([{ stage: 'stereo', steps: 8, reason: 'done' }, { stage: 'distill', steps: 2, reason: 'done' }]);
    expect(runner.completed).toEqual(['stereo', 'distill']);
    runner.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('pairs that change while the weights are read are the ones the runner gets (a getter, read after the import)', async () => {
    const [a, b] = [await scene('a'), await scene('b')];
    const src = new Runner([a], tiny());
    const cp = await src.checkpoint();
    src.dispose();
    let current = [a];
    const loading = runnerFromModel(cp.modelJson, cp.weightData, () => current, tiny(), {});
    current = [b]; // a setScenes that reached the worker during the import
    const { runner } = await loading;
    expect((await runner.predict('b')).stereoDisp).toBeDefined();
    await expect(runner.predict('a')).rejects.toThrow(/no pair with id "a"/);
    runner.dispose();
  });

  it('a model saved in stage 2 shows SingleNet at once; bad weights create nothing', async () => {
    const s = await scene('b');
    const settings = tiny();
    const src = new Runner([s], settings);
    const cp = await src.checkpoint();
    src.dispose();
    const json = JSON.parse(JSON.stringify(cp.modelJson)) as { userDefinedMetadata: Record<string, unknown> };
    json.userDefinedMetadata.completedStages = ['stereo'];
    json.userDefinedMetadata.run = { stages: ['stereo', 'distill'], done: ['stereo'], current: { stage: 'distill', step: 1 } };
    const before = tf.memory().numTensors;
    const { runner } = await runnerFromModel(json, cp.weightData, [s], settings, {});
    expect(runner.completed).toEqual(['stereo']);
    expect((await runner.predict('b')).singleDisp).toHaveLength(128 * 64);
    runner.dispose();
    const nan = cp.weightData.slice(0);
    new Float32Array(nan)[10] = NaN;
    await expect(runnerFromModel(json, nan, [s], settings, {})).rejects.toThrow(/contains NaN or infinite values/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
