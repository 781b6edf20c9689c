/**
 * Box-filter downscaling of a loaded scene, for pairs over the intake's pixel limit that the user
 * chose to shrink (./intake.ts loadPair with `factor`, and GT given later, decodeGtFor). Each map
 * keeps its meaning at the smaller size: photos are averaged, disparities are averaged over their
 * valid pixels only and divided by the factor (they are measured in pixels), a non-occlusion mask
 * stays 1 only where the whole block was (src/data/downscale.test.ts), and the calibration is
 * scaled with the images (intake.test.ts, "calib.txt beside the pair").
 */
import { downscaleCalib } from './calib';
import type { DispMap, RgbImage } from './image';
import type { LoadedScene } from './intake';

/** RGB image averaged over factor x factor blocks; the size is floor(size / factor). */
export function downscaleRgb(img: RgbImage, factor: number): RgbImage {
  const w = Math.floor(img.width / factor);
  const h = Math.floor(img.height / factor);
  const data = new Float32Array(w * h * 3);
  const inv = 1 / (factor * factor);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0;
      for (let dy = 0; dy < factor; dy++) {
        let i = ((y * factor + dy) * img.width + x * factor) * 3;
        for (let dx = 0; dx < factor; dx++, i += 3) {
          r += img.data[i];
          g += img.data[i + 1];
          b += img.data[i + 2];
        }
      }
      const o = (y * w + x) * 3;
      data[o] = r * inv;
      data[o + 1] = g * inv;
      data[o + 2] = b * inv;
    }
  }
  return { width: w, height: h, data };
}

/** Disparity downscaled: the mean of the valid (> 0) values of each block, divided by factor; 0 if none. */
export function downscaleDisp(disp: DispMap, factor: number): DispMap {
  const w = Math.floor(disp.width / factor);
  const h = Math.floor(disp.height / factor);
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0, n = 0;
      for (let dy = 0; dy < factor; dy++) {
        for (let dx = 0; dx < factor; dx++) {
          const v = disp.data[(y * factor + dy) * disp.width + x * factor + dx];
          if (v > 0 && Number.isFinite(v)) {
            sum += v;
            n++;
          }
        }
      }
      data[y * w + x] = n > 0 ? sum / n / factor : 0;
    }
  }
  return { width: w, height: h, data };
}

/** 0/1 mask downscaled: 1 only where every pixel of the block is 1. */
export function downscaleMask(mask: Uint8Array, width: number, height: number, factor: number): Uint8Array {
  const w = Math.floor(width / factor);
  const h = Math.floor(height / factor);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let all = 1;
      for (let dy = 0; dy < factor && all; dy++) {
        for (let dx = 0; dx < factor; dx++) if (mask[(y * factor + dy) * width + x * factor + dx] === 0) all = 0;
      }
      out[y * w + x] = all;
    }
  }
  return out;
}

/** The scene at 1 / factor of its size (GT disparities divided by factor, as the pixels shrink). */
export function downscaleScene(scene: LoadedScene, factor: number): LoadedScene {
  if (!(Number.isInteger(factor) && factor >= 1)) throw new Error(`downscaleScene: factor must be a whole number >= 1, got ${factor}`);
  if (factor === 1) return scene;
  const leftImg = downscaleRgb(scene.leftImg, factor);
  return {
    ...scene,
    width: leftImg.width,
    height: leftImg.height,
    leftImg,
    rightImg: downscaleRgb(scene.rightImg, factor),
    gtDisp: scene.gtDisp && downscaleDisp(scene.gtDisp, factor),
    nonOccMask: scene.nonOccMask && downscaleMask(scene.nonOccMask, scene.width, scene.height, factor),
    factor: scene.factor * factor,
    ...(scene.calib ? { calib: downscaleCalib(scene.calib, factor) } : {}),
    ...(scene.ndisp !== undefined ? { ndisp: Math.ceil(scene.ndisp / factor) } : {}),
  };
}
