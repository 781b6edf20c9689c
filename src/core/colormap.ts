/**
 * Colormaps as 256-entry RGB lookup tables, the KITTI disparity-error colouring, and robust
 * display ranges. Pure typed arrays, no DOM: panels, the worker and the CLI all use it.
 *
 * Sources of the tables (each entry is one RGB triple, two hex digits per channel, 16 per line):
 * - magma, viridis: matplotlib's `_magma_data` / `_viridis_data` (lib/matplotlib/_cm_listed.py,
 *   van der Walt, Smith and Firing, CC0), every one of the 256 float entries rounded to a byte
 *   (the same byte strings d3-scale-chromatic ships). Checked against the float table at every
 *   8th (magma) / 16th (viridis) entry to within one unit.
 * - turbo: Google's 256-entry `turbo_srgb_bytes` table (Anton Mikhailov, 2019, Apache-2.0).
 * - grey: a linear ramp 0..255.
 */

export type ColormapName = 'magma' | 'turbo' | 'grey' | 'viridis';

export const COLORMAP_NAMES: readonly ColormapName[] = ['magma', 'turbo', 'grey', 'viridis'];

/** RGB shown for NaN / non-finite / invalid values: a fixed dark grey. */
export const INVALID_RGB: readonly [number, number, number] = [48, 48, 48];

const MAGMA_HEX =
  '00000401000501010601010802010902020b02020d03030f03031204041405041606051806051a07061c08071e090720' +
  '0a08220b09240c09260d0a290e0b2b100b2d110c2f120d31130d34140e36150e38160f3b180f3d19103f1a10421c1044' +
  '1d11471e114920114b21114e22115024125325125527125829115a2a115c2c115f2d11612f1163311165331067341069' +
  '36106b38106c390f6e3b0f703d0f713f0f72400f74420f75440f764510774710784910784a10794c117a4e117b4f127b' +
  '51127c52137c54137d56147d57157e59157e5a167e5c167f5d177f5f187f601880621980641a80651a80671b80681c81' +
  '6a1c816b1d816d1d816e1e81701f81721f817320817521817621817822817922827b23827c23827e2482802582812581' +
  '8326818426818627818827818928818b29818c29818e2a81902a81912b81932b80942c80962c80982d80992d809b2e7f' +
  '9c2e7f9e2f7fa02f7fa1307ea3307ea5317ea6317da8327daa337dab337cad347cae347bb0357bb2357bb3367ab5367a' +
  'b73779b83779ba3878bc3978bd3977bf3a77c03a76c23b75c43c75c53c74c73d73c83e73ca3e72cc3f71cd4071cf4070' +
  'd0416fd2426fd3436ed5446dd6456cd8456cd9466bdb476adc4869de4968df4a68e04c67e24d66e34e65e44f64e55064' +
  'e75263e85362e95462ea5661eb5760ec5860ed5a5fee5b5eef5d5ef05f5ef1605df2625df2645cf3655cf4675cf4695c' +
  'f56b5cf66c5cf66e5cf7705cf7725cf8745cf8765cf9785df9795df97b5dfa7d5efa7f5efa815ffb835ffb8560fb8761' +
  'fc8961fc8a62fc8c63fc8e64fc9065fd9266fd9467fd9668fd9869fd9a6afd9b6bfe9d6cfe9f6dfea16efea36ffea571' +
  'fea772fea973feaa74feac76feae77feb078feb27afeb47bfeb67cfeb77efeb97ffebb81febd82febf84fec185fec287' +
  'fec488fec68afec88cfeca8dfecc8ffecd90fecf92fed194fed395fed597fed799fed89afdda9cfddc9efddea0fde0a1' +
  'fde2a3fde3a5fde5a7fde7a9fde9aafdebacfcecaefceeb0fcf0b2fcf2b4fcf4b6fcf6b8fcf7b9fcf9bbfcfbbdfcfdbf';

