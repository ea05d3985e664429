// node --test tools/bench/mt-kd/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestValStep, chosenLr, pairedDifferences, runKey, std, studyFinding, studyRuns, studyTables } from '../mt-kd/study-plan.mjs';
import { teacherTime } from '../lib.mjs';

const lrGrid = [0.001, 0.002, 0.004];
const seeds = [0, 1, 2];
const run = (spec, valBleu, testBleu = valBleu) => ({ ...spec, runDir: `/runs/${runKey(spec)}`, val: { bleu: valBleu }, test: { bleu: testBleu, chrf: testBleu + 20 }, seconds: 60, cpuSeconds: 100, bestStep: 400 });

test('the first runs are the learning-rate grid of each objective on seed 0, from scratch; init waits for no-KD', () => {
  const { pending, blocked } = studyRuns({}, { modes: ['none', 'word-forward'], lrGrid, seeds });
  assert.deepEqual(
    pending.map((r) => r.key),
    ['scratch.none.lr0.001.s0', 'scratch.none.lr0.002.s0', 'scratch.none.lr0.004.s0', 'scratch.word-forward.lr0.001.s0', 'scratch.word-forward.lr0.002.s0', 'scratch.word-forward.lr0.004.s0'],
  );
  assert.ok(blocked > 0);
});

test('the best val BLEU picks the rate (ties to the smaller); later seeds run at it; done runs are skipped (resume)', () => {
  const done = {};
  const add = (spec, val) => (done[runKey(spec)] = run(spec, val));
  add({ start: 'scratch', mode: 'none', lr: 0.001, seed: 0 }, 20);
  add({ start: 'scratch', mode: 'none', lr: 0.002, seed: 0 }, 25);
  assert.equal(chosenLr(done, { start: 'scratch', mode: 'none', lrGrid }), undefined);
  add({ start: 'scratch', mode: 'none', lr: 0.004, seed: 0 }, 25);
  assert.equal(chosenLr(done, { start: 'scratch', mode: 'none', lrGrid }), 0.002);
  add({ start: 'scratch', mode: 'none', lr: 0.002, seed: 1 }, 24);
  const { pending } = studyRuns(done, { modes: ['none'], lrGrid, seeds });
  // seed 1 is done; init seed 1 waits for the init grid of seed 0 to choose its rate
  assert.deepEqual(pending.map((r) => r.key), ['scratch.none.lr0.002.s2', 'init.none.lr0.001.s0', 'init.none.lr0.002.s0', 'init.none.lr0.004.s0']);
  // the init runs start from the no-KD learner of the same seed at its chosen rate
  assert.equal(pending[1].init, '/runs/scratch.none.lr0.002.s0');
});

test('paired differences are by seed, b − a, with the recorded p-values; tables name the chosen rate', () => {
  const done = {};
  for (const mode of ['word-forward', 'word-backward']) {
    for (const lr of lrGrid) done[runKey({ start: 'scratch', mode, lr, seed: 0 })] = run({ start: 'scratch', mode, lr, seed: 0 }, lr === 0.002 ? 30 : 10, mode === 'word-forward' ? 30 : 29);
    for (const seed of [1, 2]) done[runKey({ start: 'scratch', mode, lr: 0.002, seed })] = run({ start: 'scratch', mode, lr: 0.002, seed }, 30, mode === 'word-forward' ? 30 + seed : 31);
  }
  const pairs = { 'scratch.word-forward~word-backward': { 0: 0.2, 1: 0.5 } };
  const rows = pairedDifferences(done, { start: 'scratch', a: 'word-forward', b: 'word-backward', lrGrid, seeds, pairs });
  assert.deepEqual(rows.map((r) => [r.seed, r.diff, r.p]), [[0, -1, 0.2], [1, 0, 0.5], [2, -1, undefined]]);
  const md = studyTables(done, { modes: ['word-forward', 'word-backward'], starts: ['scratch'], lrGrid, seeds, pairs });
  assert.match(md, /\| word-forward \| 0\.002 \| 3 \| 31\.00 ± 1\.00 \|/);
  assert.match(md, /\| 60 ± 0 \| 100 ± 0 \|\n/); // wall and CPU seconds per run
  assert.match(md, /word-backward − word-forward \(test BLEU, paired by seed\): -0\.67 ± 0\.58/);
  assert.match(md, /\| 0 \| 30\.00 \| 29\.00 \| -1\.00 \| 0\.2000 \|/);
});

