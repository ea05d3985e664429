// The MT learner's word-level KD step, for the kernel benchmark: learner forward (training, dropout 0.1) +
// teacher forward (no gradient) + forward KL (@kt/core's forwardKl, mean over real target tokens) — or, as
// `divergence: 'jsd'`, the generalized JSD at β ½ (@kt/core's generalizedJsd: the fused KtTokenJsd kernel) — + Adam
// (core's FusedAdam, i.e. createOptimizer's adam). Model: @kt/mt's Transformer (build it first:
// `npx nx run @kt/mt:build`; also @kt/core:build), joint vocabulary, tied embedding / output projection.
import * as tf from '@tensorflow/tfjs';
import { FusedAdam, forwardKl, generalizedJsd } from '@kt/core';
import { Transformer, makeSeq2SeqBatch } from '@kt/mt';

export const MT_KD = {
  vocab: 6000,
  batch: 32,
  srcLen: 20,
  tgtLen: 20,
  learner: { dModel: 256, heads: 4, ffDim: 1024, encoderLayers: 2, decoderLayers: 2 },
  teacher: { dModel: 256, heads: 4, ffDim: 1024, encoderLayers: 3, decoderLayers: 3 },
};

export function mtKdDescription(cfg = MT_KD) {
  const l = cfg.learner;
  const t = cfg.teacher;
  return (
    `learner D${l.dModel} ${l.encoderLayers}+${l.decoderLayers} layers FF${l.ffDim}, teacher D${t.dModel} ` +
    `${t.encoderLayers}+${t.decoderLayers}, vocab ${cfg.vocab}, batch ${cfg.batch}x${cfg.tgtLen} tokens`
  );
}

/** Random sentences of 12..len tokens (ids >= 3; 0 pad, 1 BOS, 2 EOS), deterministic. */
function sentences(n, len, vocab, seed) {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, () => Array.from({ length: 12 + Math.floor(rnd() * (len - 11)) }, () => 3 + Math.floor(rnd() * (vocab - 3))));
}

/** The step's divergence: forward KL, or the generalized JSD at β ½ (word-level JSD; ADI's competition term). */
export const MT_KD_DIVERGENCES = {
  forward: forwardKl,
  jsd: (teacherLogits, learnerLogits, options) => generalizedJsd(teacherLogits, learnerLogits, { ...options, beta: 0.5 }),
};

/** Builds learner, teacher, one batch and the optimizer on the current backend; step() -> loss. */
export function mtKdTrainer(cfg = MT_KD, divergence = 'forward') {
  const div = MT_KD_DIVERGENCES[divergence];
  if (!div) throw new Error(`mtKdTrainer: divergence must be one of ${Object.keys(MT_KD_DIVERGENCES).join(', ')}, got '${divergence}'`);
  const common = { vocabSize: cfg.vocab, maxLen: 64, activation: 'relu', dropout: 0.1 };
  const learner = new Transformer({ ...common, ...cfg.learner }, 1);
  const teacher = new Transformer({ ...common, ...cfg.teacher }, 2);
  const ids = { padId: 0, bosId: 1, eosId: 2 };
  const batch = makeSeq2SeqBatch(
    sentences(cfg.batch, cfg.srcLen, cfg.vocab, 11),
    sentences(cfg.batch, cfg.tgtLen - 1, cfg.vocab, 12),
    ids,
  );
  const vars = learner.trainableVariables();
  const opt = new FusedAdam(1e-3);
  let seed = 0;
  const evalLoss = () =>
    tf.tidy(() => div(teacher.forward(batch.src, batch.tgtIn, { training: false }), learner.forward(batch.src, batch.tgtIn, { training: false }), { mask: batch.mask }).dataSync()[0]);
  return {
    optimizer: opt,
    /** Loss without dropout at the current weights (the initial-loss check against PyTorch). */
    evalLoss,
    /** Learner and teacher weights and the batch, named as reference/mt_kd_step.py reads them. */
    namedTensors() {
      const named = [];
      for (const [prefix, model] of [['learner', learner], ['teacher', teacher]]) {
        const names = model.weightNames();
        model.trainableVariables().forEach((v, i) => named.push([`${prefix}.${names[i]}`, v]));
      }
      return [...named, ['batch.src', batch.src], ['batch.tgtIn', batch.tgtIn], ['batch.mask', batch.mask]];
    },
    step() {
      const teacherLogits = tf.tidy(() => teacher.forward(batch.src, batch.tgtIn, { training: false }));
      const loss = opt.minimize(
        () => div(teacherLogits, learner.forward(batch.src, batch.tgtIn, { training: true, dropoutSeed: seed++ }), { mask: batch.mask }),
        true,
        vars,
      );
      const v = loss.dataSync()[0];
      tf.dispose([loss, teacherLogits]);
      return v;
    },
    dispose() {
      opt.dispose();
      learner.dispose();
      teacher.dispose();
      tf.dispose([batch.src, batch.tgtIn, batch.tgtOut, batch.mask]);
    },
  };
}
