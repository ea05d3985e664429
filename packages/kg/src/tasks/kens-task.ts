import * as tf from '@tensorflow/tfjs';
import { asLearner, type Metrics, type WeightedModel } from '@kt/core';
import { KnownAnswers, selectTriples, type AlignmentLinks } from '../data';
import { ENSEMBLE_RULES, type EnsembleRule } from '../ensemble';
import type { EvaluationReport, PredictionsArtifact } from '../eval';
import { KgModel } from '../models';
import { NegativeSampler } from '../sampling';
import { EpochBatches } from './epoch-batches';
import { dataIssues, evaluateGraph, head, KG_METRICS, metricsOf, modelScorer, testPredictions, writeEvaluation, writeGraphArtifact, writePredictions, type KgTask } from './kg-kit';
import { batchLoss } from './kg-loss';
import { alignmentLoss, allCounterparts, boostWeights, ensembleScorer, kensRelationCount, languageMrr, languageScorer, learnedLinksFromWeights, learnedLinksToWeights, mutualNearestLinks, relationOffset, ruleWeights, tableLinks, type KensView } from './kens-kit';
import { allTraining, loadMultilingualData, multilingualIssues } from './multilingual-data';

/** Metric-name prefix of an ensemble rule (`mrr-weighted` → `mrr_weighted_`). */
export function rulePrefix(rule: EnsembleRule): string {
  return `${rule.replace('-', '_')}_`;
}

/** What kens's `evaluate('test')` reports: the target model alone, and each ensemble rule. */
export const KENS_METRICS = [...KG_METRICS, ...ENSEMBLE_RULES.flatMap((r) => ['mrr', 'hits1', 'hits10'].map((m) => `${rulePrefix(r)}${m}`))] as const;

/**
 * KEnS (Chen et al. 2020): every language's KG embedded in one space (one entity table, relations
 * shared), trained jointly on each KG's loss plus the alignment loss on seed links, optionally adding
 * mutual-nearest-neighbour links every few epochs; the target language's queries are answered by
 * each language's model (through the anchor's counterpart) and combined by majority vote, MRR-weighted
 * vote or RankBoost weights learned on validation queries.
 */
