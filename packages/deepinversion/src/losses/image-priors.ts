import * as tf from '@tensorflow/tfjs';

/**
 * The four neighbour differences DeepInversion's `get_image_prior_losses` takes, on NHWC images: horizontal,
 * vertical and the two diagonals.
 */
function neighbourDifferences(x: tf.Tensor4D): tf.Tensor4D[] {
  const [n, h, w, c] = x.shape;
  const s = (y0: number, x0: number, hh: number, ww: number): tf.Tensor4D => tf.slice(x, [0, y0, x0, 0], [n, hh, ww, c]);
  return [
    tf.sub(s(0, 0, h, w - 1), s(0, 1, h, w - 1)),
    tf.sub(s(0, 0, h - 1, w), s(1, 0, h - 1, w)),
    tf.sub(s(1, 0, h - 1, w - 1), s(0, 1, h - 1, w - 1)),
    tf.sub(s(0, 0, h - 1, w - 1), s(1, 1, h - 1, w - 1)),
  ];
}

/** Total variation, L2 variant: Σ_k ‖D_k x‖_F over the four neighbour differences (the original's `loss_var_l2`). */
export function totalVariationL2(x: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => tf.addN(neighbourDifferences(x).map((d) => tf.norm(d))) as tf.Scalar);
}

/**
 * Total variation, L1 variant: Σ_k mean |D_k x|. (The original's `loss_var_l1` also divides by 255, a leftover
 * of 0–255 pixels; kt's images are in [0, 1], so the weight α_tv carries the scale instead.)
 */
export function totalVariationL1(x: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => tf.addN(neighbourDifferences(x).map((d) => tf.mean(tf.abs(d)))) as tf.Scalar);
}

/** The L2 prior ‖x̂‖₂: the Frobenius norm of the whole batch (the original's `torch.norm(inputs_jit, 2)`). */
export function l2Prior(x: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.norm(x) as tf.Scalar);
}
