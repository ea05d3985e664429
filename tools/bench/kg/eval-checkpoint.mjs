#!/usr/bin/env node
// Filtered test evaluation (both directions, realistic ranks) of the latest checkpoint of a WN18RR-layout kg
// train run — for a run stopped before its end (the run's own test evaluation happens only at completion).
// Writes <run>/artifacts/eval-test-checkpoint.json with the checkpoint's step.
//   node tools/bench/kg/eval-checkpoint.mjs RUN_DIR [--max N]   (--max: only the first N test triples)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const core = require('@kt/core');
const kg = require('@kt/kg');
const runDir = path.resolve(process.argv[2] ?? '');
const maxAt = process.argv.indexOf('--max');
const max = maxAt > 0 ? Number(process.argv[maxAt + 1]) : 0;
if (!fs.existsSync(path.join(runDir, 'config.json'))) {
  console.error(`${runDir}: not a kt run directory (no config.json)`);
  process.exit(2);
}
await core.initBackend({ requested: process.env.KT_BACKEND ?? 'auto', log: (l) => console.log(l) });
const cfg = kg.KgConfigSchema.parse(JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8')));
const graph = kg.loadGraph(cfg.data, cfg.eval.unseen);
const known = new kg.KnownAnswers(graph.train, graph.valid, graph.test);
const dir = core.latestCheckpoint(path.join(runDir, 'checkpoints'));
if (!dir) {
  console.error(`${runDir}: no checkpoint`);
  process.exit(2);
}
const step = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).step;
const model = new kg.KgModel(cfg.model, graph.entities.length, graph.relations.length, 0);
const weights = core.loadTensors(dir, 'learner');
model.setWeights(weights);
core.disposeMap(weights);
const t = performance.now();
const test = max > 0 ? kg.selectTriples(graph.test, Array.from({ length: Math.min(max, graph.test.h.length) }, (_, i) => i)) : graph.test;
const ranked = await kg.rankFiltered((d, a, r) => model.scoreAll(d, a, r), test, graph.entities.length, known, { batchSize: cfg.eval.batchSize });
const report = kg.evaluationReport(ranked, graph.relations);
const seconds = (performance.now() - t) / 1000;
const out = { step, testTriples: test.h.length, ofTestTriples: graph.test.h.length, stepsPerEpoch: Math.ceil(graph.train.h.length / cfg.train.batchSize), evalSeconds: seconds, loadAverage: os.loadavg(), ...report };
fs.writeFileSync(path.join(runDir, 'artifacts', 'eval-test-checkpoint.json'), `${JSON.stringify(out, undefined, 2)}\n`);
console.log(`step ${step}, ${test.h.length} test triples: MRR ${report.both.mrr.toFixed(4)} Hits@10 ${report.both.hits10.toFixed(4)} (${seconds.toFixed(1)} s)`);
