// The mt-kd study goes on from its committed state on a new machine (issue #14: a study in parts, runs/ lost
// between them): a tiny synthetic study (no-KD + word-level forward, 1 seed, a few dozen steps) runs, its runs/
// directory is deleted, and the same command finds every run and the teacher in the state and trains nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropWeights, hasWeights, restoreTeachers, saveTeachers, slimCopy } from '../mt-kd/study-state.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const study = path.join(here, '..', 'mt-kd', 'run.mjs');

function fakeRun(dir, { step = 40 } = {}) {
  const ckpt = path.join(dir, 'checkpoints', `step-${String(step).padStart(8, '0')}`);
  fs.mkdirSync(ckpt, { recursive: true });
  fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  for (const f of ['config.json', 'summary.json']) fs.writeFileSync(path.join(dir, f), JSON.stringify({ status: 'completed', f }));
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"step":1}\n');
  for (const f of ['test.hyp.txt', 'test.ref.txt', 'model.json', 'tokenizer.json']) fs.writeFileSync(path.join(dir, 'artifacts', f), f);
  for (const f of ['learner.json', 'learner.bin', 'learner-optimizer.json', 'learner-optimizer.bin']) fs.writeFileSync(path.join(ckpt, f), f);
  fs.writeFileSync(path.join(ckpt, 'state.json'), JSON.stringify({ format: 'kt-checkpoint/1', groups: ['learner', 'learner-optimizer'], step, configHash: 'abc' }));
  fs.writeFileSync(path.join(dir, 'checkpoints', 'latest.json'), JSON.stringify({ name: path.basename(ckpt) }));
}

