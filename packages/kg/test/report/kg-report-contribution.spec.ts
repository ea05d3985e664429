import * as fs from 'fs';
import * as path from 'path';
import { buildContainer, ReportContribution, type ReportBlock, type ReportTable } from '@kt/core';
import { pluginHarness, useBackend } from '@kt/core/testing';
import { kgPlugin, kgReportContribution, PREDICTED_TOP_K, PREDICTED_TRIPLES, PREDICTIONS_FILE, type PredictionsArtifact } from '../../src';
import { syntheticDbp5l } from '../plugin/synthetic-dbp5l';

const h = pluginHarness(kgPlugin, '@kt/kg');
useBackend('wasm');

function table(block: ReportBlock | undefined): ReportTable {
  if (block?.kind !== 'table') throw new Error(`expected a table, got ${JSON.stringify(block)}`);
  return block;
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

/** dbp5l-el-kens.yaml shrunk to the synthetic three-language graph in `dir` (target xx). */
const kens = (dir: string): string[] => [
  `data.dir=${dir}`,
  'data.language=xx',
  'data.supports=[yy, zz]',
  'model.dim=16',
  'train.epochs=6',
  'train.batchSize=128',
  'kens.alignBatch=64',
  'kens.selfLearning.every=3',
  'kens.selfLearning.maxNew=10',
  'kens.topK=5',
];

describe('kg report contribution', () => {
  it('train run: test metrics as written, per relation, and predicted facts whose ranks agree with the predictions', async () => {
    const config = h.config('wordnet-distmult.yaml', ['data.entities=300', 'train.epochs=20', 'train.batchSize=256', 'train.evalEvery=1000', 'eval.batchSize=128', 'negatives.count=16', 'model.dim=16']);
    const { runDir, summary } = await h.run(config);
    expect(summary.status).toBe('completed');
    const artifacts = path.join(runDir, 'artifacts');
    const predictions = readJson<PredictionsArtifact>(path.join(artifacts, PREDICTIONS_FILE));
    expect(predictions.triples).toBe(PREDICTED_TRIPLES);
    expect(predictions.predictors.map((p) => p.predictor)).toEqual(['learner']);
    const queries = predictions.predictors[0]!.queries;
    expect(queries.map((q) => q.direction)).toEqual(Array.from({ length: 2 * PREDICTED_TRIPLES }, (_, i) => (i % 2 === 0 ? 'tail' : 'head')));
    let answersListed = 0;
    for (const q of queries) {
      expect(q.top).toHaveLength(PREDICTED_TOP_K);
      const scores = q.top.map((p) => p.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(q.headLabel).toEqual(expect.any(String)); // WordNet lemmas
      // The filtered rank counts the better-scored candidates that are no other known answer.
      const at = q.top.findIndex((p) => p.answer);
      if (at >= 0) {
        answersListed += 1;
        expect(q.top[at]!.entity).toBe(q.direction === 'tail' ? q.tail : q.head);
        expect(q.rank).toBeCloseTo(1 + q.top.slice(0, at).filter((p) => !p.known).length, 6);
      } else {
        expect(q.rank).toBeGreaterThan(PREDICTED_TOP_K - q.top.filter((p) => p.known).length);
      }
    }
    // The learner is far better than chance (MRR > 0.06 on 300 entities): some answers are among the top 10.
    expect(answersListed).toBeGreaterThan(0);

    const sections = kgReportContribution.sections({ dir: runDir, id: path.basename(runDir) });
    expect(sections.map((s) => s.title)).toEqual(['Test metrics', 'Test metrics per relation', 'Predicted facts (test)']);
    const evaluation = readJson<{ both: { mrr: number; hits10: number; count: number } }>(path.join(artifacts, 'eval-test.json'));
    const metrics = table(sections[0]!.blocks[0]);
    expect(metrics.headers).toEqual(['queries', 'n', 'MRR', 'MR', 'Hits@1', 'Hits@3', 'Hits@10', 'AMR']);
    expect(metrics.rows[0]!.slice(0, 3)).toEqual(['both directions', String(evaluation.both.count), evaluation.both.mrr.toFixed(4)]);
    expect(Number(metrics.rows[0]![2])).toBeCloseTo(summary.test!['mrr']!, 4);
    expect(Number(metrics.rows[0]![6])).toBeCloseTo(summary.test!['hits10']!, 4);
    expect(metrics.caption).toMatch(/unseen policy: keep; \d+ test triples/);
    const relations = table(sections[1]!.blocks[0]);
    const counts = relations.rows.map((r) => Number(r[1]));
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
    expect(counts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(evaluation.both.count);
    const facts = table(sections[2]!.blocks[0]);
    expect(facts.rows).toHaveLength(2 * PREDICTED_TRIPLES);
    const first = queries[0]!;
    expect([`(${first.headLabel}, ${first.relation}, ?)`, `(${first.headLabel} [${first.head}], ${first.relation}, ?)`]).toContain(facts.rows[0]![0]);
    expect(facts.rows[0]![1]!.startsWith(first.tailLabel!)).toBe(true);
    expect(facts.rows[0]![3]!.split(' · ')).toHaveLength(PREDICTED_TOP_K);
    expect(facts.caption).toMatch(/^learner: 10 of \d+ test triples/);
  });

  it('kens run: the ensemble rules and language models beside the target model; predictions of the target model and the best ensemble; kd: the teacher', async () => {
    const dir = syntheticDbp5l();
    const { runDir, summary } = await h.run(h.config('dbp5l-el-kens.yaml', kens(dir)));
    expect(summary.status).toBe('completed');
    const sections = kgReportContribution.sections({ dir: runDir, id: 'kens' });
    expect(sections.map((s) => s.title)).toEqual(['Test metrics', 'Test metrics per relation', 'Predicted facts (test)']);
    const ensembles = table(sections[0]!.blocks[1]);
    expect(ensembles.rows.map((r) => r[0])).toEqual([
      'target model alone (xx)',
      'ensemble: majority',
      'ensemble: mrr-weighted',
      'ensemble: boost',
      'xx model (through counterparts)',
      'yy model (through counterparts)',
      'zz model (through counterparts)',
    ]);
    expect(ensembles.rows[1]![1]).toBe('xx 1.000, yy 1.000, zz 1.000');
    for (const [i, rule] of [[1, 'majority'], [2, 'mrr_weighted'], [3, 'boost']] as const) {
      expect(Number(ensembles.rows[i]![2])).toBeCloseTo(summary.test![`${rule}_mrr`]!, 4);
      expect(Number(ensembles.rows[i]![4])).toBeCloseTo(summary.test![`${rule}_hits1`]!, 4);
      expect(ensembles.rows[i]![3]).not.toBe('-'); // MR from eval-test-<rule>.json
    }
    const predictors = sections[2]!.blocks.map((b) => table(b).caption!.split(':')[0]);
    expect(predictors[0]).toBe('target model (xx)');
    expect(predictors[1]).toMatch(/^ensemble (majority|mrr-weighted|boost) \(best test MRR\)$/);

    const kd = await h.run(h.config('dbp5l-el-kd.yaml', [`data.dir=${dir}`, 'data.language=xx', 'data.supports=[yy, zz]', 'model.dim=16', `teacher.checkpoint=${runDir}`, 'train.epochs=3', 'train.batchSize=64']));
    expect(kd.summary.status).toBe('completed');
    const kdSections = kgReportContribution.sections({ dir: kd.runDir, id: 'kd' });
    const teacher = table(kdSections[0]!.blocks[1]);
    expect(teacher.rows.map((r) => r[0])).toEqual(['learner (distilled)', 'teacher: target model alone']);
    expect(Number(teacher.rows[0]![1])).toBeCloseTo(kd.summary.test!['mrr']!, 4);
    expect(Number(teacher.rows[1]![1])).toBeCloseTo(summary.test!['mrr']!, 4);
    expect(teacher.caption).toMatch(/distilled: ensemble, divergence backward/);
    expect(table(kdSections[2]!.blocks[0]).caption).toMatch(/^learner: /);
  });

  it('names an entity by its label, and by label and name where several of the table\'s entities share the label', () => {
    const dir = h.tmp();
    fs.mkdirSync(path.join(dir, 'artifacts'));
    const artifact: PredictionsArtifact = {
      triples: 1,
      of: 5,
      k: 3,
      predictors: [
        {
          predictor: 'learner',
          queries: [
            {
              direction: 'tail',
              head: '01',
              headLabel: 'driveway',
              relation: '_derivationally_related_form',
              tail: '02',
              tailLabel: 'drive',
              rank: 1.5,
              candidates: 9,
              top: [
                { entity: '03', label: 'drive', score: 3.9, known: true },
                { entity: '02', label: 'drive', score: 3.9, answer: true },
                { entity: '04', label: 'road', score: 1 },
              ],
            },
          ],
        },
      ],
    };
    fs.writeFileSync(path.join(dir, 'artifacts', PREDICTIONS_FILE), JSON.stringify(artifact));
    const [section] = kgReportContribution.sections({ dir, id: 'r' });
    expect(table(section!.blocks[0]).rows).toEqual([['(driveway, _derivationally_related_form, ?)', 'drive [02]', '1.5 of 9', 'drive [03] 3.900 (known) · drive [02] 3.900 ✓ · road 1.000']]);
  });

  it('names a malformed artifact, and has nothing to show for a directory without artifacts', () => {
    const dir = h.tmp();
    expect(kgReportContribution.sections({ dir, id: 'r' })).toEqual([]);
    fs.mkdirSync(path.join(dir, 'artifacts'));
    fs.writeFileSync(path.join(dir, 'artifacts', 'eval-test.json'), '{"both": {}}');
    fs.writeFileSync(path.join(dir, 'artifacts', PREDICTIONS_FILE), '{"predictors": [');
    const sections = kgReportContribution.sections({ dir, id: 'r' });
    expect(sections.map((s) => s.blocks[0]!.kind === 'text' && s.blocks[0]!.text)).toEqual([
      expect.stringMatching(/eval-test\.json: expected \{ both, tail, head \} metrics$/),
      expect.stringMatching(/predictions\.json cannot be read: /),
    ]);
  });

  it('is bound in the kg module', () => {
    expect(buildContainer([kgPlugin]).getAll<ReportContribution>(ReportContribution)).toContain(kgReportContribution);
  });
});
