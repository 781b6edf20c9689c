/** Browser-safe data readers. Node file-system helpers live in ./node and are not re-exported here. */
export { DataError } from './errors';
export { sniffFormat, type FileFormat } from './sniff';
export { decodeImage, decodeImageBrowser, type RgbImage, type DispMap } from './image';
export { decodePngRaw, type PngRaw } from './png';
export { decodePnmRaw, decodePgm, encodePgm, type PnmRaw } from './pgm';
export { decodePfm, encodePfm, type PfmImage } from './pfm';
export { decodeDisparity, decodeMaskRaw, decodeMask, maskToBinary, type MaskRaw } from './gt';
export { gtScaleFor, SHARED_STEREO_SCENES, type SharedSceneInfo } from './datasets';
export { assembleScene, type StereoScene, type SceneParts, type FilePart } from './scene';
