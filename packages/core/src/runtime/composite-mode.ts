/**
 * Composite mode: while it is on, core's fused ops (`ops/`: gelu, layerNorm, attention, softmax
 * cross-entropy, …) must run their composite of plain tfjs ops instead of a registered kernel.
 *
 * Why: a fused op's backward is a kernel of its own (e.g. KtGeluGrad), which the gradient tape cannot
 * differentiate again. Second-order gradients (MetaDistil's gradient of the quiz loss through one
 * learner step) differentiate the backward pass, so the meta step runs inside {@link runComposite}.
 * tfjs's built-in kernels (MatMul, Conv2D, …, also when kt's native addon implements them) keep their
 * gradient definitions written in ops and stay differentiable twice; only the custom-gradient fused ops
 * need the switch. An op honours it by checking {@link compositeOnly} before it picks its kernel.
 */
let depth = 0;

/** True inside {@link runComposite}: fused ops must take their composite path. */
export function compositeOnly(): boolean {
  return depth > 0;
}

/** Runs `fn` with fused ops forced to their composite form (nestable; restored when `fn` returns or throws). */
export function runComposite<T>(fn: () => T): T {
  depth += 1;
  try {
    return fn();
  } finally {
    depth -= 1;
  }
}
