// The part of a study's runs that must outlive the machine it ran on (issue #14: a study longer than a session
// runs in parts, and a later part may start on a new machine with an empty runs/). Committed beside the results:
//   <state>/runs/<key>/   a finished run, slim: config.json, summary.json, metrics.jsonl and its test translations
//                         (artifacts/test.hyp.txt) — what the tables, the paired tests and the figures read; the
//                         warm-start sources (no-KD learners) also keep their best weights and model files;
//   <state>/teachers/<key>/  the cached teacher, slim, with its best weights (what every KD run of the study loads);
//   <state>/test.ref.txt  the test references (the same for every run).
// A slim copy's best checkpoint holds the weights only (no Adam moments): it can be loaded (learner.init, a
// cached teacher) but not resumed. Every copy is written to a temporary directory and renamed into place.
import * as fs from 'node:fs';
import * as path from 'node:path';

const RUN_FILES = ['config.json', 'summary.json', 'metrics.jsonl'];
/** Files of artifacts/ a weight-bearing copy keeps (what learner.init and a teacher load need besides weights). */
const MODEL_ARTIFACTS = ['model.json', 'tokenizer.json'];

function copyIfExists(from, to) {
  if (!fs.existsSync(from)) return false;
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  return true;
}

/** The checkpoint a finished run's weights come from: `checkpoints/best`, else the one `latest.json` names. */
export function finalCheckpoint(runDir) {
  const best = path.join(runDir, 'checkpoints', 'best');
  if (fs.existsSync(path.join(best, 'state.json'))) return best;
  const pointer = path.join(runDir, 'checkpoints', 'latest.json');
  if (!fs.existsSync(pointer)) return undefined;
  const { name } = JSON.parse(fs.readFileSync(pointer, 'utf8'));
  return path.join(runDir, 'checkpoints', name);
}

/**
 * Copies the slim form of finished run `runDir` to `dest` (replacing it). With `weights`, its final checkpoint's
 * `learner` group (as checkpoints/best, its state.json naming that group only) and the model artifacts come too.
 * Returns `dest`.
 */
export function slimCopy(runDir, dest, { weights = false } = {}) {
  const tmp = `${dest}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const f of RUN_FILES) {
    if (!copyIfExists(path.join(runDir, f), path.join(tmp, f))) throw new Error(`study state: ${runDir} has no ${f}`);
  }
  copyIfExists(path.join(runDir, 'artifacts', 'test.hyp.txt'), path.join(tmp, 'artifacts', 'test.hyp.txt'));
  copyIfExists(path.join(runDir, 'artifacts', 'teacher.json'), path.join(tmp, 'artifacts', 'teacher.json'));
  if (weights) {
    for (const f of MODEL_ARTIFACTS) copyIfExists(path.join(runDir, 'artifacts', f), path.join(tmp, 'artifacts', f));
    const ckpt = finalCheckpoint(runDir);
    if (!ckpt) throw new Error(`study state: ${runDir} has no checkpoint`);
    const to = path.join(tmp, 'checkpoints', 'best');
    for (const f of ['learner.json', 'learner.bin']) {
      if (!copyIfExists(path.join(ckpt, f), path.join(to, f))) throw new Error(`study state: ${ckpt} has no ${f}`);
    }
    const state = JSON.parse(fs.readFileSync(path.join(ckpt, 'state.json'), 'utf8'));
    fs.writeFileSync(path.join(to, 'state.json'), `${JSON.stringify({ ...state, groups: ['learner'] }, null, 2)}\n`);
  }
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.renameSync(tmp, dest);
  return dest;
}

/** Drops the weights (checkpoints/ and the model artifacts) of a slim copy that no longer needs them. */
export function dropWeights(dest) {
  fs.rmSync(path.join(dest, 'checkpoints'), { recursive: true, force: true });
  for (const f of MODEL_ARTIFACTS) fs.rmSync(path.join(dest, 'artifacts', f), { force: true });
}

/** True when `dir` holds a slim copy (or a run) with loadable weights. */
export function hasWeights(dir) {
  return fs.existsSync(path.join(dir, 'checkpoints', 'best', 'learner.bin'));
}

/**
 * Saves the finished teachers of `cacheDir` (cacheDir/teachers/<key>) that `stateDir` does not hold yet, and the
 * tokenizers they were trained with (cacheDir/mt-tokenizers, small). Returns the keys saved.
 */
export function saveTeachers(cacheDir, stateDir, isFinished) {
  const saved = [];
  const teachers = path.join(cacheDir, 'teachers');
  if (!fs.existsSync(teachers)) return saved;
  for (const key of fs.readdirSync(teachers)) {
    const dir = path.join(teachers, key);
    const dest = path.join(stateDir, 'teachers', key);
    if (fs.existsSync(path.join(dest, 'summary.json')) || !isFinished(dir)) continue;
    slimCopy(dir, dest, { weights: true });
    saved.push(key);
  }
  const tokenizers = path.join(cacheDir, 'mt-tokenizers');
  if (saved.length > 0 && fs.existsSync(tokenizers)) fs.cpSync(tokenizers, path.join(stateDir, 'mt-tokenizers'), { recursive: true });
  return saved;
}

/**
 * Puts the saved teachers (and tokenizers) back into `cacheDir` where it has none of that key — a new machine —
 * so the content-keyed teacher cache finds them. Returns the keys restored.
 */
export function restoreTeachers(stateDir, cacheDir) {
  const restored = [];
  const teachers = path.join(stateDir, 'teachers');
  if (!fs.existsSync(teachers)) return restored;
  for (const key of fs.readdirSync(teachers)) {
    const dest = path.join(cacheDir, 'teachers', key);
    if (fs.existsSync(dest)) continue;
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.cpSync(path.join(teachers, key), dest, { recursive: true });
    restored.push(key);
  }
  const tokenizers = path.join(stateDir, 'mt-tokenizers');
  if (restored.length > 0 && fs.existsSync(tokenizers)) {
    for (const key of fs.readdirSync(tokenizers)) {
      const dest = path.join(cacheDir, 'mt-tokenizers', key);
      if (!fs.existsSync(dest)) fs.cpSync(path.join(tokenizers, key), dest, { recursive: true });
    }
  }
  return restored;
}