test('a resumed run counts its training time over every process as wall time, and no CPU time (the killed share is unknown)', () => {
  const done = {};
  for (const seed of seeds) done[runKey({ start: 'scratch', mode: 'none', lr: 0.002, seed })] = run({ start: 'scratch', mode: 'none', lr: 0.002, seed }, seed === 0 ? 30 : 20);
  for (const lr of [0.001, 0.004]) done[runKey({ start: 'scratch', mode: 'none', lr, seed: 0 })] = run({ start: 'scratch', mode: 'none', lr, seed: 0 }, 10);
  // seed 2 was killed and resumed: its last process ran 20 s of it, the trainer's clock says 180 s in all
  Object.assign(done[runKey({ start: 'scratch', mode: 'none', lr: 0.002, seed: 2 })], { resumed: true, seconds: 20, cpuSeconds: 30, trainSeconds: 180 });
  const md = studyTables(done, { modes: ['none'], starts: ['scratch'], lrGrid, seeds });
  assert.match(md, /\| 100 ± 69 \| 100 ± 0 \(2 of 3\) \|\n/); // wall: 60, 60, 180; CPU: the two not resumed
  assert.match(md, /Resumed from a checkpoint \(their process was stopped or killed\): scratch\.none\.lr0\.002\.s2/);
});

