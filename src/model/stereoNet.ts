import * as tf from '@tensorflow/tfjs';
import { correlation1d } from '../core/correlation';
import { upsampleDisparity, upsampleNearest2x } from '../core/resize';
import { warpH } from '../core/warp';
import type { DispT, ImageT } from '../core/types';
import { checkInputSize, type StereoNetConfig } from './config';
import { convLayer, normalizeImage, Params, type ConvLayer } from './layers';

/**
 * StereoNet: PWC-style stereo network (METHOD.md, stage 1).
 * A shared U-Net feature pyramid on both views; from 1/16 resolution down to the finest level,
 * the right features are warped by the upsampled coarser disparity, a 1-D correlation scores
 * a small horizontal search range, and a small decoder predicts a residual disparity; a
 * refinement block sharpens the finest level.
 *
 * Design 'match' (the presets): the network is a matcher from its first step. Features are
 * normalised to unit length, so the correlation is a cosine similarity. The coarsest level's
 * disparity is the soft-argmax over its bins 0..coarseRange of beta * cost + decoder output; each
 * finer level adds the soft-argmax of beta * (its local cost) over -fineRange..fineRange to the
 * decoder's residual; beta is learned per level (starting at BETA0) and every output head starts
 * near zero, so at initialisation the net is a soft winner-take-all coarse-to-fine matcher and
 * learning refines it. A matcher carries over to scenes it never saw, where a regressor of the
 * disparity has to learn to read the cost volume first (issue 22; the PyTorch reference in
 * ../shared/reference/torch reached 5.4 px after 30 s on a Middlebury 2014 scene this way).
 * networks.test.ts checks that an untrained network already finds a shift.
 * Design 'regress' (models saved before it): the coarsest disparity is sigmoid * maxDisp and the
 * residuals tanh * range.
 */
export interface StereoNet {
  readonly config: StereoNetConfig;
  readonly params: Params;
  /**
   * leftImg, rightImg [B, H, W, 3] in [0, 1] (H, W multiples of 16) -> left-view disparities in
   * pixels of their own resolution, [B, h, w, 1] each: index 0 at full resolution (the finest
   * level upsampled), then the finest level itself and every coarser level up to 1/16.
   * The caller disposes the outputs.
   */
  forward(leftImg: ImageT, rightImg: ImageT): DispT[];
  paramCount(): number;
  dispose(): void;
}

/** Pyramid levels, 1 = 1/2 ... 4 = 1/16. */
const COARSEST = 4;
/** The coarsest estimate at initialisation, as a fraction of maxDisp. */
const INIT_FRACTION = 0.125;
/** Largest correction of the refinement block, in pixels of the finest level ('regress'). */
const REFINE_RANGE = 2;
/** The cost volumes' softmax sharpness at initialisation ('match'; learned from there). */
const BETA0 = 10;
/** Scale of the output heads' initial weights ('match'): they start near zero, so the matching drives the estimate. */
const MATCH_HEAD_SCALE = 0.01;

