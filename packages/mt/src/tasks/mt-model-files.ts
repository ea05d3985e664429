import * as fs from 'fs';
import * as path from 'path';
import {
  ConfigError,
  disposeMap,
  hasTensors,
  latestCheckpoint,
  loadTensors,
  writeJsonAtomic,
} from '@kt/core';
import { z } from 'zod';
import { Transformer, TransformerConfigSchema, type TransformerConfig } from '../models';
import { BpeTokenizer } from '../tokenizer';

/** `model.json`: what a saved mt model needs besides its weights. */
export const MtModelManifestSchema = z.object({
  format: z.literal('kt-mt-model/1'),
  transformer: TransformerConfigSchema,
  /** Fingerprint of the tokenizer the model was trained with (`tokenizer.json` beside it). */
  tokenizerFingerprint: z.string().min(1),
  parameters: z.int().nonnegative(),
});
export type MtModelManifest = z.infer<typeof MtModelManifestSchema>;

/** Writes `model.json` and `tokenizer.json` into `dir` (a run's `artifacts/` or a teacher cache folder). */
export function writeModelFiles(dir: string, config: TransformerConfig, parameters: number, tokenizer: BpeTokenizer): void {
  const manifest: MtModelManifest = {
    format: 'kt-mt-model/1',
    transformer: config,
    tokenizerFingerprint: tokenizer.fingerprint(),
    parameters,
  };
  writeJsonAtomic(path.join(dir, 'tokenizer.json'), tokenizer.toJSON());
  writeJsonAtomic(path.join(dir, 'model.json'), manifest);
}

function readJson(file: string, what: string): unknown {
  if (!fs.existsSync(file)) throw new ConfigError(`${what}: ${file} is missing`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${what}: ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Reads `model.json` and `tokenizer.json` of `dir`; a missing or malformed file is a ConfigError naming it. */
export function readModelFiles(dir: string, what: string): { manifest: MtModelManifest; tokenizer: BpeTokenizer } {
  const raw = readJson(path.join(dir, 'model.json'), what);
  const parsed = MtModelManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`${what}: ${path.join(dir, 'model.json')} is not an mt model manifest: ${parsed.error.issues[0]?.message ?? ''}`);
  }
  const tokenizer = BpeTokenizer.fromJSON(readJson(path.join(dir, 'tokenizer.json'), what));
  if (tokenizer.fingerprint() !== parsed.data.tokenizerFingerprint) {
    throw new ConfigError(
      `${what}: ${path.join(dir, 'tokenizer.json')} (vocabulary ${tokenizer.fingerprint()}) is not the tokenizer of the model (${parsed.data.tokenizerFingerprint})`,
    );
  }
  return { manifest: parsed.data, tokenizer };
}

export type CheckpointChoice = 'latest' | 'best';

/** Where a saved model's weights live: `{dir, name}` for core's loadTensors. */
export interface WeightsLocation {
  dir: string;
  name: string;
}

/**
 * The learner weights of a run: its latest checkpoint (`checkpoints/latest.json`) or `checkpoints/best`;
 * undefined = the best one when the run kept one (early stopping), else the latest.
 */
export function runWeights(runDir: string, choice?: CheckpointChoice): WeightsLocation {
  const checkpoints = path.join(runDir, 'checkpoints');
  const which = choice ?? (hasTensors(path.join(checkpoints, 'best'), 'learner') ? 'best' : 'latest');
  const dir = which === 'best' ? path.join(checkpoints, 'best') : latestCheckpoint(checkpoints);
  if (dir === undefined || !fs.existsSync(dir)) {
    throw new ConfigError(
      which === 'best'
        ? `run ${runDir} has no best checkpoint (only runs with train.earlyStopping keep one); use --checkpoint latest`
        : `run ${runDir} has no checkpoint yet (checkpoints/latest.json is missing)`,
    );
  }
  if (!hasTensors(dir, 'learner')) throw new ConfigError(`checkpoint ${dir} has no learner weights (learner.bin/learner.json)`);
  return { dir, name: 'learner' };
}

/** Builds a transformer from a manifest and loads weights into it; mismatches are ConfigErrors. */
export function loadTransformer(config: TransformerConfig, weights: WeightsLocation, seed = 0): Transformer {
  const model = new Transformer(config, seed);
  const tensors = loadTensors(weights.dir, weights.name);
  try {
    model.setWeights(tensors);
  } catch (err) {
    model.dispose();
    throw new ConfigError(`weights in ${path.join(weights.dir, weights.name)} do not fit the model: ${(err as Error).message}`);
  } finally {
    disposeMap(tensors);
  }
  return model;
}

/** A finished (or interrupted) mt run loaded for translation: model, tokenizer and its resolved config. */
export interface LoadedRun {
  model: Transformer;
  tokenizer: BpeTokenizer;
  config: Record<string, unknown>;
  weights: WeightsLocation;
}

/**
 * Loads a run directory written by an mt task: config.json, artifacts/{model,tokenizer}.json and learner
 * weights (`which`: default the best checkpoint when the run kept one, else the latest).
 */
export function loadMtRun(runDir: string, which?: CheckpointChoice): LoadedRun {
  const dir = path.resolve(runDir);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new ConfigError(`run directory not found: ${runDir}`);
  const config = readJson(path.join(dir, 'config.json'), `${runDir} is not a kt run directory`) as Record<string, unknown>;
  if (config['plugin'] !== 'mt') throw new ConfigError(`run ${runDir} is a ${String(config['plugin'])} run, not an mt run`);
  const artifacts = path.join(dir, 'artifacts');
  if (!fs.existsSync(path.join(artifacts, 'model.json')) || !fs.existsSync(path.join(artifacts, 'tokenizer.json'))) {
    throw new ConfigError(`run ${runDir} has no artifacts/model.json and artifacts/tokenizer.json (was it written by an older kt?)`);
  }
  const { manifest, tokenizer } = readModelFiles(artifacts, `run ${runDir}`);
  const weights = runWeights(dir, which);
  return { model: loadTransformer(manifest.transformer, weights), tokenizer, config, weights };
}
