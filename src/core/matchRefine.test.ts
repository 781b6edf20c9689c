import { describe, expect, it } from 'vitest';
import { boxMean, refineByMatching } from './matchRefine';

/** A smooth random texture in [0, 1] that can be read at any real x: sums of sinusoids per channel. */
function texture(seed: number) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const waves = Array.from({ length: 3 }, () => Array.from({ length: 8 }, () => ({ fx: 0.2 + rnd() * 0.9, fy: 0.1 + rnd() * 0.7, ph: rnd() * 6.28 })));
  return (x: number, y: number, ch: number) => 0.5 + waves[ch].reduce((a, w) => a + Math.sin(w.fx * x + w.fy * y + w.ph), 0) / 20;
}

/** A pair whose left pixel (x, y) matches the right at x - d, everywhere. */
function pair(W: number, H: number, d: number, seed = 7) {
  const f = texture(seed);
  const left = new Float32Array(W * H * 3);
  const right = new Float32Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < 3; c++) left[3 * (y * W + x) + c] = f(x, y, c);
    }
  }
  // each right pixel shows the scene point that the left sees at x + d
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < 3; c++) right[3 * (y * W + x) + c] = f(x + d, y, c);
    }
  }
  return { left, right };
}

describe('boxMean', () => {
  it('is the mean over the window clipped to the image', () => {
    const W = 9;
    const H = 6;
    const src = Float32Array.from({ length: W * H }, (_, i) => Math.sin(i * 1.7) * 3);
    const out = new Float32Array(W * H);
    boxMean(src, W, H, 2, out, new Float32Array(W * H));
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let s = 0;
        let n = 0;
        for (let v = Math.max(0, y - 2); v <= Math.min(H - 1, y + 2); v++) {
          for (let u = Math.max(0, x - 2); u <= Math.min(W - 1, x + 2); u++) {
            s += src[v * W + u];
            n++;
          }
        }
        expect(out[y * W + x]).toBeCloseTo(s / n, 4);
      }
    }
  });
});

describe('refineByMatching', () => {
  const W = 64;
  const H = 32;
  const truthD = 6.3;
  const { left, right } = pair(W, H, truthD);
  // pixels whose match lies inside the right image for every searched offset
  const inner = (x: number) => x >= 20 && x < W - 12;

  it('moves an answer that is off by less than the range onto the true match, to a fraction of a pixel', () => {
    const disp = new Float32Array(W * H).fill(truthD + 1.4);
    const out = refineByMatching(disp, left, right, W, H, { range: 3, radius: 3 });
    let err = 0;
    let n = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (inner(x)) { err += Math.abs(out[y * W + x] - truthD); n++; }
    expect(err / n).toBeLessThan(0.15);
    // the answer it started from was 1.4 px off
    expect(err / n).toBeLessThan(1.4 / 5);
  });

  it('corrects an error that varies smoothly across the image, in both directions', () => {
    // the networks' answers are upsampled from 1/4 resolution, so their errors vary smoothly: the filter assumes so
    const disp = new Float32Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) disp[y * W + x] = truthD + 1.2 * Math.sin(x / 8 + y / 11);
    const out = refineByMatching(disp, left, right, W, H, { range: 2, radius: 2 });
    let before = 0;
    let after = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        if (!inner(x)) continue;
        before += Math.abs(disp[y * W + x] - truthD);
        after += Math.abs(out[y * W + x] - truthD);
      }
    }
    expect(after).toBeLessThan(before / 3);
  });

  it('moves no pixel by more than the range, and keeps non-finite values', () => {
    const disp = new Float32Array(W * H);
    for (let i = 0; i < W * H; i++) disp[i] = truthD + 6 * Math.cos(i / 17);
    disp[5] = Number.NaN;
    const out = refineByMatching(disp, left, right, W, H, { range: 2, radius: 3 });
    for (let i = 0; i < W * H; i++) if (i !== 5) expect(Math.abs(out[i] - disp[i])).toBeLessThanOrEqual(2 + 1e-5);
    expect(Number.isNaN(out[5])).toBe(true);
  });

  it('never moves a disparity to 0 or below, even where the best match lies there', () => {
    // the right view is shifted the wrong way: the true match of every pixel is at disparity -1.5
    const { left: l2, right: r2 } = pair(W, H, -1.5);
    const disp = new Float32Array(W * H).fill(0.8);
    const out = refineByMatching(disp, l2, r2, W, H, { range: 4, radius: 3 });
    for (let i = 0; i < W * H; i++) expect(out[i]).toBeGreaterThan(0);
  });

  it('returns a copy when the range is 0', () => {
    const disp = new Float32Array(W * H).fill(3);
    const out = refineByMatching(disp, left, right, W, H, { range: 0 });
    expect(out).not.toBe(disp);
    expect(Array.from(out)).toEqual(Array.from(disp));
  });
});