export function buildStereoNet(config: StereoNetConfig): StereoNet {
  const p = new Params(config.seed);
  const match = config.design === 'match';
  const [c1, c2, c3, c4] = config.channels;
  const ch = [0, c1, c2, c3, c4]; // by level
  // Encoder: per level a stride-2 conv and a conv.
  const enc: [ConvLayer, ConvLayer][] = [];
  for (let l = 1; l <= COARSEST; l++) {
    enc[l] = [convLayer(p, `feat/enc${l}a`, l === 1 ? 3 : ch[l - 1], ch[l], { stride: 2, inputGrad: l > 1 }), convLayer(p, `feat/enc${l}b`, ch[l], ch[l])];
  }
  // U-Net decoder: features at level l from upsampled level l+1 concatenated with the encoder's.
  const up: ConvLayer[] = [];
  for (let l = COARSEST - 1; l >= config.finestLevel; l--) up[l] = convLayer(p, `feat/up${l}`, ch[l + 1] + ch[l], ch[l]);
  // Residual disparity decoders per level.
  const dec: ConvLayer[][] = [];
  const d = config.decoder;
  for (let l = COARSEST; l >= config.finestLevel; l--) {
    const corrCh = l === COARSEST ? config.coarseRange + 1 : 2 * config.fineRange + 1;
    const cin = corrCh + ch[l] + (l === COARSEST ? 0 : 1);
    dec[l] = [
      convLayer(p, `disp${l}/conv1`, cin, d),
      convLayer(p, `disp${l}/conv2`, d, d),
      convLayer(p, `disp${l}/conv3`, d, Math.max(8, d / 2)),
      // 'match': the coarsest head gives one logit per disparity bin
      convLayer(p, `disp${l}/out`, Math.max(8, d / 2), match && l === COARSEST ? config.coarseRange + 1 : 1, { act: 'linear' }),
    ];
  }
  const r = config.refine;
  const refine = [
    convLayer(p, 'refine/conv1', ch[config.finestLevel] + 1, r),
    convLayer(p, 'refine/conv2', r, r),
    convLayer(p, 'refine/out', r, 1, { act: 'linear' }),
  ];
  // Small output weights at start, so residuals start near 0, and the coarsest estimate starts
  // at INIT_FRACTION of maxDisp (sigmoid of the bias): starting at half of maxDisp (48 px) put it
  // far beyond typical disparities, and stage 1 overshot into negative disparities where the
  // bounded outputs saturate and stop learning (tsukuba, tiny preset, 128x64 crops).
  for (const name of [...p.vars.keys()].filter((n) => /\/out\/kernel$/.test(n))) {
    const v = p.get(name);
    const scaled = tf.mul(v, match ? MATCH_HEAD_SCALE : 0.1);
    v.assign(scaled);
    scaled.dispose();
  }
  const levels = COARSEST - config.finestLevel + 1;
  const beta = match ? p.add('match/beta', [levels], 1, true) : undefined;
  if (beta) {
    const b0 = tf.fill([levels], BETA0);
    beta.assign(b0);
    b0.dispose();
  } else {
    const coarseBias = p.get(`disp${COARSEST}/out/bias`);
    const bias = tf.fill(coarseBias.shape, Math.log(INIT_FRACTION / (1 - INIT_FRACTION)));
    coarseBias.assign(bias);
    bias.dispose();
  }

  /** A stack of layers on `xs` concatenated on the channels. */
  const run = (layers: ConvLayer[], xs: tf.Tensor4D[]) => layers.slice(1).reduce((h, layer) => layer(h), layers[0].parts(xs));

  /** Shared feature pyramid on a batch: features by level (finest..coarsest used). */
  function features(img: ImageT): tf.Tensor4D[] {
    const e: tf.Tensor4D[] = [];
    let h = normalizeImage(img);
    for (let l = 1; l <= COARSEST; l++) {
      h = enc[l][1](enc[l][0](h));
      e[l] = h;
    }
    const f: tf.Tensor4D[] = [];
    f[COARSEST] = e[COARSEST];
    for (let l = COARSEST - 1; l >= config.finestLevel; l--) {
      f[l] = up[l].parts([upsampleNearest2x(f[l + 1]), e[l]]);
    }
    return f;
  }

  function forward(leftImg: ImageT, rightImg: ImageT): DispT[] {
    const [B, H, W] = leftImg.shape;
    if (rightImg.shape.some((v, i) => v !== leftImg.shape[i])) {
      throw new Error(`StereoNet: left [${leftImg.shape}] and right [${rightImg.shape}] images must have the same shape`);
    }
    checkInputSize(config, H, W);
    return tf.tidy(() => {
      // One pass of the shared pyramid over both views.
      const both = features(tf.concat([leftImg, rightImg], 0) as ImageT);
      const fL: tf.Tensor4D[] = [];
      const fR: tf.Tensor4D[] = [];
      for (let l = config.finestLevel; l <= COARSEST; l++) {
        fL[l] = both[l].slice([0, 0, 0, 0], [B, -1, -1, -1]);
        fR[l] = both[l].slice([B, 0, 0, 0], [B, -1, -1, -1]);
      }
      if (beta) return matchForward(fL, fR);
      const disps: DispT[] = [];
      let disp: DispT | null = null;
      for (let l = COARSEST; l >= config.finestLevel; l--) {
        const maxD = config.maxDisp / 2 ** l;
        if (disp === null) {
          const corr = correlation1d(fL[l], fR[l], 0, config.coarseRange);
          const o = run(dec[l], [corr, fL[l]]);
          disp = tf.mul(tf.sigmoid(o), maxD) as DispT;
        } else {
          const upD = upsampleDisparity(disp, 1);
          const warped = warpH(fR[l], upD, -1, { imageGrad: true });
          const corr = correlation1d(fL[l], warped, -config.fineRange, config.fineRange);
          // The residual is bounded by the search range: a level refines, it does not jump.
          const res = tf.mul(tf.tanh(run(dec[l], [corr, fL[l], tf.div(upD, maxD) as tf.Tensor4D])), config.fineRange);
          disp = tf.add(upD, res) as DispT;
        }
        disps.push(disp);
      }
      const lf = config.finestLevel;
      const finest = disp as DispT;
      const refineIn = [fL[lf], tf.div(finest, config.maxDisp / 2 ** lf) as tf.Tensor4D];
      const refined = tf.add(finest, tf.mul(tf.tanh(run(refine, refineIn)), REFINE_RANGE)) as DispT;
      const full = upsampleDisparity(refined, lf);
      // fine -> coarse after the full-resolution map
      return [full, refined, ...disps.slice(0, -1).reverse()];
    });
  }

  /** Features of unit length over the channels: their correlation (a channel mean) times C is a cosine. */
  const unit = (f: tf.Tensor4D) => tf.div(f, tf.add(tf.sqrt(tf.sum(tf.square(f), 3, true)), 1e-6)) as tf.Tensor4D;
  /** sum_i softmax(logits)_i * values_i over the channels: the expected value of the bins. */
  const softArgmax = (logits: tf.Tensor4D, values: number[]) => tf.sum(tf.mul(tf.softmax(logits), tf.tensor1d(values)), 3, true) as DispT;
  const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

  /** The 'match' design's levels (see the top of this file), inside forward's tidy. */
  function matchForward(fL: tf.Tensor4D[], fR: tf.Tensor4D[]): DispT[] {
    const b = beta!;
    const uL: tf.Tensor4D[] = [];
    const uR: tf.Tensor4D[] = [];
    for (let l = config.finestLevel; l <= COARSEST; l++) [uL[l], uR[l]] = [unit(fL[l]), unit(fR[l])];
    const disps: DispT[] = [];
    let disp: DispT | null = null;
    for (let l = COARSEST; l >= config.finestLevel; l--) {
      const bl = b.slice([COARSEST - l], [1]);
      const C = config.channels[l - 1];
      if (disp === null) {
        const cost = tf.mul(correlation1d(uL[l], uR[l], 0, config.coarseRange), C) as tf.Tensor4D;
        const logits = run(dec[l], [cost, fL[l]]);
        disp = softArgmax(tf.add(tf.mul(cost, bl), logits) as tf.Tensor4D, range(0, config.coarseRange));
      } else {
        const maxD = config.maxDisp / 2 ** l;
        const upD = upsampleDisparity(disp, 1);
        const warped = warpH(uR[l], upD, -1, { imageGrad: true });
        const cost = tf.mul(correlation1d(uL[l], warped, -config.fineRange, config.fineRange), C) as tf.Tensor4D;
        const res = tf.add(run(dec[l], [cost, fL[l], tf.div(upD, maxD) as tf.Tensor4D]), softArgmax(tf.mul(cost, bl) as tf.Tensor4D, range(-config.fineRange, config.fineRange)));
        disp = tf.relu(tf.add(upD, res)) as DispT;
      }
      disps.push(disp);
    }
    const lf = config.finestLevel;
    const finest = disp as DispT;
    const refined = tf.relu(tf.add(finest, run(refine, [fL[lf], tf.div(finest, config.maxDisp / 2 ** lf) as tf.Tensor4D]))) as DispT;
    return [upsampleDisparity(refined, lf), refined, ...disps.slice(0, -1).reverse()];
  }

  return {
    config,
    params: p,
    forward,
    paramCount: () => p.count(),
    dispose: () => p.dispose(),
  };
}