const VIRIDIS_HEX =
  '44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467481668481769' +
  '48186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a' +
  '472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85' +
  '4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b' +
  '3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d' +
  '33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e' +
  '2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e' +
  '26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d' +
  '21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88' +
  '1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad81' +
  '28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc74' +
  '3fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863' +
  '5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d' +
  '84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32' +
  'addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a' +
  'd8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725';

const TURBO_HEX =
  '30123b32154333184a341b51351e5836215f37246638276d392a733a2d793b2f803c32863d358b3e38913f3b973f3e9c' +
  '4040a24143a74146ac4249b1424bb5434eba4451bf4454c34456c74559cb455ccf455ed34661d64664da4666dd4669e0' +
  '466be3476ee64771e94773eb4776ee4778f0477bf2467df44680f64682f84685fa4687fb458afc458cfd448ffe4391fe' +
  '4294ff4196ff4099ff3e9bfe3d9efe3ba0fd3aa3fc38a5fb37a8fa35abf833adf731aff52fb2f42eb4f22cb7f02ab9ee' +
  '28bceb27bee925c0e723c3e422c5e220c7df1fc9dd1ecbda1ccdd81bd0d51ad2d21ad4d019d5cd18d7ca18d9c818dbc5' +
  '18ddc218dec018e0bd19e2bb19e3b91ae4b61ce6b41de7b21fe9af20eaac22ebaa25eca727eea42aefa12cf09e2ff19b' +
  '32f29835f39438f4913cf58e3ff68a43f78746f8844af8804ef97d52fa7a55fa7659fb735dfc6f61fc6c65fd6969fd66' +
  '6dfe6271fe5f75fe5c79fe597dff5680ff5384ff5188ff4e8bff4b8fff4992ff4796fe4499fe429cfe409ffd3fa1fd3d' +
  'a4fc3ca7fc3aa9fb39acfb38affa37b1f936b4f836b7f735b9f635bcf534bef434c1f334c3f134c6f034c8ef34cbed34' +
  'cdec34d0ea34d2e935d4e735d7e535d9e436dbe236dde037dfdf37e1dd37e3db38e5d938e7d739e9d539ebd339ecd13a' +
  'eecf3aefcd3af1cb3af2c93af4c73af5c53af6c33af7c13af8be39f9bc39faba39fbb838fbb637fcb336fcb136fdae35' +
  'fdac34fea933fea732fea431fea130fe9e2ffe9b2dfe992cfe962bfe932afe9029fd8d27fd8a26fc8725fc8423fb8122' +
  'fb7e21fa7b1ff9781ef9751df8721cf76f1af66c19f56918f46617f36315f26014f15d13f05b12ef5811ed5510ec530f' +
  'eb500eea4e0de84b0ce7490ce5470be4450ae2430ae14109df3f08dd3d08dc3b07da3907d83706d63506d43305d23105' +
  'd02f05ce2d04cc2b04ca2a04c82803c52603c32503c12302be2102bc2002b91e02b71d02b41b01b21a01af1801ac1701' +
  'a91601a71401a41301a112019e10019b0f01980e01950d01920b018e0a018b09028808028507028106027e05027a0403';

function fromHex(hex: string): Uint8Array {
  const lut = new Uint8Array(hex.length / 2);
  for (let i = 0; i < lut.length; i++) lut[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return lut;
}

function greyRamp(): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.fill(i, 3 * i, 3 * i + 3);
  return lut;
}

/** Each table is 256 * 3 bytes, RGB, entry 0 = low end of the range. */
export const COLORMAPS: Record<ColormapName, Uint8Array> = {
  magma: fromHex(MAGMA_HEX),
  viridis: fromHex(VIRIDIS_HEX),
  turbo: fromHex(TURBO_HEX),
  grey: greyRamp(),
};

// ---------------------------------------------------------------------------------------------
// Robust range

