/**
 * One seeded stage-1 training step on the Node backend named by argv[2] (wasm, webgpu, cpu),
 * printed as JSON: the loss, every gradient, and the weights after two Adam updates by fixed gradients. The same
 * inputs and weights on every backend (tf.randomNormal with a seed draws in JavaScript), so two
 * backends' outputs can be compared: cli/nodeWebgpu.test.ts runs it on WebGPU (Dawn) and on WASM,
 * cli/nodeWasmThreads.test.ts on WASM with one thread and with two (argv[3]: --threads).
 *
 *   npx tsx cli/nodeWebgpuCheck.ts webgpu > out.json
 *   npx tsx cli/nodeWebgpuCheck.ts wasm 2 > out.json
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../src/core/adam';
import type { ImageT } from '../src/core/types';
import { buildStereoNet, stereoNetConfig } from '../src/model';
import { layeredScene } from '../src/testing/scenes';
import { stereoLoss } from '../src/train/stages/losses';
import { nativeHelperReady, nativeHelpersReady, nativeStats, waitForNativeHelper } from '../src/backends/wasm';
import { killNativeHelperForTest, setNativeSplitMin } from '../src/backends/wasm/testing';
import { nodeWasmThreads, useNodeBackend } from './common';
import { nodeAdapterInfo } from './nodeWebgpu';

async function main(): Promise<void> {
  const backend = await useNodeBackend(process.argv[2] ?? 'wasm', { threads: process.argv[3] !== undefined ? Number(process.argv[3]) : 1 });
  // on threaded wasm: our weight-gradient kernel's helper thread up, and every gradient it can split split
  const nativeHelper = backend === 'wasm' ? await waitForNativeHelper() : false;
  const nativeHelpers = nativeHelpersReady();
  setNativeSplitMin(0);
  // RD_CHECK_KILL_HELPER: the helper's thread stopped under it; the step must still come out whole
  if (process.env.RD_CHECK_KILL_HELPER) killNativeHelperForTest(300);
  const a = layeredScene({ H: 32, W: 64, bg: 3, fg: 8, x0: 20, x1: 44, seed: 1 });
  const b = layeredScene({ H: 32, W: 64, bg: 5, fg: 2, x0: 10, x1: 30, seed: 2 });
  const l = tf.concat([a.leftImg, b.leftImg]) as ImageT;
  const r = tf.concat([a.rightImg, b.rightImg]) as ImageT;
  const net = buildStereoNet(stereoNetConfig('tiny'));
  const vars = net.params.list();
  vars.forEach((v, i) => {
    const fanIn = v.shape.slice(0, -1).reduce((x, y) => x * y, 1);
    v.assign(tf.tidy(() => tf.randomNormal(v.shape, 0, v.shape.length > 1 ? Math.sqrt(1 / fanIn) : 0.05, 'float32', 100 + i)));
  });
  // 'all': no left-right mask, whose 0/1 threshold could flip a pixel between backends' roundings;
  // RD_CHECK_CENSUS: the census term's weight (default 0: the method's loss)
  const census = Number(process.env.RD_CHECK_CENSUS ?? 0);
  const { value, grads } = tf.variableGrads(() => stereoLoss(net, l, r, 1e-3, 'all', undefined, census).total, vars);
  const out = {
    backend,
    adapter: nodeAdapterInfo() ?? null,
    wasmThreads: backend === 'wasm' ? (nodeWasmThreads()?.threads ?? null) : null,
    nativeHelper,
    nativeHelpers,
    loss: (await value.data())[0],
    grads: {} as Record<string, number[]>,
    afterAdam: {} as Record<string, number[]>,
  };
  for (const v of vars) out.grads[v.name] = Array.from(await grads[v.name].data());
  const nativeSplitCalls = nativeStats.splitCalls;
  const nativeHelperAfter = nativeHelperReady();
  // Adam on the same gradients on every backend (its first step is about lr * sign(g), so the two
  // backends' slightly different gradients would move tiny elements differently)
  const fixed = Object.fromEntries(vars.map((v, i) => [v.name, tf.randomNormal(v.shape, 0, 1e-3, 'float32', 500 + i)]));
  const adam = new Adam(1e-3);
  adam.applyGradients(fixed);
  adam.applyGradients(fixed);
  for (const v of vars) out.afterAdam[v.name] = Array.from(await v.data());
  // (a pipe's write is asynchronous: exit only once it is flushed)
  await new Promise((done) => process.stdout.write(JSON.stringify({ ...out, nativeSplitCalls, nativeHelperAfter }), done));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`nodeWebgpuCheck: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
