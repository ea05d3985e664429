import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { asLearner, ConfigError, disposeMap, hasTensors, loadTensors, Rng, saveTensors, sequenceNll, writeJsonAtomic, type StepContext } from '@kt/core';
import { CLASSIFIER_METRICS, evaluateClassifier, loadClassificationData, modelFor, selectExamples, writeImageGrid, type ClassificationData } from '@kt/vision';
import type { DeepInversionConfig } from '../config-schema';
import { balancedLabels, scoreImages, synthesizeSet, type TermValues } from '../synthesis/synthesize';
import { assertBatchNorm, assertFits, deepInversionIssues, logitsOfImages, obtainSupervised, type DeepInversionTask, type SupervisedNetwork } from './di-kit';
import { ImagePool, type PoolRound } from './image-pool';

/** Stream ids of the per-round draws (real-image picks, noise). */
const REAL_STREAM = 0x2ea1;
const NOISE_STREAM = 0x0015e;

/** What one round's images looked like to the teacher and the verifier (a line of `artifacts/rounds.jsonl`). */
export interface RoundRecord {
  round: number;
  event: 'images' | 'trained';
  images?: number;
  poolSize?: number;
  seconds?: number;
  /** Images × iterations per second of the synthesis. */
  throughput?: number;
  teacherAccuracy?: number;
  teacherConfidence?: number;
  verifierAccuracy?: number;
  /** Mean over the round's batches of each loss term at the last iteration. */
  terms?: Record<string, number>;
  /** The student's accuracy on the real test split after the round's training. */
  test?: number;
}

/**
 * Data-free knowledge distillation (Yin et al. 2020, §3.3–3.4): `rounds.count` rounds, each synthesising
 * `rounds.imagesPerRound` images from the teacher (DeepInversion; Adaptive DeepInversion when
 * synthesis.loss.competition > 0, against the current student) into a growing pool, then training the student
 * `rounds.stepsPerRound` steps on the pool with `transfer` (core's divergences on the teacher's logits). The
 * student is scored on the real test split after every round. Baselines: `rounds.source` real or noise.
 */
