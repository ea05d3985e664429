import * as tf from '@tensorflow/tfjs';
import type { MultilingualGraph } from '../../src/data';
import { ensembleScores, topKVotes } from '../../src/ensemble';
import { KgModel, ModelSpecSchema } from '../../src/models';
import { ensembleScorer, kensRelationCount, languageScores, relationOffset, UNLINKED_SCORE, type KensModels, type KensView } from '../../src/tasks/kens-kit';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Two languages, one relation, 1-dimensional TransE L1 with γ 6 (score = 6 − |q − e|), set by hand:
// target xx: e0 = 0, e1 = 1, e2 = 2 (rows 0–2); support yy: s0 = 10, s1 = 20, s2 = 30 (rows 3–5).
// Links: e0 ↔ s1, e1 ↔ s0; e2 has no counterpart in yy.
// Relations: shared, row 0 = 1; per language, row 0 (xx) = 1 and row 1 (yy) = 10.
const graph = {
  languages: ['xx', 'yy'],
  graphs: [{ entities: ['e0', 'e1', 'e2'] }, { entities: ['s0', 's1', 's2'] }],
  offsets: [0, 3],
  tableSize: 6,
  numRelations: 1,
  links: [],
} as unknown as MultilingualGraph;
const cps = [undefined, Int32Array.from([1, 0, -1])];

function view(models: KensModels): KensView {
  const model = new KgModel(ModelSpecSchema.parse({ kind: 'transe', dim: 1, norm: 1, gamma: 6 }), graph.tableSize, kensRelationCount(graph, models), 0);
  model.setWeights(new Map([
    ['kg/entity', tf.tensor2d([[0], [1], [2], [10], [20], [30]])],
    ['kg/relation', tf.tensor2d(models === 'shared' ? [[1]] : [[1], [10]])],
  ]));
  return { model, graph, cps, models };
}

const query = (v: KensView, m: number, anchors: number[]): { scores: number[][]; available: number[]; candidates?: number[] } => {
  const r = languageScores(v, m, 'tail', tf.tensor1d(anchors, 'int32'), tf.tensor1d(anchors.map(() => 0), 'int32'));
  return { scores: r.scores.arraySync(), available: Array.from(r.available.dataSync()), candidates: r.candidates ? Array.from(r.candidates.dataSync()) : undefined };
};

describe('kens per-language models (KEnS scoring), hand-computed', () => {
  it('relation rows per language and their offsets', () => {
    expect(kensRelationCount(graph, 'shared')).toBe(1);
    expect(kensRelationCount(graph, 'per-language')).toBe(2);
    expect(relationOffset(graph, 1, 'per-language')).toBe(1);
    expect(relationOffset(graph, 1, 'shared')).toBe(0);
  });

  it("a support language ranks its own counterparts of the target's entities with its own relation; unlinked targets cannot be named", () => {
    const v = view('per-language');
    // (e0, r, ?) in yy: anchor s1 = 20, q = 20 + 10 = 30; candidates e0 → s1 (20): 6 − 10 = −4, e1 → s0 (10): 6 − 20 = −14, e2: unlinked.
    // (e2, r, ?): no counterpart of e2 in yy → the target's own model: q = 2 + 1 = 3 against 0, 1, 2 → 3, 4, 5.
    const yy = query(v, 1, [0, 2]);
    expect(yy.scores).toEqual([[-4, -14, Math.fround(UNLINKED_SCORE)], [3, 4, 5]]);
    expect(yy.available).toEqual([1, 0]);
    expect(yy.candidates).toEqual([1, 1, 0]);
    // The target model itself: q = 0 + 1 = 1 against 0, 1, 2 → 5, 6, 5.
    expect(query(v, 0, [0]).scores).toEqual([[5, 6, 5]]);
  });

  it("the shared view scores the counterpart against the target's own rows with the shared relation", () => {
    // (e0, r, ?) in yy: q = 20 + 1 = 21 against 0, 1, 2 → −15, −14, −13; every target entity is a candidate.
    const yy = query(view('shared'), 1, [0]);
    expect(yy.scores).toEqual([[-15, -14, -13]]);
    expect(yy.candidates).toBeUndefined();
  });

  it('top-k votes are taken among the candidates a language can name', () => {
    const scores = tf.tensor2d([[-4, -14, UNLINKED_SCORE], [3, 4, 5]]);
    // k = 3 would reach the unlinked e2 (tied at the bottom); it gets no vote. The second row abstains.
    expect(topKVotes(scores, 3, tf.tensor1d([1, 0]), tf.tensor1d([1, 1, 0])).arraySync()).toEqual([[1, 1, 0], [0, 0, 0]]);
    // Without the mask, k = 3 votes for all three.
    expect(topKVotes(scores, 3, tf.tensor1d([1, 0])).arraySync()).toEqual([[1, 1, 1], [0, 0, 0]]);
  });

  it('the ensemble rules on one query: majority ties are broken by the target model, weights decide otherwise', () => {
    const v = view('per-language');
    // top 1: xx votes e1 (6), yy votes e0 (−4).
    const score = (w: number[]): number[] => ensembleScorer(v, w, 1)('tail', tf.tensor1d([0], 'int32'), tf.tensor1d([0], 'int32')).arraySync()[0]!;
    const order = (s: number[]): number[] => [0, 1, 2].sort((a, b) => s[b]! - s[a]!);
    // majority [1, 1]: votes 1, 1, 0 → tie broken by the target's scores 5, 6, 5 → e1, e0, e2.
    expect(order(score([1, 1]))).toEqual([1, 0, 2]);
    // yy weighted 2 (MRR-weighted / RankBoost style): e0 2, e1 1, e2 0.
    expect(order(score([1, 2]))).toEqual([0, 1, 2]);
    // The same numbers through ensembleScores: votes [[0,1,0]] and [[1,0,0]], δ = ½ · min weight = 0.5,
    // tie-break (target − min) / span · δ = 0, 0.5, 0.
    const direct = ensembleScores([tf.tensor2d([[0, 1, 0]]), tf.tensor2d([[1, 0, 0]])], [1, 2], tf.tensor2d([[5, 6, 5]])).arraySync()[0]!;
    expect(score([1, 2])).toEqual(direct);
    expect(direct).toEqual([2, 1.5, 0]);
  });
});
