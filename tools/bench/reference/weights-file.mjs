// kt weight file: `<prefix>.json` (manifest: name, dtype, shape, byte offset of each tensor; free-form `meta`)
// + `<prefix>.bin` (the tensors' row-major little-endian values, 8-byte aligned). Written from kt's initial
// weights and batch, read by reference/common.py's read_weights, so PyTorch starts from the same numbers.
import * as fs from 'node:fs';

/**
 * Lays out named arrays (Float32Array or Int32Array with their shapes) into one buffer + manifest.
 * @param {{ name: string, shape: number[], values: Float32Array | Int32Array }[]} entries
 * @param {Record<string, unknown>} [meta]
 * @returns {{ manifest: { tensors: { name: string, dtype: 'float32' | 'int32', shape: number[], offset: number }[], meta: Record<string, unknown> }, data: Buffer }}
 */
export function encodeWeights(entries, meta = {}) {
  const names = new Set();
  const tensors = [];
  let offset = 0;
  for (const e of entries) {
    if (names.has(e.name)) throw new Error(`weight file: duplicate tensor name '${e.name}'`);
    names.add(e.name);
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (size !== e.values.length) throw new Error(`weight file: '${e.name}' has ${e.values.length} values for shape [${e.shape}]`);
    const dtype = e.values instanceof Float32Array ? 'float32' : e.values instanceof Int32Array ? 'int32' : undefined;
    if (dtype === undefined) throw new Error(`weight file: '${e.name}' must be a Float32Array or Int32Array`);
    tensors.push({ name: e.name, dtype, shape: [...e.shape], offset });
    offset += Math.ceil((size * 4) / 8) * 8;
  }
  const data = Buffer.alloc(offset);
  entries.forEach((e, i) => Buffer.from(e.values.buffer, e.values.byteOffset, e.values.byteLength).copy(data, tensors[i].offset));
  return { manifest: { tensors, meta }, data };
}

/** Writes `<prefix>.json` and `<prefix>.bin`. */
export function writeWeights(prefix, entries, meta = {}) {
  const { manifest, data } = encodeWeights(entries, meta);
  fs.writeFileSync(`${prefix}.bin`, data);
  fs.writeFileSync(`${prefix}.json`, `${JSON.stringify(manifest)}\n`);
}

/** Entries from tfjs tensors: `[name, tensor]` pairs (read synchronously; float32 or int32). */
export function tensorEntries(pairs) {
  return pairs.map(([name, t]) => ({ name, shape: t.shape, values: t.dtype === 'int32' ? Int32Array.from(t.dataSync()) : Float32Array.from(t.dataSync()) }));
}