/** Value of rank k (0-based) among a[0..n), found by quickselect; reorders `a` in place. */
function selectKth(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median of three as pivot keeps sorted and constant inputs linear.
    const mid = (lo + hi) >>> 1;
    const x = a[lo], y = a[mid], z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i]; a[i] = a[j]; a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/**
 * Percentiles `lo` and `hi` (0..100) of the finite values, linearly interpolated between order
 * statistics (numpy's default). Non-finite values are ignored. With no finite value: [0, 1].
 * Linear time (quickselect on a copy), so fine for megapixel maps.
 */
export function percentileRange(
  values: ArrayLike<number>,
  lo: number,
  hi: number,
  invalid?: (v: number) => boolean,
): [number, number] {
  if (!(lo >= 0 && hi <= 100 && lo <= hi)) {
    throw new Error(`percentileRange: need 0 <= lo <= hi <= 100, got lo=${lo}, hi=${hi}`);
  }
  const finite = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v) && !(invalid && invalid(v))) finite[n++] = v;
  }
  if (n === 0) return [0, 1];
  const a = finite.subarray(0, n);
  const at = (p: number): number => {
    const pos = (p / 100) * (n - 1);
    const k = Math.floor(pos);
    const frac = pos - k;
    const vk = selectKth(a, k);
    if (frac === 0 || k + 1 >= n) return vk;
    // After selecting k, everything above index k is >= a[k]: the next order statistic is its min.
    let next = Infinity;
    for (let i = k + 1; i < n; i++) if (a[i] < next) next = a[i];
    return vk + frac * (next - vk);
  };
  return [at(lo), at(hi)];
}

// ---------------------------------------------------------------------------------------------
// Scalar maps to RGBA

export interface ColorizeOptions {
  cmap: ColormapName;
  /** Fixed [low, high] or 'auto' (the default): percentiles of the finite, valid values. */
  range?: [number, number] | 'auto';
  /** Percentiles used by the auto range, default [1, 99]. */
  percentile?: [number, number];
  /** Values for which this is true are drawn as INVALID_RGB and left out of the auto range. */
  invalid?: (v: number) => boolean;
}

/**
 * Colour a [height, width] map through a LUT: value `range[0]` -> entry 0, `range[1]` -> 255,
 * outside values clamp. Non-finite or `invalid` values get INVALID_RGB. Alpha is always 255.
 * A degenerate range (high <= low) draws every valid value with the middle entry.
 */
export function colorize(
  values: ArrayLike<number>,
  width: number,
  height: number,
  opts: ColorizeOptions,
): { rgba: Uint8ClampedArray; range: [number, number] } {
  if (values.length !== width * height) {
    throw new Error(`colorize: values.length ${values.length} != width*height ${width}*${height}`);
  }
  const lut = COLORMAPS[opts.cmap];
  if (!lut) throw new Error(`colorize: unknown colormap '${String(opts.cmap)}'`);
  const invalid = opts.invalid;
  const [pLo, pHi] = opts.percentile ?? [1, 99];
  const range: [number, number] =
    opts.range === undefined || opts.range === 'auto'
      ? percentileRange(values, pLo, pHi, invalid)
      : [opts.range[0], opts.range[1]];
  const [lo, hi] = range;
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const o = 4 * i;
    if (!Number.isFinite(v) || (invalid && invalid(v))) {
      rgba[o] = INVALID_RGB[0];
      rgba[o + 1] = INVALID_RGB[1];
      rgba[o + 2] = INVALID_RGB[2];
    } else {
      let idx = scale > 0 ? Math.round((v - lo) * scale) : 128;
      idx = idx < 0 ? 0 : idx > 255 ? 255 : idx;
      rgba[o] = lut[3 * idx];
      rgba[o + 1] = lut[3 * idx + 1];
      rgba[o + 2] = lut[3 * idx + 2];
    }
    rgba[o + 3] = 255;
  }
  return { rgba, range };
}