test('slim copies keep what tables, pairs and warm starts read; weights without optimizer state; teachers round-trip', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-study-state-'));
  try {
    const run = path.join(tmp, 'run');
    fakeRun(run);
    const plain = slimCopy(run, path.join(tmp, 'state', 'runs', 'a'));
    assert.deepEqual(fs.readdirSync(plain).sort(), ['artifacts', 'config.json', 'metrics.jsonl', 'summary.json']);
    assert.deepEqual(fs.readdirSync(path.join(plain, 'artifacts')), ['test.hyp.txt']);
    assert.equal(hasWeights(plain), false);
    const warm = slimCopy(run, path.join(tmp, 'state', 'runs', 'b'), { weights: true });
    assert.deepEqual(fs.readdirSync(path.join(warm, 'checkpoints', 'best')).sort(), ['learner.bin', 'learner.json', 'state.json']);
    const state = JSON.parse(fs.readFileSync(path.join(warm, 'checkpoints', 'best', 'state.json'), 'utf8'));
    assert.deepEqual([state.groups, state.step, state.configHash], [['learner'], 40, 'abc']);
    assert.deepEqual(fs.readdirSync(path.join(warm, 'artifacts')).sort(), ['model.json', 'test.hyp.txt', 'tokenizer.json']);
    dropWeights(warm);
    assert.equal(hasWeights(warm), false);
    assert.deepEqual(fs.readdirSync(path.join(warm, 'artifacts')), ['test.hyp.txt']);

    const cache = path.join(tmp, 'cache');
    fakeRun(path.join(cache, 'teachers', 'mt-1'));
    fakeRun(path.join(cache, 'teachers', 'mt-2')); // unfinished: not saved
    fs.mkdirSync(path.join(cache, 'mt-tokenizers', 'tok'), { recursive: true });
    fs.writeFileSync(path.join(cache, 'mt-tokenizers', 'tok', 'tokenizer.json'), '{}');
    const stateDir = path.join(tmp, 'state');
    assert.deepEqual(saveTeachers(cache, stateDir, (d) => d.endsWith('mt-1')), ['mt-1']);
    assert.deepEqual(saveTeachers(cache, stateDir, (d) => d.endsWith('mt-1')), []); // once
    const fresh = path.join(tmp, 'fresh-cache');
    assert.deepEqual(restoreTeachers(stateDir, fresh), ['mt-1']);
    assert.equal(hasWeights(path.join(fresh, 'teachers', 'mt-1')), true);
    assert.ok(fs.existsSync(path.join(fresh, 'mt-tokenizers', 'tok', 'tokenizer.json')));
    assert.deepEqual(restoreTeachers(stateDir, fresh), []); // present: left alone
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

// Every part of a study state must reach git: a `runs/` rule in .gitignore once kept the slim runs out of every commit.
test('the committed study states are not ignored by git, slim runs included', (t) => {
  const repo = path.join(here, '..', '..', '..');
  if (spawnSync('git', ['rev-parse', '--git-dir'], { cwd: repo }).status !== 0) {
    t.skip('not a git checkout');
    return;
  }
  for (const state of ['mt-kd-study-state', 'mt-kd-study-synthetic-state']) {
    for (const file of ['runs/scratch.none.lr0.002.s0/summary.json', 'teachers/mt-x/summary.json', 'test.ref.txt']) {
      const rel = path.join('tools/bench/results', state, file);
      // exit 1: not ignored (the path need not exist)
      assert.equal(spawnSync('git', ['check-ignore', '-q', '--no-index', rel], { cwd: repo }).status, 1, `${rel} is ignored by git`);
    }
  }
});

test('a study goes on from its state after runs/ is deleted (a new machine): the teacher and warm starts load from it', { timeout: 600_000 }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-study-resume-'));
  try {
    const common = [
      study, '--study', '--synthetic', '--seeds', '1', '--max-steps', '30', '--eval-every', '10', '--patience', '2', '--val-limit', '50',
      '--teacher-steps', '30', '--out', path.join(tmp, 'runs'), '--state', path.join(tmp, 'state'), '--results', path.join(tmp, 'results.json'),
    ];
    const env = { ...process.env, KT_NUM_THREADS: '1' };
    const kt = (...extra) => {
      const r = spawnSync(process.execPath, [...common, ...extra], { encoding: 'utf8', env });
      assert.equal(r.status, 0, r.stderr + r.stdout);
      return r.stdout + r.stderr;
    };
    // part 1: the teacher, and the no-KD learners (3 rates from scratch, then 3 from the chosen one's checkpoint)
    kt('--teacher-only');
    kt('--modes', 'none');
    const r1 = JSON.parse(fs.readFileSync(path.join(tmp, 'results.json'), 'utf8'));
    const noKd = Object.keys(r1.done).sort();
    assert.equal(noKd.length, 6);
    const chosen = path.basename(r1.done[noKd.find((k) => k.startsWith('init.none'))].init).replace(/^\d{8}-\d{6}-/, '');
    for (const k of noKd.filter((x) => x.startsWith('scratch.none'))) assert.equal(hasWeights(path.join(tmp, 'state', 'runs', k)), k === chosen, k);
    assert.equal(fs.readdirSync(path.join(tmp, 'state', 'teachers')).length, 1);

    // part 2 on "a new machine": forward KL, from scratch and from the no-KD checkpoint
    fs.rmSync(path.join(tmp, 'runs'), { recursive: true, force: true });
    const out = kt('--modes', 'none,word-forward');
    assert.match(out, /6 finished run\(s\) read from their copies/);
    assert.match(out, /restored from/);
    assert.doesNotMatch(out, /mt-kd study: (scratch|init)\.none/); // the no-KD runs are not trained again
    assert.doesNotMatch(out, /teacher: step/); // nor is the teacher
    const r2 = JSON.parse(fs.readFileSync(path.join(tmp, 'results.json'), 'utf8'));
    const keys = Object.keys(r2.done);
    assert.equal(keys.length, 12);
    for (const k of keys.filter((x) => x.startsWith('init.word-forward'))) assert.equal(r2.done[k].init, path.join(tmp, 'state', 'runs', chosen));
    for (const k of noKd) assert.deepEqual(r2.done[k].test, r1.done[k].test);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

// The end of a session: `pkill -f "run.mjs --study"` (SIGTERM) checkpoints the run in progress, records nothing for it,
// exits 0; the same command resumes that run from its checkpoint.
test('SIGTERM stops a study at a checkpoint, and the same command resumes the run', { timeout: 600_000 }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-study-stop-'));
  try {
    const runs = path.join(tmp, 'runs');
    const args = [
      study, '--study', '--synthetic', '--modes', 'none', '--seeds', '1', '--lr-grid', '0.005,0.01,0.02', '--max-steps', '120', '--eval-every', '20',
      '--patience', '50', '--val-limit', '20', '--out', runs, '--state', path.join(tmp, 'state'), '--results', path.join(tmp, 'results.json'),
    ];
    const env = { ...process.env, KT_NUM_THREADS: '1' };
    const child = spawn(process.execPath, args, { env });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    // signalled once the first run has logged a training step
    const runDir = () => (fs.existsSync(runs) ? fs.readdirSync(runs).filter((d) => d.endsWith('scratch.none.lr0.005.s0')).map((d) => path.join(runs, d))[0] : undefined);
    const started = () => {
      const d = runDir();
      return d !== undefined && fs.existsSync(path.join(d, 'metrics.jsonl')) && fs.readFileSync(path.join(d, 'metrics.jsonl'), 'utf8').includes('"split":"train"');
    };
    for (let waited = 0; !started(); waited += 50) {
      assert.ok(waited < 300_000 && child.exitCode === null, `the first run never logged a step:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.match(output, /stopped by SIGTERM: scratch\.none\.lr0\.005\.s0 checkpointed at step \d+/);
    const summary = JSON.parse(fs.readFileSync(path.join(runDir(), 'summary.json'), 'utf8'));
    assert.equal(summary.status, 'interrupted');
    assert.ok(summary.steps > 0 && summary.steps < 120, `stopped at step ${summary.steps}`);
    assert.ok(fs.existsSync(path.join(runDir(), 'checkpoints', 'latest.json')));
    const results = JSON.parse(fs.readFileSync(path.join(tmp, 'results.json'), 'utf8'));
    assert.deepEqual(Object.keys(results.done), []);

    const again = spawnSync(process.execPath, args, { encoding: 'utf8', env });
    assert.equal(again.status, 0, again.stderr + again.stdout);
    assert.match(again.stdout + again.stderr, /scratch\.none\.lr0\.005\.s0 \(resuming /);
    const done = JSON.parse(fs.readFileSync(path.join(tmp, 'results.json'), 'utf8')).done;
    assert.equal(Object.keys(done).filter((k) => k.startsWith('scratch.none')).length, 3);
    assert.equal(done['scratch.none.lr0.005.s0'].resumed, true);
    assert.equal(done['scratch.none.lr0.005.s0'].steps, 120);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
