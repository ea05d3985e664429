import { asLearner } from '@kt/core';
import { KnownAnswers, selectTriples } from '../data';
import { KgModel } from '../models';
import { NegativeSampler } from '../sampling';
import type { EvaluationReport, PredictionsArtifact } from '../eval';
import { EpochBatches } from './epoch-batches';
import { batchLoss } from './kg-loss';
import { dataIssues, evaluateGraph, head, KG_METRICS, loadGraph, logChecks, metricsOf, modelScorer, testPredictions, writeEvaluation, writeGraphArtifact, writePredictions, type KgTask } from './kg-kit';

/** Link prediction on one graph: the configured model, loss, negatives and regulariser; filtered evaluation. */
export const kgTrainTask: KgTask = {
  plugin: 'kg',
  name: 'train',
  description: 'train a KG embedding model (TransE, RotatE, DistMult, ComplEx) on one graph; filtered MRR/Hits@k',
  metrics: KG_METRICS,
  validate: (cfg) => dataIssues(cfg.data),
  async create(ctx) {
    const cfg = ctx.config;
    const graph = loadGraph(cfg.data, cfg.eval.unseen);
    logChecks(ctx.log, graph);
    const n = graph.entities.length;
    const model = new KgModel(cfg.model, n, graph.relations.length, cfg.train.seed);
    const range = { start: 0, size: n };
    const known = new KnownAnswers(graph.train, graph.valid, graph.test);
    const batches = new EpochBatches(graph.train.h.length, cfg.train.batchSize, cfg.train.seed);
    const sampler = new NegativeSampler(graph.train, n, graph.relations.length, { kind: cfg.negatives.sampler, count: cfg.negatives.count, filtered: cfg.negatives.filtered });
    const scorer = modelScorer(model, range);
    ctx.log.info(`${cfg.model.kind}: ${model.parameterCount()} parameters; ${n} entities, ${graph.relations.length} relations; ${batches.count} steps per epoch`);
    let test: EvaluationReport | undefined;
    let predictions: PredictionsArtifact | undefined;
    return {
      learner: asLearner(model),
      stepsPerEpoch: batches.count,
      loss: (step) => batchLoss(model, selectTriples(graph.train, batches.at(step)), cfg, sampler, step.rng, range),
      evaluate: async (split) => {
        const report = await evaluateGraph(scorer, graph, split === 'val' ? head(graph.valid, cfg.eval.maxValid) : graph.test, known, cfg.eval.batchSize, { label: `eval ${split}`, log: ctx.log, shouldStop: ctx.shouldStop });
        if (split === 'test') {
          test = report;
          predictions = await testPredictions([{ predictor: 'learner', score: scorer }], graph, known);
        }
        return metricsOf(report);
      },
      writeArtifacts: async (dir) => {
        writeGraphArtifact(dir, graph, range, n);
        if (test) writeEvaluation(dir, 'test', test, graph.checks, { model: cfg.model });
        if (predictions) writePredictions(dir, predictions);
      },
      dispose: () => model.dispose(),
    };
  },
};
