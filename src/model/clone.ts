import { buildSingleNet, type SingleNet } from './singleNet';
import { buildStereoNet, type StereoNet } from './stereoNet';

/** An independent copy of a network (same config, weights copied), e.g. a frozen teacher. */
export function cloneStereoNet(net: StereoNet): StereoNet {
  const copy = buildStereoNet(net.config);
  for (const [name, v] of net.params.vars) copy.params.get(name).assign(v);
  return copy;
}

export function cloneSingleNet(net: SingleNet): SingleNet {
  const copy = buildSingleNet(net.config);
  for (const [name, v] of net.params.vars) copy.params.get(name).assign(v);
  return copy;
}
