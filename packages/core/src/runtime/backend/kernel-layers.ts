import * as tf from '@tensorflow/tfjs';

/**
 * The one place kt swaps tfjs kernels: each owner (kt's wasm training kernels, @kt/native's kernels, a
 * test) installs its kernel configs as a *layer* over what is registered; the top layer of each kernel
 * is the registered one. Removing a layer re-registers what is now on top, or what was registered before
 * any layer (tfjs's own kernel, or nothing), whatever order layers come and go in. A kernel that handles
 * only some inputs runs {@link kernelBelow} for the rest.
 */
interface Layer {
  owner: string;
  config: tf.KernelConfig;
}

interface Stack {
  /** What was registered before the first layer (undefined: nothing). */
  base: tf.KernelConfig | undefined;
  /** Bottom first. */
  layers: Layer[];
}

const stacks = new Map<string, Stack>();

const keyOf = (kernelName: string, backendName: string): string => `${backendName}/${kernelName}`;

function topOf(stack: Stack): tf.KernelConfig | undefined {
  return stack.layers.length > 0 ? stack.layers[stack.layers.length - 1]!.config : stack.base;
}

function register(kernelName: string, backendName: string, config: tf.KernelConfig | undefined): void {
  if (tf.getKernel(kernelName, backendName) !== undefined) {
    tf.unregisterKernel(kernelName, backendName);
  }
  if (config !== undefined) {
    tf.registerKernel(config);
  }
}

/**
 * Installs `configs` as `owner`'s layer (replacing that owner's earlier layer, if any). A config
 * without a setupFunc keeps the one of the kernel below, so that kernel still works if the backend
 * initialises later and a kernel falls back to it.
 */
export function installKernels(owner: string, configs: readonly tf.KernelConfig[]): void {
  removeKernels(owner);
  for (const c of configs) {
    const key = keyOf(c.kernelName, c.backendName);
    let stack = stacks.get(key);
    if (stack === undefined) {
      stack = { base: tf.getKernel(c.kernelName, c.backendName), layers: [] };
      stacks.set(key, stack);
    }
    if (stack.layers.some((l) => l.owner === owner)) {
      throw new Error(`kt: ${owner} lists kernel ${c.kernelName} on '${c.backendName}' twice`);
    }
    const inherited = c.setupFunc === undefined ? topOf(stack)?.setupFunc : undefined;
    const config: tf.KernelConfig = inherited === undefined ? c : { ...c, setupFunc: inherited };
    stack.layers.push({ owner, config });
    register(c.kernelName, c.backendName, config);
  }
}

/** Removes `owner`'s layer; each of its kernels goes back to the layer below (or the original registration). */
export function removeKernels(owner: string): void {
  for (const [key, stack] of stacks) {
    const index = stack.layers.findIndex((l) => l.owner === owner);
    if (index < 0) {
      continue;
    }
    const [removed] = stack.layers.splice(index, 1);
    if (index === stack.layers.length) {
      register(removed!.config.kernelName, removed!.config.backendName, topOf(stack));
    }
    if (stack.layers.length === 0) {
      stacks.delete(key);
    }
  }
}

/** The kernel under `owner`'s layer for this kernel: what a kernel of `owner` falls back to. */
export function kernelBelow(owner: string, kernelName: string, backendName: string): tf.KernelConfig | undefined {
  const stack = stacks.get(keyOf(kernelName, backendName));
  if (stack === undefined) {
    return tf.getKernel(kernelName, backendName);
  }
  const index = stack.layers.findIndex((l) => l.owner === owner);
  if (index < 0) {
    return topOf(stack);
  }
  return index > 0 ? stack.layers[index - 1]!.config : stack.base;
}

/** Names of the kernels `owner` has installed (on top or covered by a later layer). */
export function installedKernels(owner: string): string[] {
  const names: string[] = [];
  for (const stack of stacks.values()) {
    const layer = stack.layers.find((l) => l.owner === owner);
    if (layer !== undefined) {
      names.push(layer.config.kernelName);
    }
  }
  return names;
}

/** Names of `owner`'s kernels that are the registered ones now (not covered by a later layer). */
export function activeKernels(owner: string): string[] {
  const names: string[] = [];
  for (const stack of stacks.values()) {
    const top = stack.layers[stack.layers.length - 1];
    if (top?.owner === owner && tf.getKernel(top.config.kernelName, top.config.backendName) === top.config) {
      names.push(top.config.kernelName);
    }
  }
  return names;
}
