import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, disposeMap, hasTensors, KtError, loadTensors, readRunWeights, type ConfigIssue } from '@kt/core';
import type { ModelSizes } from '../config-schema';
import type { Transformer, TransformerConfig } from '../models';
import type { BpeTokenizer } from '../tokenizer';
import { readModelFiles, type MtModelManifest } from './mt-model-files';

/** The fields of a transformer config that shape its weights (dropout and label smoothing do not). */
export const ARCHITECTURE_FIELDS = ['vocabSize', 'dModel', 'heads', 'ffDim', 'encoderLayers', 'decoderLayers', 'activation', 'maxLen'] as const;
type ArchitectureField = (typeof ARCHITECTURE_FIELDS)[number];

/** Where `learner.init` points: the mt run it comes from and, for a checkpoint path, that checkpoint. */
export interface LearnerInitSource {
  /** The run directory (holding `artifacts/model.json` and `artifacts/tokenizer.json`). */
  runDir: string;
  /** A checkpoint directory given explicitly; undefined = the run's best checkpoint, else its latest. */
  checkpoint?: string;
}

/**
 * Resolves `learner.init`: a run directory (has `config.json`) or one of its checkpoint directories
 * (`<run>/checkpoints/<name>` holding `learner.json` + `learner.bin`). Anything else is a ConfigError.
 */
export function resolveLearnerInit(init: string): LearnerInitSource {
  const dir = path.resolve(init);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ConfigError(`learner.init: ${init}: no such directory (give an mt run directory or one of its checkpoint directories)`);
  }
  if (fs.existsSync(path.join(dir, 'config.json'))) return { runDir: dir };
  if (hasTensors(dir, 'learner')) {
    const runDir = path.dirname(path.dirname(dir));
    if (path.basename(path.dirname(dir)) !== 'checkpoints' || !fs.existsSync(path.join(runDir, 'config.json'))) {
      throw new ConfigError(`learner.init: ${init}: a checkpoint outside a run directory (expected <run>/checkpoints/<name>)`);
    }
    return { runDir, checkpoint: dir };
  }
  throw new ConfigError(`learner.init: ${init}: neither a kt run directory (no config.json) nor a checkpoint (no learner.json/learner.bin)`);
}

/** `field a (init) ≠ b (this config)` for every architecture field that differs; `vocabSize` only when given. */
export function architectureDifferences(saved: Partial<TransformerConfig>, wanted: Partial<TransformerConfig>): string[] {
  const out: string[] = [];
  for (const field of ARCHITECTURE_FIELDS as readonly ArchitectureField[]) {
    if (wanted[field] === undefined || saved[field] === undefined) continue;
    if (saved[field] !== wanted[field]) out.push(`${field} ${String(saved[field])} (init) ≠ ${String(wanted[field])} (this config)`);
  }
  return out;
}

function readInitManifest(source: LearnerInitSource, init: string): { manifest: MtModelManifest; tokenizer: BpeTokenizer } {
  let config: { plugin?: unknown };
  try {
    config = JSON.parse(fs.readFileSync(path.join(source.runDir, 'config.json'), 'utf8')) as { plugin?: unknown };
  } catch (err) {
    throw new ConfigError(`learner.init: ${path.join(source.runDir, 'config.json')} is not valid JSON: ${(err as Error).message}`);
  }
  if (config.plugin !== 'mt') throw new ConfigError(`learner.init: ${init} is a ${String(config.plugin)} run, not an mt run`);
  return readModelFiles(path.join(source.runDir, 'artifacts'), `learner.init ${init}`);
}

/**
 * The cheap checks of `learner.init` (`kt validate`, before any data is loaded): the directory is an mt
 * run or checkpoint with a readable model manifest whose architecture equals `learner.model`.
 */
export function learnerInitIssues(init: string | undefined, sizes: ModelSizes): ConfigIssue[] {
  if (init === undefined) return [];
  try {
    const source = resolveLearnerInit(init);
    const { manifest } = readInitManifest(source, init);
    const diff = architectureDifferences(manifest.transformer, sizes);
    if (diff.length > 0) return [{ path: 'learner.init', message: `${init} has another architecture than learner.model: ${diff.join(', ')}` }];
    if (source.checkpoint === undefined && !fs.existsSync(path.join(source.runDir, 'summary.json'))) {
      return [{ path: 'learner.init', message: `${init} is not a finished run (no summary.json); give one of its checkpoint directories instead` }];
    }
    return [];
  } catch (err) {
    if (err instanceof KtError) return [{ path: 'learner.init', message: err.message.replace(/^learner\.init:\s*/, '') }];
    throw err;
  }
}

/**
 * Starts `model` from the weights `learner.init` names: the run's best checkpoint when it has one, else
 * its latest (core's `readRunWeights`), or the given checkpoint. Refused (ConfigError, exit 2) when the
 * saved architecture or tokenizer fingerprint differs from this run's. Returns the weights' location.
 */
export function initLearnerWeights(model: Transformer, init: string, tokenizer: BpeTokenizer): string {
  const source = resolveLearnerInit(init);
  const { manifest } = readInitManifest(source, init);
  if (manifest.tokenizerFingerprint !== tokenizer.fingerprint()) {
    throw new ConfigError(
      `learner.init: ${init} was trained with vocabulary ${manifest.tokenizerFingerprint}, this run's tokenizer is ${tokenizer.fingerprint()} ` +
        '(the data and tokenizer settings must be those of the init run)',
    );
  }
  const diff = architectureDifferences(manifest.transformer, model.config);
  if (diff.length > 0) throw new ConfigError(`learner.init: ${init} has another architecture: ${diff.join(', ')}`);
  let weights: Map<string, tf.Tensor>;
  try {
    weights = source.checkpoint !== undefined ? loadTensors(source.checkpoint, 'learner') : readRunWeights(source.runDir);
  } catch (err) {
    if (err instanceof ConfigError || !(err instanceof KtError)) throw err;
    throw new ConfigError(`learner.init: ${init}: ${err.message}`);
  }
  try {
    model.setWeights(weights);
  } catch (err) {
    throw new ConfigError(`learner.init: weights of ${init} do not fit the learner: ${(err as Error).message}`);
  } finally {
    disposeMap(weights);
  }
  return source.checkpoint ?? source.runDir;
}
