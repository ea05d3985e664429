import * as tf from '@tensorflow/tfjs';
import { initBackend, installNativeKernels, loadNativeModule, removeNativeKernels } from '../../src/runtime/backend';
import { opCases } from './op-cases';
import { CaseResult, compareValues, runCase } from './parity-harness';

/**
 * cpu-vs-wasm parity of every op training uses (forward values and gradients), in each backend
 * mode: plain wasm + kt's training kernels, and wasm + @kt/native (system BLAS, portable GEMM)
 * when the addon is present and available. Add ops to op-cases.ts.
 */
const RTOL = 1e-4;
const ATOL = 1e-5;

const cpuResults = new Map<string, CaseResult>();
/** Kernels the cases dispatched on wasm + native. */
const dispatched = new Set<string>();

async function reference(name: string): Promise<CaseResult> {
  const cached = cpuResults.get(name);
  if (cached !== undefined) {
    return cached;
  }
  const c = opCases.find((o) => o.name === name);
  if (c === undefined) {
    throw new Error(`no case ${name}`);
  }
  await tf.setBackend('cpu');
  const result = runCase(c);
  cpuResults.set(name, result);
  return result;
}

interface Mode {
  name: string;
  skipReason?: string;
  /** Records which kernels each case dispatches (for the meta-test below). */
  recordKernels?: boolean;
  enter: () => void;
  leave: () => void;
}

const loaded = loadNativeModule();
const nativeSkip = ((): string | undefined => {
  if (loaded.module === undefined) {
    return loaded.reason;
  }
  const status = loaded.module.nativeStatus();
  return status.available ? undefined : `@kt/native unavailable: ${status.reason ?? 'no reason given'}`;
})();

function nativeMode(name: string, blas: 'system' | 'portable'): Mode {
  return {
    name,
    skipReason: nativeSkip,
    recordKernels: blas === 'system',
    enter: () => {
      const info = installNativeKernels({ blas });
      if (!info.active) {
        throw new Error(`installNativeKernels(${blas}) failed: ${info.reason ?? 'no reason given'}`);
      }
    },
    leave: () => removeNativeKernels(),
  };
}

const modes: Mode[] = [
  { name: 'wasm + kt training kernels', enter: () => undefined, leave: () => undefined },
  nativeMode('wasm + native (system BLAS)', 'system'),
  nativeMode('wasm + native (portable GEMM)', 'portable'),
];

beforeAll(async () => {
  await initBackend({ requested: 'wasm', native: false, log: () => undefined });
});

for (const mode of modes) {
  // Without the addon the native modes' cases are reported as skipped, with the reason.
  const describeMode = mode.skipReason === undefined ? describe : describe.skip;
  const title = mode.skipReason === undefined ? mode.name : `${mode.name} (skipped: ${mode.skipReason})`;
  describeMode(`kernel parity: ${title}`, () => {
    beforeAll(() => mode.enter());
    afterAll(() => mode.leave());

    it.each(opCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const expected = await reference(c.name);
      await tf.setBackend('wasm');
      let actual = runCase(c);
      if (mode.recordKernels) {
        const profile = await tf.profile(() => {
          actual = runCase(c);
          return undefined;
        });
        profile.kernelNames.forEach((k) => dispatched.add(k));
      }
      const rtol = c.rtol ?? RTOL;
      const atol = c.atol ?? ATOL;
      const problems: string[] = [];
      expect(actual.outputs.length).toBe(expected.outputs.length);
      expect(actual.grads.length).toBe(expected.grads.length);
      actual.outputs.forEach((o, i) => {
        const p = compareValues(o, expected.outputs[i], rtol, atol);
        if (p !== undefined) problems.push(`output ${i}: ${p}`);
      });
      actual.grads.forEach((g, i) => {
        const p = compareValues(g, expected.grads[i], rtol, atol);
        if (p !== undefined) problems.push(`gradient ${i}: ${p}`);
      });
      expect(problems).toEqual([]);
      expect(actual.leakedTensors).toBe(0);
    });

    if (mode.recordKernels) {
      // Runs after the cases above (jest keeps declaration order within a describe).
      it("meta: every kernel in @kt/native's kernel list has a parity case", () => {
        const names = loaded.module?.NATIVE_KERNEL_NAMES ?? [];
        expect(names.length).toBeGreaterThan(0);
        const missing = names.filter((k) => !dispatched.has(k));
        if (missing.length > 0) {
          throw new Error(`no parity case runs these @kt/native kernels: ${missing.join(', ')} (add cases to op-cases.ts)`);
        }
      });
    }
  });
}
