import * as tf from '@tensorflow/tfjs';
import {
  BACKEND_REQUESTS,
  initBackend,
  parseBackendRequest,
  requestedThreads,
  WASM_TRAINING_KERNEL_NAMES,
  wasmTrainingKernelsActive,
} from '../../src/runtime/backend';

const ENV_KEYS = ['KT_BACKEND', 'KT_NATIVE', 'KT_NATIVE_BLAS', 'KT_NUM_THREADS'] as const;

function tfjsNodeInstalled(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe('initBackend', () => {
  const saved = new Map<string, string | undefined>();
  beforeEach(() => {
    for (const key of ENV_KEYS) {
      saved.set(key, process.env[key]);
      delete process.env[key];
    }
  });
  afterEach(() => {
    for (const key of ENV_KEYS) {
      const value = saved.get(key);
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  const autoTest = tfjsNodeInstalled() ? it.skip : it;
  autoTest('auto picks wasm with kt training kernels when tfjs-node is absent, logging one line', async () => {
    const lines: string[] = [];
    const info = await initBackend({ log: (l) => lines.push(l) });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^kt backend: wasm .*native kernels: (on|off)/);
    expect(lines[0]).toContain(info.native.active ? 'native kernels: on' : 'native kernels: off');
    expect(WASM_TRAINING_KERNEL_NAMES).toEqual(
      expect.arrayContaining(['Conv2DBackpropFilter', 'UnsortedSegmentSum', 'MaxPoolGrad']),
    );
    if (!info.native.active) {
      // kt's kernels stay registered only when native did not replace them.
      expect(wasmTrainingKernelsActive()).toBe(true);
    }

    const again = await initBackend({ log: (l) => lines.push(l) });
    expect(again).toBe(info);
    expect(lines).toHaveLength(1);
  });

  it('KT_BACKEND=cpu selects the cpu backend', async () => {
    process.env['KT_BACKEND'] = 'cpu';
    const lines: string[] = [];
    const info = await initBackend({ log: (l) => lines.push(l) });
    expect(info.name).toBe('cpu');
    expect(info.native.active).toBe(false);
    expect(tf.getBackend()).toBe('cpu');
    expect(lines).toEqual(['kt backend: cpu (plain JS)']);
  });

  it('an explicit request wins over KT_BACKEND', async () => {
    process.env['KT_BACKEND'] = 'cpu';
    const info = await initBackend({ requested: 'wasm', native: false, log: () => undefined });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('decides KT_BACKEND precedence once: a requested auto is not overridden by KT_BACKEND, a config is', async () => {
    process.env['KT_BACKEND'] = 'cpu';
    const fromConfig = await initBackend({ config: 'wasm', native: false, log: () => undefined });
    expect(fromConfig.name).toBe('cpu');
    expect(fromConfig.choice).toEqual({ requested: 'cpu', source: 'env' });
    if (!tfjsNodeInstalled()) {
      const auto = await initBackend({ requested: 'auto', native: false, log: () => undefined });
      expect(auto.name).toBe('wasm');
      expect(auto.choice).toEqual({ requested: 'auto', source: 'flag' });
    }
    delete process.env['KT_BACKEND'];
    const config = await initBackend({ config: 'cpu', log: () => undefined });
    expect(config.choice).toEqual({ requested: 'cpu', source: 'config' });
  });

  it('KT_NATIVE=off runs plain wasm and says why', async () => {
    await initBackend({ requested: 'cpu', log: () => undefined });
    process.env['KT_NATIVE'] = 'off';
    const lines: string[] = [];
    const info = await initBackend({ requested: 'wasm', log: (l) => lines.push(l) });
    expect(info.native.active).toBe(false);
    expect(info.native.reason).toMatch(/disabled/);
    expect(lines[0]).toMatch(/native kernels: off \(disabled/);
    expect(wasmTrainingKernelsActive()).toBe(true);
  });

  it('an unknown backend name gives an error listing the valid ones', async () => {
    expect(() => parseBackendRequest('webgpu')).toThrow(
      "Unknown backend 'webgpu'. Valid backends: auto, tensorflow, wasm, cpu",
    );
    process.env['KT_BACKEND'] = 'gpu';
    await expect(initBackend({ log: () => undefined })).rejects.toThrow(
      /Unknown backend in KT_BACKEND 'gpu'\. Valid backends: auto, tensorflow, wasm, cpu/,
    );
    await expect(initBackend({ requested: 'tpu' as never, log: () => undefined })).rejects.toThrow(/Valid backends/);
    expect(BACKEND_REQUESTS).toEqual(['auto', 'tensorflow', 'wasm', 'cpu']);
  });

  (tfjsNodeInstalled() ? it.skip : it)('requesting tensorflow without tfjs-node fails clearly', async () => {
    await expect(initBackend({ requested: 'tensorflow', log: () => undefined })).rejects.toThrow(
      /backend 'tensorflow' could not be started: @tensorflow\/tfjs-node not available/,
    );
  });

  it('KT_NUM_THREADS is validated and defaults to the core count', () => {
    expect(requestedThreads({})).toBeGreaterThanOrEqual(1);
    expect(requestedThreads({ KT_NUM_THREADS: '3' })).toBe(3);
    expect(() => requestedThreads({ KT_NUM_THREADS: 'many' })).toThrow(/positive integer/);
  });
});
