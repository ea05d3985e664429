// `npm run demo` end to end at a tiny budget (a teacher of 40 steps, learners of 30): the table has the teacher and
// each learner, the teacher's training time is its own row (it happens inside the first KD learner's run, which must
// not be charged for it), and a second demo reuses the cached teacher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const demo = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'demo', 'mt-demo.mjs');

/** The demo's table rows: model → { bleu, steps, seconds }. */
function tableRows(stdout) {
  const rows = new Map();
  for (const line of stdout.split('\n')) {
    const m = /^(teacher|no KD \(references only\)|forward KL\(teacher‖learner\))\s+(\S+)\s+(\S+)\s+(\d+)\s*(\S*)\s*$/.exec(line.trim());
    if (m) rows.set(m[1], { bleu: m[2], steps: Number(m[4]), seconds: m[5] });
  }
  return rows;
}

function runDemo(out) {
  const r = spawnSync(process.execPath, [demo, '--out', out, '--modes', 'none,word-forward', '--steps', '30', '--teacher-steps', '40', '--quiet'], { encoding: 'utf8', env: { ...process.env, KT_NUM_THREADS: '1' } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('the demo prints the teacher and its learners, the teacher timed on its own row, and reuses the teacher next time', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-demo-'));
  try {
    const first = tableRows(runDemo(out));
    assert.deepEqual([...first.keys()].sort(), ['forward KL(teacher‖learner)', 'no KD (references only)', 'teacher']);
    assert.equal(first.get('teacher').steps, 40);
    assert.equal(first.get('no KD (references only)').steps, 30);
    const teacherSeconds = Number(first.get('teacher').seconds);
    assert.ok(teacherSeconds > 0, `the teacher trained now shows its seconds: ${first.get('teacher').seconds}`);
    // The forward learner's run trained the teacher; its own seconds leave that out.
    const runDir = fs.readdirSync(out).find((d) => d.includes('word-forward'));
    const summary = JSON.parse(fs.readFileSync(path.join(out, runDir, 'summary.json'), 'utf8'));
    assert.equal(summary.teachers[0].fromCache, false);
    assert.ok(Number(first.get('forward KL(teacher‖learner)').seconds) <= summary.timings.totalSeconds - summary.teachers[0].seconds + 1);

    const second = tableRows(runDemo(out));
    assert.equal(second.get('teacher').seconds, 'cached');
    assert.equal(second.get('teacher').bleu, first.get('teacher').bleu);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