export const deepInversionDistillTask: DeepInversionTask = {
  plugin: 'deepinversion',
  name: 'distill',
  description: 'data-free KD: rounds of DeepInversion/ADI synthesis into a pool, student trained on the pool, real-test evaluation each round',
  metrics: CLASSIFIER_METRICS,
  validate: (cfg) => deepInversionIssues(cfg, { distill: true }),
  async create(ctx) {
    const cfg = ctx.config;
    const issues = deepInversionIssues(cfg, { distill: true }).filter((i) => i.path === 'train' || i.path === 'transfer.alpha');
    if (issues.length > 0) throw new ConfigError(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    const data = loadClassificationData(cfg.data);
    const teacher = await obtainSupervised(ctx, data, 'teacher');
    let verifier: SupervisedNetwork | undefined;
    try {
      assertFits(teacher.network.model, data.shape, data.numClasses, 'teacher');
      if (cfg.rounds.source === 'synthesized') assertBatchNorm(teacher.network.model, cfg.synthesis.loss.feature);
      verifier = await obtainSupervised(ctx, data, 'verifier');
    } catch (err) {
      teacher.network.dispose();
      throw err;
    }
    const student = modelFor(cfg.learner.model, data, cfg.train.seed, 'student');
    const learner = asLearner(student);
    const pool = new ImagePool(data.shape, data.numClasses);
    const artifacts = path.join(ctx.runDir, 'artifacts');
    const records = path.join(artifacts, 'rounds.jsonl');
    writeJsonAtomic(path.join(artifacts, 'networks.json'), {
      teacher: { source: teacher.source, test: teacher.test, parameters: teacher.network.parameterCount() },
      verifier: { source: verifier.source, test: verifier.test, parameters: verifier.network.parameterCount() },
      student: { parameters: student.parameterCount(), model: cfg.learner.model },
    });
    // A run resumed from a checkpoint before a round boundary that the killed run had already passed reaches it again:
    // the record it wrote then stays (exact resume recomputes the same values), no second line for the same round and event.
    const written = new Set<string>(
      fs.existsSync(records)
        ? fs
            .readFileSync(records, 'utf8')
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => recordKey(JSON.parse(l) as RoundRecord))
        : [],
    );
    const record = (r: RoundRecord): void => {
      if (written.has(recordKey(r))) return;
      written.add(recordKey(r));
      fs.mkdirSync(artifacts, { recursive: true });
      fs.appendFileSync(records, `${JSON.stringify(r)}\n`);
    };
    const roundImages = (round: number): PoolRound => produceRound(cfg, data, round, teacher, verifier!, student, artifacts, record, ctx.log.info.bind(ctx.log));
    const recordTrained = (round: number): void => record({ round, event: 'trained', test: evaluateClassifier(student, data.test)['accuracy'] });
    const { objective } = ctx;
    ctx.log.info(
      `student: ${student.parameterCount()} parameters; ${cfg.rounds.count} rounds of ${cfg.rounds.imagesPerRound} ${cfg.rounds.source} images and ${cfg.rounds.stepsPerRound} steps`,
    );
    return {
      learner,
      teacher: teacher.network,
      // the whole schedule is one trainer epoch (train.steps and train.epochs are left out): rounds × stepsPerRound steps
      stepsPerEpoch: cfg.rounds.count * cfg.rounds.stepsPerRound,
      async prepareStep(step: StepContext): Promise<undefined> {
        const round = Math.min(Math.floor(step.step / cfg.rounds.stepsPerRound), cfg.rounds.count - 1);
        while (pool.rounds <= round) {
          const k = pool.rounds;
          if (k > 0 && step.step === k * cfg.rounds.stepsPerRound) recordTrained(k - 1);
          pool.add(roundImages(k));
        }
        return undefined;
      },
      loss: (step) => {
        const idx = Array.from({ length: cfg.train.batchSize }, () => step.rng.int(pool.n));
        const { x, y, teacherLogits } = pool.gather(idx);
        const logits = student.forward(x, true, step.rng.seed());
        const ce = objective.alpha > 0 ? (sequenceNll(logits, y) as tf.Scalar) : undefined;
        const kd = objective.alpha < 1 ? objective.distill(teacherLogits, logits) : undefined;
        return objective.combine(ce, kd);
      },
      evaluate: async (split) => evaluateClassifier(student, data[split]),
      async writeArtifacts(): Promise<void> {
        recordTrained(pool.rounds - 1);
      },
      dispose: () => {
        learner.dispose();
        teacher.network.dispose();
        verifier?.network.dispose();
      },
    };
  },
};

/** A round's images as `kt report` shows them: `artifacts/round-<k>/grid.png`, one row per class. */
export const ROUND_GRID = 'grid.png';
/** Images per class row of a round's grid. */
export const ROUND_GRID_PER_ROW = 10;

function writeRoundGrid(dir: string, x: Float32Array, y: Int32Array, shape: readonly number[]): void {
  writeImageGrid(path.join(dir, ROUND_GRID), x, { shape, labels: y, perRow: ROUND_GRID_PER_ROW, scale: 2 });
}

/** Identity of a line of rounds.jsonl: one per round and event. */
function recordKey(r: Pick<RoundRecord, 'round' | 'event'>): string {
  return `${r.round}:${r.event}`;
}

/**
 * Round `round`'s images: loaded from `artifacts/round-<k>/` when a resumed run already made them, else synthesised
 * (or drawn from the real training set / uniform noise), saved there with a PNG grid, and scored by teacher and verifier.
 */