export const kgKensTask: KgTask = {
  plugin: 'kg',
  name: 'kens',
  description: 'multilingual KG completion: joint embedding with seed-link alignment (+ self-learning), ensemble inference by majority, MRR weights, RankBoost',
  metrics: KENS_METRICS,
  validate: (cfg) => [...multilingualIssues(cfg), ...(cfg.data.source === 'dbp5l' ? dataIssues(cfg.data) : [])],
  async create(ctx) {
    const cfg = ctx.config;
    const graph = loadMultilingualData(cfg, ctx.log);
    const target = graph.graphs[0]!;
    const nTarget = target.entities.length;
    const kens = cfg.kens;
    const model = new KgModel(cfg.model, graph.tableSize, kensRelationCount(graph, kens.models), cfg.train.seed);
    const { triples, language } = allTraining(graph, cfg.kens.supportValid);
    const batches = new EpochBatches(triples.h.length, cfg.train.batchSize, cfg.train.seed);
    const samplers = graph.graphs.map((g) => new NegativeSampler(g.train, g.entities.length, graph.numRelations, { kind: cfg.negatives.sampler, count: cfg.negatives.count, filtered: cfg.negatives.filtered }));
    const ranges = graph.graphs.map((g, m) => ({ start: graph.offsets[m]!, size: g.entities.length }));
    const learned = new Map<number, AlignmentLinks>();
    let links = tableLinks(graph, learned);
    const known = new KnownAnswers(target.train, target.valid, target.test);
    ctx.log.info(`kens: ${graph.languages.join(', ')} (target ${graph.languages[0]}); ${graph.tableSize} entities in one table, ${kens.models === 'per-language' ? 'relations per language' : 'relations shared'}, ${links.a.length} seed links; ${model.parameterCount()} parameters`);
    let test:
      | { single: EvaluationReport; rules: Record<string, EvaluationReport>; languages: Record<string, EvaluationReport>; weights: Record<string, number[]>; predictions: PredictionsArtifact }
      | undefined;

    // All languages' new links are found first and added together, so a stop in the middle (Ctrl-C)
    // leaves the links as they were and the resumed run redoes this round from the same weights.
    const selfLearn = async (): Promise<void> => {
      const cps = allCounterparts(graph, learned);
      const found = new Map<number, AlignmentLinks>();
      for (const m of graph.languages.keys()) {
        if (m > 0) found.set(m, await mutualNearestLinks(model, graph, m, cps[m]!, kens.selfLearning!.maxNew, ctx.shouldStop));
      }
      for (const [m, fresh] of found) {
        const old = learned.get(m);
        learned.set(m, old ? { a: Int32Array.from([...old.a, ...fresh.a]), b: Int32Array.from([...old.b, ...fresh.b]) } : fresh);
        ctx.log.info(`self-learning: ${fresh.a.length} new ${graph.languages[0]}-${graph.languages[m]} links (${learned.get(m)!.a.length} learned)`);
      }
      links = tableLinks(graph, learned);
    };
    // The learner's weights carry the self-learned links: a checkpoint restores them (a resumed run
    // continues with the same links) and a kd teacher read from this run votes through them.
    const learner: WeightedModel = {
      trainableVariables: () => model.trainableVariables(),
      getWeights: () => new Map([...model.getWeights(), ...learnedLinksToWeights(graph, learned)]),
      setWeights: (weights) => {
        model.setWeights(weights);
        const restored = learnedLinksFromWeights(graph, weights);
        learned.clear();
        for (const [m, l] of restored) learned.set(m, l);
        links = tableLinks(graph, learned);
      },
      parameterCount: () => model.parameterCount(),
      dispose: () => model.dispose(),
    };

    return {
      learner: asLearner(learner),
      stepsPerEpoch: batches.count,
      prepareStep: async (step) => {
        const every = kens.selfLearning?.every;
        if (every !== undefined && step.epoch > 0 && step.epoch % every === 0 && step.step % batches.count === 0) await selfLearn();
        return undefined;
      },
      loss: (step) =>
        tf.tidy(() => {
          const idx = batches.at(step);
          const parts: tf.Scalar[] = [];
          graph.graphs.forEach((_, m) => {
            const rows = Array.from(idx).filter((i) => language[i] === m);
            if (rows.length === 0) return;
            parts.push(tf.mul(batchLoss(model, selectTriples(triples, rows), cfg, samplers[m]!, step.rng, ranges[m]!, relationOffset(graph, m, kens.models)), rows.length / idx.length) as tf.Scalar);
          });
          if (kens.alignWeight > 0 && links.a.length > 0) parts.push(tf.mul(alignmentLoss(model, links, kens.alignBatch, step.rng), kens.alignWeight) as tf.Scalar);
          return tf.addN(parts) as tf.Scalar;
        }),
      evaluate: async (split) => {
        const single = modelScorer(model, { start: 0, size: nTarget });
        const shouldStop = ctx.shouldStop;
        if (split === 'val') return metricsOf(await evaluateGraph(single, target, head(target.valid, cfg.eval.maxValid), known, cfg.eval.batchSize, { label: 'eval val', log: ctx.log, shouldStop }));
        const view: KensView = { model, graph, cps: allCounterparts(graph, learned), models: kens.models };
        const valid = head(target.valid, kens.maxValidQueries);
        const mrr = await languageMrr(view, valid, known, cfg.eval.batchSize, shouldStop);
        const boost = await boostWeights(view, valid, kens.topK, kens.boostRounds, cfg.eval.batchSize, shouldStop);
        const metrics: Metrics = {};
        const report = await evaluateGraph(single, target, target.test, known, cfg.eval.batchSize, { label: 'eval test', log: ctx.log, shouldStop });
        Object.assign(metrics, metricsOf(report));
        const rules: Record<string, EvaluationReport> = {};
        const weights: Record<string, number[]> = {};
        for (const rule of ENSEMBLE_RULES) {
          weights[rule] = ruleWeights(rule, mrr, boost);
          rules[rule] = await evaluateGraph(ensembleScorer(view, weights[rule]!, kens.topK), target, target.test, known, cfg.eval.batchSize, { label: `eval test ${rule}`, log: ctx.log, shouldStop });
          const m = rules[rule]!.both;
          Object.assign(metrics, { [`${rulePrefix(rule)}mrr`]: m.mrr, [`${rulePrefix(rule)}hits1`]: m.hits1, [`${rulePrefix(rule)}hits10`]: m.hits10 });
          ctx.log.info(`${rule}: weights ${graph.languages.map((l, i) => `${l} ${weights[rule]![i]!.toFixed(3)}`).join(', ')}; test Hits@1 ${(m.hits1 * 100).toFixed(1)} Hits@10 ${(m.hits10 * 100).toFixed(1)} MRR ${m.mrr.toFixed(3)}`);
        }
        const languages: Record<string, EvaluationReport> = {};
        for (const [m, l] of graph.languages.entries()) languages[l] = await evaluateGraph(languageScorer(view, m), target, target.test, known, cfg.eval.batchSize, { shouldStop });
        // Predicted facts of the target model alone (as `kt kg predict` answers) and of the ensemble rule with the best test MRR.
        const best = ENSEMBLE_RULES.reduce((a, b) => (rules[b]!.both.mrr > rules[a]!.both.mrr ? b : a));
        const predictions = await testPredictions(
          [
            { predictor: `target model (${graph.languages[0]})`, score: single },
            { predictor: `ensemble ${best} (best test MRR)`, score: ensembleScorer(view, weights[best]!, kens.topK) },
          ],
          target,
          known,
        );
        test = { single: report, rules, languages, weights, predictions };
        return metrics;
      },
      writeArtifacts: async (dir) => {
        writeGraphArtifact(dir, target, { start: 0, size: nTarget }, graph.tableSize, kensRelationCount(graph, kens.models));
        if (!test) return;
        const summary = (r: EvaluationReport): Record<string, number> => ({ hits1: r.both.hits1, hits10: r.both.hits10, mrr: r.both.mrr });
        writeEvaluation(dir, 'test', test.single, target.checks, {
          model: cfg.model,
          models: kens.models,
          target: graph.languages[0],
          languages: graph.languages,
          ensembles: Object.fromEntries(Object.entries(test.rules).map(([k, r]) => [k, { weights: test!.weights[k], ...summary(r) }])),
          perLanguageModel: Object.fromEntries(Object.entries(test.languages).map(([k, r]) => [k, summary(r)])),
          learnedLinks: Object.fromEntries([...learned].map(([m, l]) => [graph.languages[m]!, l.a.length])),
        });
        for (const [rule, r] of Object.entries(test.rules)) writeEvaluation(dir, `test-${rule}`, r, target.checks);
        writePredictions(dir, test.predictions);
      },
      dispose: () => model.dispose(),
    };
  },
};
