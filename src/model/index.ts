export * from './config';
export { buildStereoNet, type StereoNet } from './stereoNet';
export { buildSingleNet, type SingleNet } from './singleNet';
export { Params, conv, convLayer, conv2dFilterGrad, type Activation, type ConvLayer } from './layers';
export * from './io';
export { cloneStereoNet, cloneSingleNet } from './clone';
