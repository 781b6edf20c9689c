/** Image and map types shared by the readers, and photo decoding (PNG, JPEG, binary PGM/PPM) to RGB in [0, 1]. */
import { decode as decodeJpeg } from 'jpeg-js';
import { DataError, HINT_IMAGE, HINT_REEXPORT } from './errors';
import { decodePngRaw } from './png';
import { decodePnmRaw } from './pgm';
import { sniffFormat } from './sniff';

/** RGB image, interleaved HWC, values in [0, 1]. data.length = width * height * 3. */
export interface RgbImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** Disparity map in pixels of its own resolution; 0 = invalid / no GT. data.length = width * height. */
export interface DispMap {
  width: number;
  height: number;
  data: Float32Array;
}

/** Expands `channels`-sample pixels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) to RGB / maxValue. Alpha is dropped. */
function samplesToRgb(
  samples: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  maxValue: number,
): RgbImage {
  const n = width * height;
  const data = new Float32Array(n * 3);
  const inv = 1 / maxValue;
  for (let i = 0; i < n; i++) {
    const s = i * channels;
    if (channels <= 2) {
      const g = samples[s] * inv;
      data[3 * i] = g;
      data[3 * i + 1] = g;
      data[3 * i + 2] = g;
    } else {
      data[3 * i] = samples[s] * inv;
      data[3 * i + 1] = samples[s + 1] * inv;
      data[3 * i + 2] = samples[s + 2] * inv;
    }
  }
  return { width, height, data };
}

function decodePngImage(bytes: Uint8Array, name: string): RgbImage {
  const png = decodePngRaw(bytes, name);
  const { width, height, palette } = png;
  if (!palette) return samplesToRgb(png.data, width, height, png.channels, 2 ** png.bitDepth - 1);
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const colour = palette[png.data[i]];
    data[3 * i] = colour[0] / 255;
    data[3 * i + 1] = colour[1] / 255;
    data[3 * i + 2] = colour[2] / 255;
  }
  return { width, height, data };
}

function decodeJpegImage(bytes: Uint8Array, name: string): RgbImage {
  let jpeg: { width: number; height: number; data: Uint8Array };
  try {
    jpeg = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: false });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new DataError(name, `truncated, corrupt or unsupported JPEG (${why})`, HINT_REEXPORT);
  }
  if (jpeg.width === 0 || jpeg.height === 0 || jpeg.data.length !== jpeg.width * jpeg.height * 3) {
    throw new DataError(name, 'truncated or corrupt JPEG (no image data)', HINT_REEXPORT);
  }
  return samplesToRgb(jpeg.data, jpeg.width, jpeg.height, 3, 255);
}

/**
 * Decodes a photo from its bytes (format found from the magic bytes, not the name): PNG of any colour type and
 * depth, baseline/progressive JPEG, binary PGM/PPM. Works in Node and in the browser.
 */
export function decodeImage(bytes: Uint8Array, name: string): RgbImage {
  const format = sniffFormat(bytes);
  switch (format) {
    case 'png':
      return decodePngImage(bytes, name);
    case 'jpeg':
      return decodeJpegImage(bytes, name);
    case 'pgm':
    case 'ppm': {
      const pnm = decodePnmRaw(bytes, name);
      return samplesToRgb(pnm.data, pnm.width, pnm.height, pnm.channels, pnm.maxval);
    }
    case 'pfm':
      throw new DataError(name, 'unsupported format: PFM is a float map, not a photo', HINT_IMAGE);
    case undefined:
      throw new DataError(name, 'not an image (unknown magic bytes)', HINT_IMAGE);
  }
}

/**
 * Browser-only: decodes with the browser's own codecs (createImageBitmap), which also covers WebP/AVIF.
 * 8 bits per channel only, so 16-bit disparity maps must go through decodeDisparity instead.
 * PGM/PPM, which browsers cannot decode, go through decodeImage.
 */
export async function decodeImageBrowser(blob: Blob, name: string): Promise<RgbImage> {
  const head = sniffFormat(new Uint8Array(await blob.slice(0, 16).arrayBuffer()));
  if (head === 'pgm' || head === 'ppm' || head === 'pfm') {
    return decodeImage(new Uint8Array(await blob.arrayBuffer()), name);
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new DataError(name, 'not an image, or a format this browser cannot decode', HINT_IMAGE);
  }
  try {
    const { width, height } = bitmap;
    const ctx = new OffscreenCanvas(width, height).getContext('2d');
    if (!ctx) throw new DataError(name, 'cannot decode: this browser gives no 2D OffscreenCanvas', 'Use a current browser');
    ctx.drawImage(bitmap, 0, 0);
    return samplesToRgb(ctx.getImageData(0, 0, width, height).data, width, height, 4, 255);
  } finally {
    bitmap.close();
  }
}
