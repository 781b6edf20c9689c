// Seeded data pipeline: random crops of a fixed size from the scenes, photometric jitter
// applied to both views alike, and left-right flip with view swap. Same settings and seed,
// same batches, on every backend.
import * as tf from '@tensorflow/tfjs';
import { flipH } from '../core/mirror';
import type { ImageT } from '../core/types';
import { mulberry32 } from '../util/random';
import type { TrainScene } from './types';

export interface PipelineSettings {
  width: number;
  height: number;
  batch: number;
  jitter: number;
  flip: boolean;
  seed: number;
}

/** A scene uploaded to the backend once: [1, H, W, 3] per view. */
export interface SceneTensors {
  scene: TrainScene;
  leftImg: ImageT;
  rightImg: ImageT;
}

export function uploadScene(scene: TrainScene): SceneTensors {
  const n = scene.width * scene.height * 3;
  if (scene.leftImg.length !== n || scene.rightImg.length !== n) {
    throw new Error(`scene "${scene.name}": images must be ${scene.width}x${scene.height} RGB (${n} values), got ${scene.leftImg.length} and ${scene.rightImg.length}`);
  }
  return {
    scene,
    leftImg: tf.tensor4d(scene.leftImg, [1, scene.height, scene.width, 3]),
    rightImg: tf.tensor4d(scene.rightImg, [1, scene.height, scene.width, 3]),
  };
}

/** One training batch: [B, h, w, 3] per view, and the crops it was cut from. The caller disposes it. */
export interface Batch {
  leftImg: ImageT;
  rightImg: ImageT;
  /** Where each crop came from, indexing `scenes` (stages 2 and 3 cut their labels the same way). */
  plan: CropPlan[];
  scenes: SceneTensors[];
}

/** What one crop of a batch is, drawn from the PRNG before any tensor work (and testable without it). */
export interface CropPlan {
  scene: number;
  x: number;
  y: number;
  flip: boolean;
  /** Per-view-pair jitter: brightness add, contrast gain, per-channel gains. */
  brightness: number;
  contrast: number;
  colour: [number, number, number];
}

export class CropSampler {
  private readonly rand: () => number;

  constructor(private readonly scenes: SceneTensors[], private readonly s: PipelineSettings) {
    if (scenes.length === 0) throw new Error('no stereo pairs to train on: add at least one pair');
    for (const { scene } of scenes) {
      if (scene.width < s.width || scene.height < s.height) {
        throw new Error(`pair "${scene.name}" is ${scene.width}x${scene.height}, smaller than the ${s.width}x${s.height} training crop: lower the crop size to at most ${Math.floor(scene.width / 32) * 32}x${Math.floor(scene.height / 32) * 32}`);
      }
    }
    this.rand = mulberry32(s.seed * 9973 + 17);
  }

  /** The next batch's crops (advances the PRNG). */
  plan(): CropPlan[] {
    const r = this.rand;
    const j = this.s.jitter;
    return Array.from({ length: this.s.batch }, () => {
      const scene = Math.floor(r() * this.scenes.length);
      const { width, height } = this.scenes[scene].scene;
      return {
        scene,
        x: Math.floor(r() * (width - this.s.width + 1)),
        y: Math.floor(r() * (height - this.s.height + 1)),
        flip: this.s.flip && r() < 0.5,
        brightness: (r() * 2 - 1) * j * 0.5,
        contrast: 1 + (r() * 2 - 1) * j,
        colour: [1 + (r() * 2 - 1) * j * 0.5, 1 + (r() * 2 - 1) * j * 0.5, 1 + (r() * 2 - 1) * j * 0.5],
      };
    });
  }

  /** Cuts the planned crops out of the uploaded scenes. */
  batch(plan: CropPlan[] = this.plan()): Batch {
    const views = tf.tidy(() => {
      const lefts: ImageT[] = [];
      const rights: ImageT[] = [];
      for (const c of plan) {
        const st = this.scenes[c.scene];
        const cut = (img: ImageT) => img.slice([0, c.y, c.x, 0], [1, this.s.height, this.s.width, 3]);
        let l = cut(st.leftImg);
        let r = cut(st.rightImg);
        if (c.flip) [l, r] = [flipH(r), flipH(l)]; // a mirrored pair: the right view becomes the left
        const jitter = (img: ImageT) => {
          if (this.s.jitter === 0) return img;
          const gain = tf.tensor1d(c.colour.map((g) => g * c.contrast));
          // contrast about mid-grey, brightness shift, per-channel gain; clipped to [0, 1]
          return tf.clipByValue(tf.add(tf.mul(tf.sub(img, 0.5), gain), 0.5 + c.brightness), 0, 1) as ImageT;
        };
        lefts.push(jitter(l));
        rights.push(jitter(r));
      }
      return { leftImg: tf.concat(lefts, 0) as ImageT, rightImg: tf.concat(rights, 0) as ImageT };
    });
    return { ...views, plan, scenes: this.scenes };
  }
}
