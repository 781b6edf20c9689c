import { describe, expect, it } from 'vitest';
import type { DispStats } from '../core/metrics';
import {
  KITTI_MAX_DISP,
  depthFromDisp,
  encodeDispKittiPng,
  encodeMapPfm,
  encodePointCloudPly,
  exportFileName,
  metricsCsv,
  parseCalibInput,
  toCsv,
} from './export';
import { decodePfm } from './pfm';
import { decodePngRaw } from './png';

/** A 5x3 map with an ordinary spread of values plus every kind of invalid pixel. */
const W = 5;
const H = 3;
const disp = Float32Array.of(
  12.5, 0.25, 3.00390625, 40.1, 255.99,
  7, 0, -3, NaN, Infinity,
  1e-4, 300, 99.123, 64, 1.5,
);

/** Parses a binary little-endian PLY of x y z float32 + r g b uchar. */
function readPly(bytes: Uint8Array): { header: string[]; vertices: { x: number; y: number; z: number; r: number; g: number; b: number }[] } {
  const text = new TextDecoder('latin1').decode(bytes);
  const end = text.indexOf('end_header\n') + 'end_header\n'.length;
  const header = text.slice(0, end).trim().split('\n');
  const count = Number(header.find((l) => l.startsWith('element vertex '))!.split(' ')[2]);
  const view = new DataView(bytes.buffer, bytes.byteOffset + end);
  expect(view.byteLength, 'body length').toBe(count * 15);
  const vertices = [];
  for (let i = 0; i < count; i++) {
    const at = i * 15;
    vertices.push({ x: view.getFloat32(at, true), y: view.getFloat32(at + 4, true), z: view.getFloat32(at + 8, true), r: view.getUint8(at + 12), g: view.getUint8(at + 13), b: view.getUint8(at + 14) });
  }
  return { header, vertices };
}

describe('KITTI 16-bit disparity PNG', () => {
  it('reads back as round(256 d), 0 for invalid pixels, clamped above 65535 / 256', () => {
    const png = encodeDispKittiPng(disp, W, H);
    // IHDR: width, height, bit depth 16, colour type 0 (greyscale).
    const ihdr = new DataView(png.bytes.buffer, png.bytes.byteOffset + 16, 10);
    expect([ihdr.getUint32(0), ihdr.getUint32(4), ihdr.getUint8(8), ihdr.getUint8(9)]).toEqual([W, H, 16, 0]);
    const back = decodePngRaw(png.bytes, 'x.png');
    expect(back).toMatchObject({ width: W, height: H, channels: 1, bitDepth: 16 });
    const expected = Array.from(disp, (d) => (d > 0 && Number.isFinite(d) ? Math.min(65535, Math.max(1, Math.round(256 * d))) : 0));
    expect(Array.from(back.data)).toEqual(expected);
    // Spelled out: 12.5 px -> 3200, 3.00390625 px -> 769 (exact in 1/256), 0 / -3 / NaN / inf -> 0,
    // 1e-4 px stays valid as 1, 300 px clamps to 65535.
    expect([back.data[0], back.data[2], back.data[6], back.data[7], back.data[8], back.data[9], back.data[10], back.data[11]]).toEqual([3200, 769, 0, 0, 0, 0, 1, 65535]);
    expect(png.clamped).toBe(1);
    // A reader dividing by 256 gets the map back to within half a step on every valid pixel.
    for (let i = 0; i < disp.length; i++) {
      if (expected[i] > 0 && disp[i] <= KITTI_MAX_DISP && disp[i] >= 1 / 256) expect(Math.abs(back.data[i] / 256 - disp[i])).toBeLessThanOrEqual(0.5 / 256);
    }
  });

  it('refuses a map whose length does not match the size, naming the op', () => {
    expect(() => encodeDispKittiPng(disp, 4, 3)).toThrow(/encodeDispKittiPng: the map has 15 values, 12 expected for 4x3/);
  });
});

describe('PFM export', () => {
  it('reads back bit for bit, top row first, inf and NaN kept', () => {
    const bytes = encodeMapPfm(disp, W, H);
    expect(new TextDecoder().decode(bytes.subarray(0, 12))).toBe(`Pf\n${W} ${H}\n-1.0\n`); // little-endian
    const back = decodePfm(bytes, 'x.pfm');
    expect(back).toMatchObject({ width: W, height: H, channels: 1 });
    expect(Array.from(back.data)).toEqual(Array.from(disp));
    // The file's first row is the map's bottom row (PFM stores rows bottom-to-top).
    expect(new DataView(bytes.buffer, bytes.byteOffset + 12).getFloat32(0, true)).toBe(disp[(H - 1) * W]);
  });
});

