import * as fs from 'fs';
import * as path from 'path';
import { kt, removeTmpDirs, tinyDiSets, tmpDir, writeBarsCsv, type SpawnResult } from './helpers';

// The bad inputs each plugin issue names, through the built binary as a user meets them: exit 2, a message
// naming the file/line or field, and no stack trace (without --debug). The plugins' own specs test the same
// errors at the function level; these check that they reach the user as they should. KT_BACKEND=cpu.
jest.setTimeout(300_000);
afterAll(removeTmpDirs);

const STACK_LINE = /\n\s+at /;
const REPO = path.resolve(__dirname, '..', '..', '..');

function expectExit2(r: SpawnResult, message: RegExp): void {
  if (r.code !== 2) throw new Error(`expected exit 2, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(STACK_LINE);
}

describe('kt (spawned), kg: malformed line, empty file, unseen entity, alignment link to a missing entity', () => {
  const work = tmpDir('kt-kg-bad-');
  const write = (name: string, text: string): string => {
    const file = path.join(work, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  };
  const triples = 'a\tr\tb\nb\tr\tc\nc\ts\ta\n';
  const train = write('train.tsv', triples);
  const valid = write('valid.tsv', 'a\tr\tc\n');
  const test = write('test.tsv', 'b\ts\tc\n');
  const config = (data: string): string[] => [
    '--set', 'plugin=kg', '--set', 'task=train', '--set', `data=${data}`,
    '--set', 'model={kind: distmult, dim: 4}', '--set', 'loss={kind: ce}', '--set', 'train={steps: 2, batchSize: 2, lr: 0.1}',
  ];
  const yaml = write('kg.yaml', 'name: kg-bad\nplugin: kg\ntask: train\n');

  it('a malformed line: the file and line number', async () => {
    const bad = write('bad-train.tsv', 'a\tr\tb\nb\tr\nc\ts\ta\n');
    const r = await kt(['run', yaml, ...config(`{source: tsv, train: ${bad}, valid: ${valid}, test: ${test}}`), '--out', path.join(work, 'runs')]);
    expectExit2(r, /bad-train\.tsv, line 2: expected 3 tab-separated non-empty fields, got 2/);
  });

  it('an empty file: named', async () => {
    const empty = write('empty.tsv', '');
    const r = await kt(['run', yaml, ...config(`{source: tsv, train: ${train}, valid: ${empty}, test: ${test}}`), '--out', path.join(work, 'runs')]);
    expectExit2(r, /empty\.tsv: the file is empty/);
  });

  it('an evaluation triple with an entity never seen in training, under eval.unseen: error: file, line and the policy', async () => {
    const unseen = write('unseen-test.tsv', 'b\ts\tc\nz\tr\ta\n');
    const r = await kt(['run', yaml, ...config(`{source: tsv, train: ${train}, valid: ${valid}, test: ${unseen}}`), '--set', 'eval.unseen=error', '--out', path.join(work, 'runs')]);
    expectExit2(r, /unseen-test\.tsv, line 2: .*"z" never occurs in the training triples \(eval\.unseen: error; use keep or skip\)/);
  });

  it('a seed alignment link to an entity the language does not have: file, line, language and entity', async () => {
    const dir = path.join(work, 'dbp5l');
    for (const lang of ['el', 'en']) {
      write(`dbp5l/entity/${lang}.tsv`, ['http://x/A', 'http://x/B', 'http://x/C'].join('\n') + '\n');
      write(`dbp5l/kg/${lang}-train.tsv`, '0\t0\t1\n1\t0\t2\n2\t0\t0\n');
      write(`dbp5l/kg/${lang}-val.tsv`, '0\t0\t2\n');
      write(`dbp5l/kg/${lang}-test.tsv`, '1\t0\t0\n');
    }
    write('dbp5l/relations.txt', 'http://x/r\n');
    write('dbp5l/seed_alignlinks/el-en.tsv', '0\t0\n1\t7\n');
    const r = await kt([
      'run', yaml, '--set', 'task=kens', '--set', `data={source: dbp5l, dir: ${dir}, language: el, supports: [en]}`,
      '--set', 'model={kind: transe, dim: 4}', '--set', 'train={steps: 2, batchSize: 2, lr: 0.1}', '--out', path.join(work, 'runs'),
    ]);
    expectExit2(r, /el-en\.tsv, line 2: alignment link to missing en entity 7 \(en has 3 entities\)/);
  });
});

describe('kt (spawned), deepinversion: no BatchNorm, shape and class mismatch, NaN during synthesis', () => {
  const work = tmpDir('kt-di-bad-');
  const csv = writeBarsCsv(path.join(work, 'bars.csv'), 96);
  const diConfig = path.join(REPO, 'packages', 'deepinversion', 'configs', 'mnist-di.yaml');
  const tiny = tinyDiSets(csv, { rounds: 1 });
  let teacherRun = '';

  beforeAll(async () => {
    const r = await kt(['run', diConfig, ...tiny, '--set', 'task=train', '--set', 'learner.model={kind: resnet, widths: [4], blocksPerStage: 1}', '--set', 'train.epochs=1', '--quiet', '--out', path.join(work, 'runs')], { timeoutMs: 240_000 });
    if (r.code !== 0) throw new Error(`training the tiny teacher failed (${r.code}): ${r.stderr}`);
    teacherRun = /run directory: (\S+)/.exec(r.stdout + r.stderr)?.[1] ?? '';
    if (!fs.existsSync(path.join(teacherRun, 'summary.json'))) throw new Error(`no run directory in the output: ${r.stdout}\n${r.stderr}`);
  });

  it('kt run with a teacher that has no BatchNorm layer: says the feature term needs BN statistics and how to turn it off', async () => {
    const r = await kt(['run', diConfig, ...tiny, '--set', 'teacher.model={kind: mlp, hidden: [16]}', '--out', path.join(work, 'runs')]);
    expectExit2(r, /synthesis\.loss\.feature.*needs BatchNorm statistics.*synthesis\.loss\.feature: 0/s);
  });

  it('kt deepinversion synthesize: a class count or image shape the teacher does not have', async () => {
    const classes = await kt(['deepinversion', 'synthesize', '--teacher', teacherRun, '--per-class', '1', '--out', path.join(work, 'img'), '--classes', '7']);
    expectExit2(classes, /--classes 7 does not match the teacher of .*: it has 4 classes/);
    const shape = await kt(['deepinversion', 'synthesize', '--teacher', teacherRun, '--per-class', '1', '--out', path.join(work, 'img'), '--shape', '32x32x3']);
    expectExit2(shape, /--shape 32x32x3 does not match the teacher of .*: it takes 8x8x1 images/);
  });

  it('kt run whose synthesis diverges: stops with the iteration and every loss term', async () => {
    const r = await kt(['run', diConfig, ...tiny, '--set', 'synthesis.lr=1e300', '--set', 'synthesis.clip=false', '--set', 'synthesis.loss.l2=1', '--quiet', '--out', path.join(work, 'runs')], { timeoutMs: 240_000 });
    expectExit2(r, /not finite at iteration \d+: ce=.*feature=.*l2=.*total=/);
  });
});
