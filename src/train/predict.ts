// Whole-image predictions of every map for display and evaluation.
import * as tf from '@tensorflow/tfjs';
import { refineEdges } from '../core/edgeRefine';
import { refineByMatching } from '../core/matchRefine';
import { alignSingle, fuseDisparity } from '../core/fusion';
import { rightDisparities } from '../core/mirror';
import { occlusionMap, visibilityMask } from '../core/occlusion';
import { resizeDisparity } from '../core/resize';
import { inferenceFactor, percentile95 } from './inferScale';
import type { DispT, ImageT, MapT } from '../core/types';
import type { SingleNet } from '../model/singleNet';
import type { StereoNet } from '../model/stereoNet';
import type { SceneTensors } from './pipeline';
import type { PreviewMaps } from './types';

export interface PredictNets {
  stereo?: StereoNet;
  single?: SingleNet;
}

/** Pads H and W up to multiples of `m` by mirroring the last rows/columns (right and bottom). */
export function padTo(img: ImageT, m: number): ImageT {
  const [, H, W] = img.shape;
  const ph = (m - (H % m)) % m;
  const pw = (m - (W % m)) % m;
  if (ph === 0 && pw === 0) return img;
  return tf.mirrorPad(img, [[0, 0], [0, ph], [0, pw], [0, 0]], 'symmetric') as ImageT;
}

/** A view brought to size [h, w] (bilinear, when it differs) and padded to a multiple of 32, as the networks take it. */
export function viewAt(img: ImageT, [h, w]: [number, number]): ImageT {
  const [, H, W] = img.shape;
  return padTo(h === H && w === W ? img : (tf.image.resizeBilinear(img, [h, w], false, true) as ImageT), 32);
}

/** A disparity predicted at a reduced size brought back to the scene's [H, W] (values scaled with the width). */
export function disparityAtScene(d: DispT, H: number, W: number): DispT {
  return d.shape[1] === H && d.shape[2] === W ? d : resizeDisparity(d, H, W);
}

/**
 * Predicts the maps of one scene: StereoNet's left disparity, the occlusion map from its
 * left-right consistency (1 = occluded or out of view), SingleNet's disparity and the fused map.
 * The networks run at the scene's size (padded to a multiple of 32) or, with `scale` < 1 (a
 * preview that could not afford full resolution), on the scene resized by that factor; the maps
 * are returned at the scene's full size either way, disparities in its pixels, and say their
 * `scale` when it is not 1. The networks are not scale-equivariant: only scale 1 is the answer
 * that evaluation and the final maps give.
 */
export async function predictMaps(nets: PredictNets, st: SceneTensors, scale = 1, tolerancePx?: number): Promise<PreviewMaps> {
  if (!(scale > 0 && scale <= 1)) throw new Error(`predictMaps: scale must be in (0, 1], got ${scale}`);
  const { width: W, height: H } = st.scene;
  const w1 = Math.max(32, Math.round(W * scale));
  const h1 = Math.max(32, Math.round(H * scale));
  const f = w1 / W;
  const maps = tf.tidy(() => {
    const prep = (img: ImageT) => viewAt(img, [h1, w1]);
    const l = prep(st.leftImg);
    const r = prep(st.rightImg);
    const crop = (t: tf.Tensor4D) => t.slice([0, 0, 0, 0], [1, h1, w1, 1]);
    const toScene = (d: DispT) => disparityAtScene(crop(d), H, W);
    const out: Record<string, tf.Tensor4D> = {};
    let dL: DispT | undefined;
    let M: MapT | undefined;
    if (nets.stereo) {
      const stereo = nets.stereo;
      dL = stereo.forward(l, r)[0];
      const dR = rightDisparities((a, b) => [stereo.forward(a, b)[0]], l, r)[0];
      // at the prediction width, the tolerance in scene pixels becomes tolerance * f
      M = visibilityMask(dL, dR, f, 'left', tolerancePx);
      out.stereoDisp = toScene(dL);
      const occ = crop(occlusionMap(M));
      out.occlusion = w1 !== W || h1 !== H ? (tf.image.resizeNearestNeighbor(occ, [H, W], false, true) as tf.Tensor4D) : occ;
    }
    if (nets.single) {
      const dS = nets.single.forward(l)[0];
      out.singleDisp = toScene(dS);
      // SingleNet at StereoNet's scale (src/core/fusion.ts, alignSingle)
      if (dL && M) out.fusedDisp = toScene(fuseDisparity(dL, alignSingle(dS, dL, M), M));
    }
    return out;
  });
  const result: PreviewMaps = { sceneId: st.scene.id, width: W, height: H, ...(scale < 1 ? { scale } : {}) };
  for (const [k, t] of Object.entries(maps)) {
    (result as unknown as Record<string, Float32Array>)[k] = (await t.data()) as Float32Array;
    t.dispose();
  }
  return result;
}

