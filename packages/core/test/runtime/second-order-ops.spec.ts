import * as tf from '@tensorflow/tfjs';
import { crossAttention, dropout, embeddingLookup, gelu, hasKernel, KT_KERNEL_NAMES, layerNorm, selfAttention, softmaxCrossEntropy } from '../../src/ops';
import { initBackend } from '../../src/runtime/backend';
import { Rng } from '../../src/runtime/rng';
import { checkBackwardDifferentiable } from '../../src/runtime/teacher-update';

/**
 * Which of core's ops have a backward pass that tfjs can differentiate again (MetaDistil's second order needs the
 * learner's backward pass on the tape). On wasm with kt's kernels (@kt/native where it is built), each fused op's
 * backward is a kernel without a gradient of its own, and the embedding lookup's table gradient is a scatter-add
 * (kernel or JavaScript) off the tape: outside composite mode the check refuses them and, for kernels, names the
 * kernel. Inside composite mode (how the meta step runs) every op is exact. The MT Transformer is built from
 * these ops; packages/mt's metadistil specs check the whole model.
 */
let native = false;
beforeAll(async () => {
  const info = await initBackend({ requested: 'wasm', log: () => undefined });
  native = info.native?.active === true;
});

const rng = Rng.fromSeed(11);
let made = 0;
const variable = (shape: number[], name: string): tf.Variable => tf.variable(tf.tensor(rng.normals(shape.reduce((a, b) => a * b, 1)), shape), true, `second-order-${name}-${made++}`);

interface OpCase {
  name: string;
  /** The kernel whose presence makes the op fused (outside composite mode). */
  kernel: string;
  /** The kernel tfjs names when it cannot differentiate the op's backward; undefined: a JS gradient (no name). */
  backwardKernel: string | undefined;
  /** The op's backward is off the tape even without its kernel (the embedding's JS scatter-add). */
  offTapeWithoutKernel?: boolean;
  make(): { vars: tf.Variable[]; f: () => tf.Scalar; dispose(): void };
}

/** A loss Σ c ⊙ op(vars) with fixed random c, so every output element reaches the gradient. */
function weighted(vars: tf.Variable[], op: () => tf.Tensor, extra: tf.Tensor[] = []): { vars: tf.Variable[]; f: () => tf.Scalar; dispose(): void } {
  const shape = tf.tidy(() => op().shape);
  const c = tf.tensor(rng.normals(shape.reduce((a, b) => a * b, 1)), shape);
  return {
    vars,
    f: () => tf.tidy(() => tf.sum(tf.mul(op(), c)) as tf.Scalar),
    dispose: () => tf.dispose([...vars, c, ...extra]),
  };
}

const cases: OpCase[] = [
  {
    name: 'gelu',
    kernel: KT_KERNEL_NAMES.gelu,
    backwardKernel: KT_KERNEL_NAMES.geluGrad,
    make: () => {
      const x = variable([3, 8], 'x');
      return weighted([x], () => gelu(x));
    },
  },
  {
    name: 'layerNorm',
    kernel: KT_KERNEL_NAMES.layerNorm,
    backwardKernel: KT_KERNEL_NAMES.layerNormGrad,
    make: () => {
      const x = variable([2, 3, 8], 'x');
      const g = variable([8], 'gamma');
      const b = variable([8], 'beta');
      return weighted([x, g, b], () => layerNorm(x, g, b));
    },
  },
  {
    name: 'selfAttention (causal)',
    kernel: KT_KERNEL_NAMES.attention,
    backwardKernel: KT_KERNEL_NAMES.attentionGrad,
    make: () => {
      const qkv = variable([2, 4, 24], 'qkv');
      return weighted([qkv], () => selfAttention(qkv, { heads: 2, causal: true }));
    },
  },
  {
    name: 'crossAttention (key padding)',
    kernel: KT_KERNEL_NAMES.attention,
    backwardKernel: KT_KERNEL_NAMES.attentionGrad,
    make: () => {
      const q = variable([2, 3, 8], 'q');
      const kv = variable([2, 5, 16], 'kv');
      const pad = tf.tensor2d([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]]);
      return weighted([q, kv], () => crossAttention(q, kv, { heads: 2, keyPadding: pad }), [pad]);
    },
  },
  {
    name: 'softmaxCrossEntropy',
    kernel: KT_KERNEL_NAMES.softmaxXent,
    backwardKernel: KT_KERNEL_NAMES.softmaxXentGrad,
    make: () => {
      const logits = variable([4, 6], 'logits');
      const labels = tf.softmax(tf.tensor(rng.normals(24), [4, 6]));
      return weighted([logits], () => softmaxCrossEntropy(labels, logits), [labels]);
    },
  },
  {
    name: 'dropout',
    kernel: KT_KERNEL_NAMES.dropout,
    backwardKernel: KT_KERNEL_NAMES.dropout,
    make: () => {
      const x = variable([4, 8], 'x');
      return weighted([x], () => dropout(x, 0.5, 7));
    },
  },
  {
    name: 'embeddingLookup',
    kernel: KT_KERNEL_NAMES.embeddingGrad,
    backwardKernel: KT_KERNEL_NAMES.embeddingGrad,
    offTapeWithoutKernel: true,
    make: () => {
      const table = variable([7, 4], 'table');
      const ids = tf.tensor2d([[1, 3, 3], [0, 6, 1]], undefined, 'int32');
      return weighted([table], () => embeddingLookup(table, ids), [ids]);
    },
  },
];

describe('second-order gradients through core ops', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s: exact inside composite mode', (_name, c) => {
    const { vars, f, dispose } = c.make();
    const before = tf.memory().numTensors;
    expect(checkBackwardDifferentiable(vars, f)).toEqual({ ok: true });
    expect(tf.memory().numTensors).toBe(before);
    dispose();
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: as it runs in training (fused kernel or JS gradient), refused and named', (_name, c) => {
    const { vars, f, dispose } = c.make();
    const fused = hasKernel(c.kernel);
    const check = checkBackwardDifferentiable(vars, f, { composite: false });
    dispose();
    if (fused) {
      expect(check.ok).toBe(false);
      expect(check.reason).toContain(c.backwardKernel);
    } else if (c.offTapeWithoutKernel) {
      expect(check.ok).toBe(false);
      expect(check.reason).toMatch(/off the tape/);
    } else {
      // Without the kernel the op is its composite already.
      expect(check).toEqual({ ok: true });
    }
  });

  it('the fused kernels are there when @kt/native is (so the refusals above are exercised)', () => {
    if (!native) {
      console.warn('@kt/native is not active here: the fused cases ran as composites (see the native package README to build it)');
      return;
    }
    for (const c of cases) expect(hasKernel(c.kernel)).toBe(true);
  });
});