describe('depth in metres', () => {
  it('is f B / (d + doffs), +inf where d + doffs is not positive or d is not finite', () => {
    const calib = { focalPx: 3740, baselineM: 0.16, doffs: 2 };
    const depth = depthFromDisp(disp, calib);
    for (let i = 0; i < disp.length; i++) {
      const denom = disp[i] + calib.doffs;
      if (denom > 0 && Number.isFinite(denom)) expect(depth[i]).toBeCloseTo((3740 * 0.16) / denom, 3);
      else expect(depth[i]).toBe(Infinity);
    }
    expect(depth[7]).toBe(Infinity); // d = -3, d + doffs = -1
    expect(depth[6]).toBeCloseTo((3740 * 0.16) / 2, 4); // d = 0 is still a depth when doffs > 0
    const back = decodePfm(encodeMapPfm(depth, W, H), 'd.pfm');
    expect(Array.from(back.data)).toEqual(Array.from(depth));
  });
});

describe('calibration fields', () => {
  const parse = (focalPx: string, baselineM: string, doffs = '') => parseCalibInput({ focalPx, baselineM, doffs });

  it('accepts positive focal length and baseline, doffs empty (0) or any finite number', () => {
    expect(parse('3740', '0.16')).toEqual({ state: 'ok', calib: { focalPx: 3740, baselineM: 0.16, doffs: 0 } });
    expect(parse(' 1e3 ', '.5', '-12.5')).toEqual({ state: 'ok', calib: { focalPx: 1000, baselineM: 0.5, doffs: -12.5 } });
    expect(parse('', '', '')).toEqual({ state: 'empty' });
  });

  it('says which field is wrong and what to type', () => {
    const msg = (r: ReturnType<typeof parseCalibInput>) => (r.state === 'error' ? r.message : `no error (${r.state})`);
    expect(msg(parse('', '0.16'))).toMatch(/^Focal length is missing/);
    expect(msg(parse('0', '0.16'))).toMatch(/^Focal length "0" is not a positive number of pixels/);
    expect(msg(parse('abc', '0.16'))).toMatch(/^Focal length "abc"/);
    expect(msg(parse('3740', ''))).toMatch(/^Baseline is missing/);
    expect(msg(parse('3740', '-1'))).toMatch(/^Baseline "-1" is not a positive number of metres/);
    expect(msg(parse('3740', '0,16'))).toMatch(/^Baseline "0,16"/);
    expect(msg(parse('3740', '0.16', 'x'))).toMatch(/^doffs "x" is not a number/);
    expect(msg(parse('', '', '3'))).toMatch(/^Focal length is missing/);
  });

  it('warns when the baseline looks like millimetres', () => {
    const r = parse('3740', '160');
    expect(r.state === 'ok' && r.warning).toMatch(/millimetres \(type 0\.16 for 160 mm\)/);
    expect(parse('3740', '0.16')).not.toHaveProperty('warning');
  });
});

