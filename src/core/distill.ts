import * as tf from '@tensorflow/tfjs';
import { maskedMean } from './photometric';
import { stopGradient } from './stopGradient';
import { check, sameShape, type DispT, type MapT } from './types';

/**
 * Occlusion-aware distillation loss (stage 2): sum(M * |dStudent - dTeacher|) / sum(M).
 * Only pixels both views see (M = 1) supervise the student; teacher and mask carry no gradient.
 * Pass a mask of ones for the unmasked ablation. All [B, H, W, 1] -> scalar.
 */
export function distillLoss(dStudent: DispT, dTeacher: DispT, visibility: MapT): tf.Scalar {
  check(sameShape(dStudent.shape, dTeacher.shape), 'distillLoss',
    () => `student [${dStudent.shape}] and teacher [${dTeacher.shape}] disparities must have the same shape`);
  return tf.tidy(() => maskedMean(tf.abs(tf.sub(dStudent, stopGradient(dTeacher))) as MapT, visibility));
}