function produceRound(
  cfg: DeepInversionConfig,
  data: ClassificationData,
  round: number,
  teacher: SupervisedNetwork,
  verifier: SupervisedNetwork,
  student: ReturnType<typeof modelFor>,
  artifacts: string,
  record: (r: RoundRecord) => void,
  info: (line: string) => void,
): PoolRound {
  const dir = path.join(artifacts, `round-${round}`);
  if (hasTensors(dir, 'images')) {
    const saved = loadTensors(dir, 'images');
    try {
      const y = Int32Array.from(saved.get('y')!.dataSync());
      const x = Float32Array.from(saved.get('x')!.dataSync());
      // a run killed between saving the images and drawing them draws them now
      if (!fs.existsSync(path.join(dir, ROUND_GRID))) writeRoundGrid(dir, x, y, data.shape);
      return { x, y, teacherLogits: Float32Array.from(saved.get('teacherLogits')!.dataSync()), n: y.length };
    } finally {
      tf.dispose([...saved.values()]);
    }
  }
  const count = cfg.rounds.imagesPerRound;
  const d = data.shape.reduce((a, b) => a * b, 1);
  let x: Float32Array;
  let y: Int32Array;
  let seconds = 0;
  let terms: TermValues[] = [];
  if (cfg.rounds.source === 'synthesized') {
    const out = synthesizeSet({
      teacher: teacher.network.model,
      student: cfg.synthesis.loss.competition > 0 ? student : undefined,
      labels: balancedLabels(count, data.numClasses),
      shape: data.shape,
      settings: cfg.synthesis,
      seed: cfg.synthesisSeed,
      stream: [round],
      progress: { label: `synthesis round ${round}`, log: info },
    });
    ({ x, y, seconds, terms } = out);
  } else if (cfg.rounds.source === 'real') {
    const rng = Rng.derive(cfg.synthesisSeed, REAL_STREAM, round);
    const picked = selectExamples(data.train, Array.from({ length: count }, () => rng.int(data.train.n)));
    ({ x, y } = picked);
  } else {
    const rng = Rng.derive(cfg.synthesisSeed, NOISE_STREAM, round);
    x = Float32Array.from({ length: count * d }, () => rng.next());
    y = balancedLabels(count, data.numClasses);
  }
  const teacherLogits = logitsOfImages(teacher.network.model, x, count, data.shape);
  const tensors = new Map<string, tf.Tensor>([
    ['x', tf.tensor(x, [count, ...data.shape])],
    ['y', tf.tensor1d(y, 'int32')],
    ['teacherLogits', tf.tensor2d(teacherLogits, [count, data.numClasses])],
  ]);
  try {
    saveTensors(dir, 'images', tensors);
  } finally {
    disposeMap(tensors);
  }
  writeRoundGrid(dir, x, y, data.shape);
  const byTeacher = scoreImages(teacher.network.model, x, y, data.shape);
  const byVerifier = scoreImages(verifier.network.model, x, y, data.shape);
  const meanTerms: Record<string, number> = {};
  for (const t of terms) for (const [k, v] of Object.entries(t)) meanTerms[k] = (meanTerms[k] ?? 0) + v / terms.length;
  const throughput = seconds > 0 ? (count * cfg.synthesis.iterations) / seconds : undefined;
  record({
    round,
    event: 'images',
    images: count,
    seconds,
    throughput,
    teacherAccuracy: byTeacher.accuracy,
    teacherConfidence: byTeacher.confidence,
    verifierAccuracy: byVerifier.accuracy,
    terms: meanTerms,
  });
  info(
    `round ${round}: ${count} ${cfg.rounds.source} images` +
      (seconds > 0 ? ` in ${seconds.toFixed(1)} s (${throughput!.toFixed(0)} image-iterations/s)` : '') +
      `; teacher accuracy ${(byTeacher.accuracy * 100).toFixed(1)}% (confidence ${byTeacher.confidence.toFixed(3)}), verifier accuracy ${(byVerifier.accuracy * 100).toFixed(1)}%`,
  );
  return { x, y, teacherLogits, n: count };
}
