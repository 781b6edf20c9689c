import * as tf from '@tensorflow/tfjs';
import { upsampleNearest2x } from '../core/resize';
import type { DispT, ImageT } from '../core/types';
import { checkInputSize, type SingleNetConfig } from './config';
import { convLayer, normalizeImage, Params, type ConvLayer } from './layers';

/**
 * SingleNet: monocular encoder-decoder (U-Net) on the left image (METHOD.md, stage 2).
 * Each output is sigmoid(head) * maxDisp / 2^level, in pixels of that output's resolution.
 */
export interface SingleNet {
  readonly config: SingleNetConfig;
  readonly params: Params;
  /**
   * leftImg [B, H, W, 3] in [0, 1] (H, W multiples of 32) -> disparities in pixels of their own
   * resolution: index 0 at full resolution, then 1/2, 1/4, 1/8. The caller disposes the outputs.
   */
  forward(leftImg: ImageT): DispT[];
  paramCount(): number;
  dispose(): void;
}

/** Decoder levels that have a disparity head (0 = full resolution). */
const HEAD_LEVELS = [0, 1, 2, 3];

/** The heads' initial output as a fraction of their maximum (see buildSingleNet). */
const INIT_FRACTION = 0.125;

export function buildSingleNet(config: SingleNetConfig): SingleNet {
  const p = new Params(config.seed);
  const e = [3, ...config.encoder]; // e[l] = channels at level l (1/2^l), e[0] = input
  const dch = config.decoder; // dch[l] at level l, l = 0..4
  const enc: [ConvLayer, ConvLayer][] = [];
  for (let l = 1; l <= 5; l++) enc[l] = [convLayer(p, `enc${l}a`, e[l - 1], e[l], { stride: 2, inputGrad: l > 1 }), convLayer(p, `enc${l}b`, e[l], e[l])];
  // Decoder step for level l (from level l+1): conv, nearest 2x, concat encoder skip (if any), conv.
  const decA: ConvLayer[] = [];
  const decB: ConvLayer[] = [];
  const heads: ConvLayer[] = [];
  for (let l = 4; l >= 0; l--) {
    const below = l === 4 ? e[5] : dch[l + 1];
    decA[l] = convLayer(p, `dec${l}a`, below, dch[l]);
    decB[l] = convLayer(p, `dec${l}b`, dch[l] + (l > 0 ? e[l] : 0), dch[l]);
    if (HEAD_LEVELS.includes(l)) heads[l] = convLayer(p, `head${l}`, dch[l], 1, { act: 'linear' });
  }

  // Start every head near maxDisp/8 (12 px at full resolution for maxDisp 96) with small
  // weights, as StereoNet's coarsest estimate does. From the old start (sigmoid(0): half of
  // maxDisp, 48 px) stage 2 drove the heads deep into the sigmoid's flat tail on scenes with
  // small disparities and they never came back (tsukuba and venus: SingleNet output ~0 px,
  // bad-3 100 %, after 200 steps).
  for (const l of HEAD_LEVELS) {
    const k = p.get(`head${l}/kernel`);
    const scaled = tf.mul(k, 0.1);
    k.assign(scaled);
    scaled.dispose();
    const b = p.get(`head${l}/bias`);
    const start = tf.fill(b.shape, Math.log(INIT_FRACTION / (1 - INIT_FRACTION)));
    b.assign(start);
    start.dispose();
  }

  function forward(leftImg: ImageT): DispT[] {
    const [, H, W] = leftImg.shape;
    checkInputSize(config, H, W);
    return tf.tidy(() => {
      const skips: tf.Tensor4D[] = [];
      let h = normalizeImage(leftImg);
      for (let l = 1; l <= 5; l++) {
        h = enc[l][1](enc[l][0](h));
        skips[l] = h;
      }
      const out: DispT[] = [];
      for (let l = 4; l >= 0; l--) {
        const x = upsampleNearest2x(decA[l](h));
        h = l > 0 ? decB[l].parts([x, skips[l]]) : decB[l](x);
        if (heads[l]) out[l] = tf.mul(tf.sigmoid(heads[l](h)), config.maxDisp / 2 ** l) as DispT;
      }
      return HEAD_LEVELS.map((l) => out[l]);
    });
  }

  return { config, params: p, forward, paramCount: () => p.count(), dispose: () => p.dispose() };
}
