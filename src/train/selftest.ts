// One forward pass of each network on a small random image pair, on whatever backend tfjs is
// on. Reports each output's shape, range and finiteness, and whether any tensor leaked.
import * as tf from '@tensorflow/tfjs';
import { buildSingleNet, buildStereoNet, singleNetConfig, stereoNetConfig } from '../model';
import type { BackendName, OutputSummary, SelftestReply } from './protocol';

export type SelftestResult = Omit<SelftestReply, 'type' | 'runId' | 'reqId'>;

/** Reads a tensor back (async, never dataSync) and summarises it. */
async function summarise(name: string, t: tf.Tensor): Promise<OutputSummary> {
  const values = await t.data();
  let min = Infinity;
  let max = -Infinity;
  let finite = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      finite = false;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { name, shape: t.shape.slice(), min, max, finite };
}

/**
 * Checks one network's multi-scale disparities: index 0 is `[1, H, W, 1]`, the others are
 * `[1, h, w, 1]`, all finite. Returns the problems found.
 */
function checkOutputs(net: string, outs: OutputSummary[], width: number, height: number): string[] {
  if (outs.length === 0) return [`${net}: forward() returned no outputs`];
  const problems: string[] = [];
  outs.forEach((o, i) => {
    const s = o.shape;
    const shapeOk =
      i === 0
        ? s.length === 4 && s[0] === 1 && s[1] === height && s[2] === width && s[3] === 1
        : s.length === 4 && s[0] === 1 && s[3] === 1;
    if (!shapeOk) problems.push(`${o.name}: shape [${s.join(', ')}], expected [1, ${i === 0 ? `${height}, ${width}` : 'h, w'}, 1]`);
    if (!o.finite) problems.push(`${o.name}: contains NaN or Infinity`);
  });
  return problems;
}

/** Builds the tiny StereoNet and SingleNet, runs each once at `width` x `height`, disposes all. */
export async function runSelftest(width: number, height: number): Promise<SelftestResult> {
  if (!(width > 0 && height > 0 && width % 32 === 0 && height % 32 === 0)) {
    throw new Error(`selftest: width and height must be positive multiples of 32, got ${width}x${height}`);
  }
  const backend = tf.getBackend() as BackendName;
  const numTensorsBefore = tf.memory().numTensors;
  const t0 = performance.now();

  let stereo: ReturnType<typeof buildStereoNet> | undefined;
  let single: ReturnType<typeof buildSingleNet> | undefined;
  const owned: tf.Tensor[] = [];
  let params = { stereo: 0, single: 0 };
  let outputs: OutputSummary[] = [];
  let problems: string[] = [];
  try {
    stereo = buildStereoNet(stereoNetConfig('tiny'));
    single = buildSingleNet(singleNetConfig('tiny'));
    params = { stereo: stereo.paramCount(), single: single.paramCount() };
    const [leftImg, rightImg] = tf.tidy(() => [
      tf.randomUniform([1, height, width, 3], 0, 1, 'float32', 1) as tf.Tensor4D, // [B, H, W, 3]
      tf.randomUniform([1, height, width, 3], 0, 1, 'float32', 2) as tf.Tensor4D,
    ]);
    owned.push(leftImg, rightImg);
    const stereoNet = stereo;
    const stereoOut = tf.tidy(() => stereoNet.forward(leftImg, rightImg)); // [B, h, w, 1] each, pixels
    owned.push(...stereoOut);
    const singleNet = single;
    const singleOut = tf.tidy(() => singleNet.forward(leftImg));
    owned.push(...singleOut);

    const stereoSum = await Promise.all(stereoOut.map((t, i) => summarise(`stereo.dispPx[${i}]`, t)));
    const singleSum = await Promise.all(singleOut.map((t, i) => summarise(`single.dispPx[${i}]`, t)));
    outputs = [...stereoSum, ...singleSum];
    problems = [...checkOutputs('stereo', stereoSum, width, height), ...checkOutputs('single', singleSum, width, height)];
  } finally {
    tf.dispose(owned);
    stereo?.dispose();
    single?.dispose();
  }
  const numTensorsAfter = tf.memory().numTensors;
  if (numTensorsAfter !== numTensorsBefore) {
    problems.push(`leaked ${numTensorsAfter - numTensorsBefore} tensor(s): ${numTensorsBefore} before, ${numTensorsAfter} after`);
  }
  return {
    ok: problems.length === 0,
    backend,
    width,
    height,
    outputs,
    params,
    numTensorsBefore,
    numTensorsAfter,
    problems,
    ms: performance.now() - t0,
  };
}