/** The full-resolution refinements of an answer's final maps (settings matchRefine and edgeRefine; 0: off). */
export interface Refinement {
  matchRefine: number;
  edgeRefine: number;
}
export const NO_REFINEMENT: Refinement = { matchRefine: 0, edgeRefine: 0 };

/**
 * The maps of a scene as its answer: predictMaps at its own size, then, with `auto`, once more on the
 * scene resampled by the factor src/train/inferScale.ts chooses from that first StereoNet answer (when it
 * is not 1), StereoNet's map, the occlusion map and the fused map brought back to the scene's size and
 * pixels. `factor` in the result says which. SingleNet's own map stays the one at the pair's size: one
 * image does not tell the scale, so SingleNet's answer in pixels does not grow with the image (a SingleNet
 * adapted to tsukuba: 0.94 px at its size, 2.99 at 2x); the fused map aligns it to StereoNet either way.
 * StereoNet's and the fused map are then refined at the pair's size as `refine` asks (refineAnswer).
 */
export async function predictAnswer(nets: PredictNets, st: SceneTensors, tolerancePx: number | undefined, auto: boolean, refine: Refinement = NO_REFINEMENT): Promise<PreviewMaps> {
  return refineAnswer(await predictAtScale(nets, st, tolerancePx, auto), st.scene, refine);
}

/**
 * The answer's StereoNet and fused maps refined at full resolution: first each pixel moved onto its best match within
 * `matchRefine` px (src/core/matchRefine.ts), then the depth edges moved onto the left image's with an `edgeRefine` px
 * weighted median (src/core/edgeRefine.ts). In this order because the weighted median also clears the odd pixel the
 * matching moved wrongly (results/match-refine/). SingleNet's own map and the occlusion map stay as predicted.
 */
export function refineAnswer(maps: PreviewMaps, scene: { leftImg: Float32Array; rightImg: Float32Array; width: number; height: number }, refine: Refinement): PreviewMaps {
  const { matchRefine, edgeRefine } = refine;
  if (matchRefine <= 0 && edgeRefine <= 0) return maps;
  const out: PreviewMaps = { ...maps };
  if (matchRefine > 0) out.matchRefine = matchRefine;
  if (edgeRefine > 0) out.edgeRefine = edgeRefine;
  const { width: W, height: H } = scene;
  for (const k of ['stereoDisp', 'fusedDisp'] as const) {
    let d = maps[k];
    if (!d) continue;
    if (matchRefine > 0) d = refineByMatching(d, scene.leftImg, scene.rightImg, W, H, { range: matchRefine });
    if (edgeRefine > 0) d = refineEdges(d, scene.leftImg, W, H, edgeRefine);
    out[k] = d;
  }
  return out;
}

async function predictAtScale(nets: PredictNets, st: SceneTensors, tolerancePx: number | undefined, auto: boolean): Promise<PreviewMaps> {
  const first = await predictMaps(nets, st, 1, tolerancePx);
  if (!auto || !nets.stereo || !first.stereoDisp) return first;
  const { width: W, height: H } = st.scene;
  const f = inferenceFactor(percentile95(first.stereoDisp), nets.stereo.config.maxDisp, W, H);
  if (f === 1) return first;
  const w = Math.round(W * f);
  const h = Math.round(H * f);
  const resized = (img: ImageT) => tf.image.resizeBilinear(img, [h, w], false, true) as ImageT;
  const scaled: SceneTensors = { scene: { ...st.scene, width: w, height: h }, leftImg: resized(st.leftImg), rightImg: resized(st.rightImg) };
  let m: PreviewMaps;
  try {
    m = await predictMaps(nets, scaled, 1, tolerancePx === undefined ? undefined : tolerancePx * (w / W));
  } finally {
    tf.dispose([scaled.leftImg, scaled.rightImg]);
  }
  const back = tf.tidy(() => {
    const t = (a: Float32Array) => tf.tensor4d(a, [1, h, w, 1]);
    const out: Record<string, tf.Tensor4D> = {};
    for (const k of ['stereoDisp', 'fusedDisp'] as const) if (m[k]) out[k] = resizeDisparity(t(m[k]!) as DispT, H, W);
    if (m.occlusion) out.occlusion = tf.image.resizeNearestNeighbor(t(m.occlusion), [H, W], false, true) as tf.Tensor4D;
    return out;
  });
  const result: PreviewMaps = { sceneId: st.scene.id, width: W, height: H, factor: w / W, ...(first.singleDisp ? { singleDisp: first.singleDisp } : {}) };
  for (const [k, t] of Object.entries(back)) {
    (result as unknown as Record<string, Float32Array>)[k] = (await t.data()) as Float32Array;
    t.dispose();
  }
  return result;
}
