/**
 * Prints the parameter count of every network preset:  npm run params
 */
import * as tf from '@tensorflow/tfjs';
import { buildSingleNet, buildStereoNet, PRESET_NAMES, singleNetConfig, stereoNetConfig } from '../src/model';

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const rows: string[] = ['preset    StereoNet   SingleNet'];
  for (const preset of PRESET_NAMES) {
    const stereo = buildStereoNet(stereoNetConfig(preset));
    const single = buildSingleNet(singleNetConfig(preset));
    rows.push(`${preset.padEnd(8)} ${String(stereo.paramCount()).padStart(10)} ${String(single.paramCount()).padStart(11)}`);
    stereo.dispose();
    single.dispose();
  }
  console.log(rows.join('\n'));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
