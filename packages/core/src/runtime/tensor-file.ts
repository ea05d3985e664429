import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic, writeJsonAtomic } from './atomic';
import { CheckpointError } from './errors';

/**
 * kt's weight format: `<name>.bin` (raw little-endian tensors back to back) and `<name>.json`
 * (names, shapes, dtypes, offsets and a sha256 of the bin). Plain files: no tfjs-node needed.
 */
interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  offset: number;
  byteLength: number;
}
interface TensorManifest {
  format: 'kt-tensors/1';
  sha256: string;
  tensors: TensorEntry[];
}

export function saveTensors(dir: string, name: string, tensors: Map<string, tf.Tensor>): void {
  const entries: TensorEntry[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [key, t] of tensors) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') {
      throw new Error(`saveTensors: ${key} has dtype ${t.dtype}, which kt cannot save`);
    }
    const data = t.dtype === 'bool' ? Int32Array.from(t.dataSync() as Uint8Array) : t.dataSync();
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    entries.push({ name: key, shape: t.shape, dtype: t.dtype, offset, byteLength: buf.byteLength });
    chunks.push(Buffer.from(buf));
    offset += buf.byteLength;
  }
  const bin = Buffer.concat(chunks);
  const manifest: TensorManifest = {
    format: 'kt-tensors/1',
    sha256: crypto.createHash('sha256').update(bin).digest('hex'),
    tensors: entries,
  };
  writeFileAtomic(path.join(dir, `${name}.bin`), bin);
  writeJsonAtomic(path.join(dir, `${name}.json`), manifest);
}

export function hasTensors(dir: string, name: string): boolean {
  return fs.existsSync(path.join(dir, `${name}.json`)) && fs.existsSync(path.join(dir, `${name}.bin`));
}

/** Loads tensors saved by `saveTensors`, verifying the manifest and checksum. Caller owns the tensors. */
export function loadTensors(dir: string, name: string): Map<string, tf.Tensor> {
  const manifestPath = path.join(dir, `${name}.json`);
  const binPath = path.join(dir, `${name}.bin`);
  let manifest: TensorManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as TensorManifest;
  } catch (err) {
    throw new CheckpointError(`cannot read ${manifestPath}: ${(err as Error).message}`);
  }
  if (manifest?.format !== 'kt-tensors/1' || !Array.isArray(manifest.tensors)) {
    throw new CheckpointError(`${manifestPath} is not a kt tensor manifest`);
  }
  let bin: Buffer;
  try {
    bin = fs.readFileSync(binPath);
  } catch (err) {
    throw new CheckpointError(`cannot read ${binPath}: ${(err as Error).message}`);
  }
  const digest = crypto.createHash('sha256').update(bin).digest('hex');
  if (digest !== manifest.sha256) {
    throw new CheckpointError(`${binPath} is corrupted (checksum mismatch)`);
  }
  const out = new Map<string, tf.Tensor>();
  for (const e of manifest.tensors) {
    if (e.offset + e.byteLength > bin.byteLength) throw new CheckpointError(`${binPath} is truncated at ${e.name}`);
    const slice = bin.subarray(e.offset, e.offset + e.byteLength);
    const copy = new Uint8Array(slice).buffer;
    const values = e.dtype === 'float32' ? new Float32Array(copy) : new Int32Array(copy);
    out.set(e.name, tf.tensor(values, e.shape, e.dtype === 'bool' ? 'bool' : e.dtype));
  }
  return out;
}

export function disposeMap(tensors: Map<string, tf.Tensor>): void {
  for (const t of tensors.values()) t.dispose();
}
