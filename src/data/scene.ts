/** A rectified stereo pair with optional left-view GT, assembled from file bytes with size checks. */
import { DataError } from './errors';
import { decodeDisparity, decodeMaskRaw, maskToBinary } from './gt';
import { decodeImage, type DispMap, type RgbImage } from './image';

export interface StereoScene {
  name: string;
  width: number;
  height: number;
  leftImg: RgbImage;
  rightImg: RgbImage;
  /** Left-view disparity in pixels, 0 = no GT. */
  gtDisp?: DispMap;
  /** 1 = non-occluded with GT, row-major width * height. */
  nonOccMask?: Uint8Array;
}

/** One input file: its bytes and the name to show in errors. */
export interface FilePart {
  bytes: Uint8Array;
  name: string;
}

export interface SceneParts {
  name: string;
  left: FilePart;
  right: FilePart;
  /** Left-view GT disparity; scale as in decodeDisparity (required for PNG / PGM). */
  gt?: FilePart & { scale?: number };
  nonOcc?: FilePart;
}

interface Sized {
  width: number;
  height: number;
}

function checkSize(item: Sized, itemName: string, what: string, ref: Sized, refName: string): void {
  if (item.width !== ref.width || item.height !== ref.height) {
    throw new DataError(
      itemName,
      `${what} is ${item.width}x${item.height} but the left image ${refName} is ${ref.width}x${ref.height}`,
      what === 'right image'
        ? 'Give a rectified pair of the same size'
        : `Give a ${what} for this image pair at the same resolution`,
    );
  }
}

/** Decodes and checks the parts of a scene. Throws DataError on bad files or mismatched sizes. */
export function assembleScene(parts: SceneParts): StereoScene {
  const leftImg = decodeImage(parts.left.bytes, parts.left.name);
  const rightImg = decodeImage(parts.right.bytes, parts.right.name);
  checkSize(rightImg, parts.right.name, 'right image', leftImg, parts.left.name);
  const scene: StereoScene = { name: parts.name, width: leftImg.width, height: leftImg.height, leftImg, rightImg };
  if (parts.gt) {
    const gtDisp = decodeDisparity(parts.gt.bytes, parts.gt.name, parts.gt.scale);
    checkSize(gtDisp, parts.gt.name, 'GT disparity', leftImg, parts.left.name);
    scene.gtDisp = gtDisp;
  }
  if (parts.nonOcc) {
    const raw = decodeMaskRaw(parts.nonOcc.bytes, parts.nonOcc.name);
    checkSize(raw, parts.nonOcc.name, 'non-occlusion mask', leftImg, parts.left.name);
    scene.nonOccMask = maskToBinary(raw);
  }
  return scene;
}
