import * as fs from 'fs';
import * as path from 'path';
import { configHash, sequenceNll, writeJsonAtomic, type TaskContext } from '@kt/core';
import type * as tf from '@tensorflow/tfjs';
import type { MtConfig } from '../config-schema';
import { makeTargetTensors } from '../models';
import type { MtData } from './mt-data';
import { MT_METRICS, disposeTargets, fixedDivergenceValidation, setUpFrozenTeacherKd, type MtTask, type TargetTensors } from './mt-task-kit';
import { prepareBatch, referenceLoss, type BatchPrepared, type LoadedTeacher } from './mt-teacher';
import { SPECIAL_IDS } from './step-batches';
import { translateIds, translationProgress } from './translate-sentences';

interface SeqKdPrepared extends BatchPrepared {
  /** The teacher's translations of the batch sources, as decoder targets. */
  teacherTargets: TargetTensors;
}

/**
 * Teacher translations (beam `kd.seqBeam`) of every training source, generated once and cached in
 * `<cacheDir>/mt-seqkd/<key>/targets.json`, keyed by the teacher, the data/tokenizer and the decoding knobs.
 */
function teacherTranslations(ctx: TaskContext<MtConfig>, data: MtData, teacher: LoadedTeacher): number[][] {
  const { config } = ctx;
  const key = configHash({
    teacher: teacher.key,
    data: data.contentHash,
    beam: config.kd.seqBeam,
    lengthPenalty: config.kd.seqLengthPenalty,
    maxLen: config.kd.maxSampleLen,
  });
  const file = path.join(ctx.cacheDir, 'mt-seqkd', key, 'targets.json');
  if (fs.existsSync(file)) {
    try {
      const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as { targets?: number[][] };
      if (Array.isArray(cached.targets) && cached.targets.length === data.train.src.length) {
        ctx.log.info(`seq-kd: teacher translations loaded from cache ${file}`);
        return cached.targets;
      }
      ctx.log.warn(`seq-kd: cache ${file} does not hold one translation per training source; translating again`);
    } catch (err) {
      ctx.log.warn(`seq-kd: cache ${file} is unreadable (${(err as Error).message}); translating again`);
    }
  }
  const t0 = Date.now();
  ctx.log.info(`seq-kd: translating ${data.train.src.length} training sources with the teacher (beam ${config.kd.seqBeam})`);
  const targets = translateIds(
    teacher.teacher.model,
    data.train.src,
    { beam: config.kd.seqBeam, lengthPenalty: config.kd.seqLengthPenalty, maxLen: config.kd.maxSampleLen, batchSize: config.decode.batchSize },
    translationProgress({ label: 'teacher translation', log: ctx.log }, data.train.src.length),
  );
  const seconds = (Date.now() - t0) / 1000;
  ctx.log.info(`seq-kd: teacher translations done in ${seconds.toFixed(1)} s (${(targets.length / seconds).toFixed(1)} sentences/s), cached in ${file}`);
  writeJsonAtomic(file, { beam: config.kd.seqBeam, seconds, targets });
  return targets;
}

/** Sequence-level forward KD (Kim & Rush): NLL on the teacher's beam translations, generated once and cached. */
export const mtSeqKdTask: MtTask<SeqKdPrepared> = {
  plugin: 'mt',
  name: 'seq-kd',
  description: "sequence-level forward KD: NLL on the teacher's beam translations (cached)",
  metrics: MT_METRICS,
  validate: fixedDivergenceValidation(
    'seq-kd',
    'forward',
    "sequence-level forward KL by construction (NLL on the teacher's translations)",
    'for backward KL use task reinforce (sequence level) or word-kd with divergence backward (token level)',
    "learns from the teacher's beam translations, decoded once and cached (discrete targets carry no gradient to the teacher)",
  ),
  async create(ctx) {
    const { objective } = ctx;
    const { setup, teacher, batches, timer, labelSmoothing: ls, parts } = await setUpFrozenTeacherKd(ctx);
    const { data, model } = setup;
    const targets = teacherTranslations(ctx, data, teacher);
    return {
      ...parts,
      async prepareStep(step) {
        const base = prepareBatch(step, batches, data, timer);
        const teacherTargets = makeTargetTensors(
          base.batch.indices.map((i) => targets[i]!),
          SPECIAL_IDS,
        );
        return { ...base, teacherTargets, dispose: () => (base.dispose(), disposeTargets(teacherTargets)) };
      },
      loss(_step, p) {
        const t = p.teacherTargets;
        const logits = model.forward(p.batch.src, t.tgtIn, { training: true, dropoutSeed: p.dropoutSeed });
        const kd = sequenceNll(logits, t.tgtOut, t.mask, { labelSmoothing: ls }) as tf.Scalar;
        return objective.combine(objective.alpha > 0 ? referenceLoss(model, p, ls) : undefined, kd);
      },
    };
  },
};