test("the runs that trained or waited for the study's teacher count only their own time; a trained teacher's CPU is left out", () => {
  assert.deepEqual(teacherTime({}), {});
  assert.deepEqual(teacherTime({ teachers: [{ runDir: 't', key: 'k', fromCache: true }] }), {}); // before core recorded it
  assert.deepEqual(teacherTime({ teachers: [{ runDir: 't', key: 'k', fromCache: true, seconds: 0.2 }] }), { teacherSeconds: 0.2 });
  assert.deepEqual(teacherTime({ teachers: [{ runDir: 't', key: 'k', fromCache: false, seconds: 300 }] }), { teacherSeconds: 300, teacherTrained: true });
  const done = {};
  for (const seed of seeds) done[runKey({ start: 'scratch', mode: 'word-forward', lr: 0.002, seed })] = run({ start: 'scratch', mode: 'word-forward', lr: 0.002, seed }, seed === 0 ? 30 : 20);
  for (const lr of [0.001, 0.004]) done[runKey({ start: 'scratch', mode: 'word-forward', lr, seed: 0 })] = run({ start: 'scratch', mode: 'word-forward', lr, seed: 0 }, 10);
  // seed 0 trained the teacher (300 s of its 360 s wall, and most of its CPU); seed 1 checked the cache (0.5 s)
  Object.assign(done[runKey({ start: 'scratch', mode: 'word-forward', lr: 0.002, seed: 0 })], { seconds: 360, cpuSeconds: 400, ...teacherTime({ teachers: [{ fromCache: false, seconds: 300 }] }) });
  Object.assign(done[runKey({ start: 'scratch', mode: 'word-forward', lr: 0.002, seed: 1 })], { seconds: 60.5, teacherSeconds: 0.5 });
  const md = studyTables(done, { modes: ['word-forward'], starts: ['scratch'], lrGrid, seeds });
  assert.match(md, /\| 60 ± 0 \| 100 ± 0 \(2 of 3\) \|\n/); // wall: 60, 60, 60; CPU: seeds 1 and 2
  assert.match(md, /Provisioned the study's teacher: scratch\.word-forward\.lr0\.002\.s0 \(trained it, 300 s\) — /);
  assert.doesNotMatch(md, /s1 \(/); // a cache check is no provisioning worth a note
});

test('each objective is compared with no KD seed by seed; a seed one of them lacks shows as –', () => {
  const done = {};
  const add = (mode, seed, lr, val, test) => (done[runKey({ start: 'scratch', mode, lr, seed })] = run({ start: 'scratch', mode, lr, seed }, val, test));
  for (const mode of ['none', 'word-forward']) for (const lr of [0.001, 0.004]) add(mode, 0, lr, 10, 10);
  [28, 29, 30].forEach((b, seed) => add('none', seed, 0.002, seed === 0 ? 30 : 20, b));
  [31, 29.5].forEach((b, seed) => add('word-forward', seed, 0.002, seed === 0 ? 30 : 20, b)); // seed 2 not run yet
  const md = studyTables(done, { modes: ['none', 'word-forward', 'word-backward'], starts: ['scratch'], lrGrid, seeds });
  assert.match(md, /Each objective − no KD \(test BLEU, paired by seed\):\n\n\| objective \| seed 0 \| seed 1 \| seed 2 \| mean ± std \|/);
  assert.match(md, /\| word-forward \| \+3\.00 \| \+0\.50 \| – \| 1\.75 ± 1\.77 \|/);
  assert.doesNotMatch(md, /\| word-backward \| [+-]/); // nothing finished: no row
  assert.doesNotMatch(studyTables(done, { modes: ['word-forward'], starts: ['scratch'], lrGrid, seeds }), /Each objective − no KD/);
});

test('bestValStep reads the first best val record; std is the sample deviation', () => {
  const recs = [{ split: 'train', step: 10, loss: 1 }, { split: 'val', step: 200, bleu: 10 }, { split: 'val', step: 400, bleu: 12 }, { split: 'val', step: 600, bleu: 12 }, { split: 'test', step: 600, bleu: 50 }];
  assert.equal(bestValStep(recs), 400);
  assert.equal(bestValStep([]), undefined);
  assert.equal(std([1, 2, 3]), 1);
  assert.equal(std([5]), 0);
});

test('studyFinding: one sentence from a results file, saying when the study is still running', () => {
  const done = {};
  for (const mode of ['word-forward', 'word-backward']) {
    for (const lr of lrGrid) done[runKey({ start: 'scratch', mode, lr, seed: 0 })] = run({ start: 'scratch', mode, lr, seed: 0 }, lr === 0.002 ? 30 : 10, mode === 'word-forward' ? 30 : 31.5);
  }
  const results = { settings: { lrGrid, seeds }, done, pairs: { 'scratch.word-forward~word-backward': { 0: 0.01 } } };
  assert.equal(studyFinding(results, 'synthetic'), 'synthetic: backward − forward (test BLEU) = 1.50 ± 0.00 from scratch (1 seed), paired bootstrap p < 0.05 on 1 of 1 (0 for forward, 1 for backward) (study in progress: 6 runs so far)');
  assert.equal(studyFinding({ ...results, complete: true, pairs: {} }, 'x'), 'x: backward − forward (test BLEU) = 1.50 ± 0.00 from scratch (1 seed)');
  // both starts, each with its own paired differences; the bootstrap counts over all pairs
  for (const mode of ['word-forward', 'word-backward']) {
    for (const lr of lrGrid) done[runKey({ start: 'init', mode, lr, seed: 0 })] = run({ start: 'init', mode, lr, seed: 0 }, lr === 0.001 ? 30 : 10, mode === 'word-forward' ? 32 : 31);
  }
  const both = { ...results, complete: true, pairs: { ...results.pairs, 'init.word-forward~word-backward': { 0: 0.02 } } };
  assert.equal(
    studyFinding(both, 'y'),
    'y: backward − forward (test BLEU) = 1.50 ± 0.00 from scratch (1 seed), -1.00 ± 0.00 from the no-KD checkpoint (1 seed), paired bootstrap p < 0.05 on 2 of 2 (1 for forward, 1 for backward)',
  );
  assert.match(studyFinding({ settings: { lrGrid, seeds }, done: {} }, 'm'), /no backward\/forward pair finished yet/);
  assert.equal(studyFinding(undefined, 'm'), undefined);
});