describe('PLY point cloud', () => {
  // Left image: pixel i has colour (i, 2i, 255 - i) / 255.
  const left = new Float32Array(W * H * 3);
  for (let i = 0; i < W * H; i++) left.set([i / 255, (2 * i) / 255, (255 - i) / 255], i * 3);
  const valid = Array.from(disp, (d) => d > 0 && Number.isFinite(d));

  it('metric: one vertex per valid pixel, X = (u - cx) Z / f with Z = f B / (d + doffs)', () => {
    const calib = { focalPx: 100, baselineM: 0.5, doffs: 0 };
    const ply = encodePointCloudPly({ width: W, height: H, leftRgb: left, dispPx: disp, calib });
    const { header, vertices } = readPly(ply.bytes);
    expect(header.slice(0, 2)).toEqual(['ply', 'format binary_little_endian 1.0']);
    expect(header.slice(-7)).toEqual(['property float x', 'property float y', 'property float z', 'property uchar red', 'property uchar green', 'property uchar blue', 'end_header']);
    const count = valid.filter(Boolean).length;
    expect(header).toContain(`element vertex ${count}`);
    expect(ply).toMatchObject({ count, metric: true });
    expect(vertices).toHaveLength(count);
    // Pixel (u 3, v 2): d = 64 px -> Z = 100 * 0.5 / 64 m, cx = 2.5, cy = 1.5.
    const i = 2 * W + 3;
    const z = (100 * 0.5) / 64;
    const k = valid.slice(0, i).filter(Boolean).length;
    expect(vertices[k].z).toBeCloseTo(z, 6);
    expect(vertices[k].x).toBeCloseTo(((3 - 2.5) * z) / 100, 6);
    expect(vertices[k].y).toBeCloseTo(((2 - 1.5) * z) / 100, 6);
    expect([vertices[k].r, vertices[k].g, vertices[k].b]).toEqual([i, 2 * i, 255 - i]);
    expect(header.join('\n')).toMatch(/comment metres/);
  });

  it('doffs moves the skip rule: d + doffs <= 0 has no point', () => {
    const ply = encodePointCloudPly({ width: W, height: H, leftRgb: left, dispPx: disp, calib: { focalPx: 100, baselineM: 0.5, doffs: 5 } });
    // d = 0 and d = -3 now have d + doffs > 0; NaN and inf still do not.
    expect(ply.count).toBe(valid.filter(Boolean).length + 2);
  });

  it('without calibration: disparity-scaled, Z = width / d, and the header says it is not metric', () => {
    const ply = encodePointCloudPly({ width: W, height: H, leftRgb: left, dispPx: disp });
    const { header, vertices } = readPly(ply.bytes);
    expect(ply.metric).toBe(false);
    expect(header.join('\n')).toMatch(/comment disparity-scaled, not metric/);
    const first = vertices[0]; // pixel (0, 0), d = 12.5
    expect(first.z).toBeCloseTo(W / 12.5, 6);
    expect(first.x).toBeCloseTo((0 - W / 2) / 12.5, 6);
    expect(first.y).toBeCloseTo((0 - H / 2) / 12.5, 6);
  });

  it('refuses an image of another size than the map', () => {
    expect(() => encodePointCloudPly({ width: W, height: H, leftRgb: left.subarray(3), dispPx: disp })).toThrow(/the left image has 42 values, 45 expected/);
  });
});

describe('CSV', () => {
  it('quotes fields with commas, quotes and line breaks; NaN is empty', () => {
    expect(toCsv([['a', 'b,c', 'say "hi"', 'x\ny', NaN, 1.5]])).toBe('a,"b,c","say ""hi""","x\ny",,1.5\r\n');
  });

  it('writes the metrics rows at full precision with the pixel counts', () => {
    const s = (epe: number, count: number): DispStats => ({ epe, d1: 12.345678, bad1: 50, bad2: 40, bad3: 30.5, count });
    const csv = metricsCsv([
      { when: 'before', map: 'StereoNet', all: s(2.123456789, 1000), nonOcc: s(1.5, 800) },
      { when: 'after', map: 'Fused', all: s(NaN, 0) },
    ]);
    const lines = csv.trimEnd().split('\r\n').map((l) => l.split(','));
    expect(lines[0]).toEqual(['when', 'map', 'EPE (px)', 'D1 (%)', 'bad-1 (%)', 'bad-3 (%)', 'pixels', 'EPE (px) non-occ.', 'D1 (%) non-occ.', 'bad-1 (%) non-occ.', 'bad-3 (%) non-occ.', 'pixels non-occ.']);
    expect(lines[1]).toEqual(['before', 'StereoNet', '2.123456789', '12.345678', '50', '30.5', '1000', '1.5', '12.345678', '50', '30.5', '800']);
    expect(lines[2]).toEqual(['after', 'Fused', '', '12.345678', '50', '30.5', '0', '', '', '', '', '']);
  });
});

describe('file names', () => {
  it('come from the pair name with unsafe characters replaced', () => {
    expect(exportFileName('teddy', 'stereo_disp.png')).toBe('teddy_stereo_disp.png');
    expect(exportFileName('my scenes/Motorcycle (2)', 'depth.pfm')).toBe('my_scenes_Motorcycle_2_depth.pfm');
    expect(exportFileName('..', 'cloud.ply')).toBe('pair_cloud.ply');
  });
});