/** A 1-pixel-high legend, `length` wide, RGBA: left end = entry 0 (low), right end = 255. */
export function colorbar(cmap: ColormapName, length: number): Uint8ClampedArray {
  if (!(Number.isInteger(length) && length > 0)) {
    throw new Error(`colorbar: length must be a positive integer, got ${length}`);
  }
  const lut = COLORMAPS[cmap];
  const rgba = new Uint8ClampedArray(length * 4);
  for (let i = 0; i < length; i++) {
    const idx = length === 1 ? 0 : Math.round((i * 255) / (length - 1));
    rgba.set(lut.subarray(3 * idx, 3 * idx + 3), 4 * i);
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

// ---------------------------------------------------------------------------------------------
// Disparity error map (KITTI devkit, disp_error_image)

export interface ErrorBand {
  /** Lower bound in px, inclusive. */
  lo: number;
  /** Upper bound in px, exclusive. */
  hi: number;
  rgb: readonly [number, number, number];
}

/**
 * The KITTI 2015 devkit's error colour table, log-spaced from blue (small) to red (large).
 * The devkit stores the bounds divided by 3 px (its D1 threshold); here they are in px.
 */
export const ERROR_BANDS: readonly ErrorBand[] = [
  { lo: 0, hi: 0.1875, rgb: [49, 54, 149] },
  { lo: 0.1875, hi: 0.375, rgb: [69, 117, 180] },
  { lo: 0.375, hi: 0.75, rgb: [116, 173, 209] },
  { lo: 0.75, hi: 1.5, rgb: [171, 217, 233] },
  { lo: 1.5, hi: 3, rgb: [224, 243, 248] },
  { lo: 3, hi: 6, rgb: [254, 224, 144] },
  { lo: 6, hi: 12, rgb: [253, 174, 97] },
  { lo: 12, hi: 24, rgb: [244, 109, 67] },
  { lo: 24, hi: 48, rgb: [215, 48, 39] },
  { lo: 48, hi: Infinity, rgb: [165, 0, 38] },
];

/**
 * Index into ERROR_BANDS for an absolute disparity error in px. With `gtPx` given (> 0) the
 * devkit's relative criterion applies too: the error is scored as min(err, 60 * err / gt), i.e.
 * a pixel only looks bad if it is wrong by both 3 px and 5 % at the band edge 3 px. Non-finite
 * (or NaN) errors fall in the last band: a broken prediction must look broken.
 */
export function errorBand(errPx: number, gtPx?: number): number {
  let e = Math.abs(errPx);
  if (!Number.isFinite(e)) return ERROR_BANDS.length - 1;
  if (gtPx !== undefined && gtPx > 0) e = Math.min(e, (60 * e) / gtPx);
  for (let b = 0; b < ERROR_BANDS.length - 1; b++) if (e < ERROR_BANDS[b].hi) return b;
  return ERROR_BANDS.length - 1;
}

/** RGB of the band for an error in px (see errorBand). */
export function errorColor(errPx: number, gtPx?: number): readonly [number, number, number] {
  return ERROR_BANDS[errorBand(errPx, gtPx)].rgb;
}

/**
 * RGBA error image of a predicted disparity against ground truth (both [height, width], px).
 * Pixels with invalid GT (not > 0, or non-finite) are black. `relative: true` adds the KITTI
 * 5 % criterion (see errorBand); the default colours absolute px error only.
 */
export function colorizeError(
  pred: ArrayLike<number>,
  gt: ArrayLike<number>,
  width: number,
  height: number,
  opts: { relative?: boolean } = {},
): Uint8ClampedArray {
  const n = width * height;
  if (pred.length !== n || gt.length !== n) {
    throw new Error(
      `colorizeError: pred.length ${pred.length}, gt.length ${gt.length}, width*height ${n}`,
    );
  }
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const g = gt[i];
    const o = 4 * i;
    rgba[o + 3] = 255;
    if (!(g > 0) || !Number.isFinite(g)) continue; // black
    const p = pred[i];
    const err = Number.isFinite(p) ? Math.abs(p - g) : Infinity;
    const rgb = ERROR_BANDS[errorBand(err, opts.relative ? g : undefined)].rgb;
    rgba[o] = rgb[0];
    rgba[o + 1] = rgb[1];
    rgba[o + 2] = rgb[2];
  }
  return rgba;
}
