// The PyTorch references of the plugins' training steps compute kt's step: on tiny shapes, kt (kernels/step-worker.mjs
// --tiny --export, the process the kernel benchmark runs) and PyTorch (reference/*.py --weights, from kt's exported
// weights and batch) agree on the initial loss, and after one Adam update on the loss again (so the gradients agree
// too). Needs the built packages (`npx nx run-many -t build -p @kt/core,@kt/vision,@kt/finetune,@kt/synthesis`)
// and a python3 with torch (`apt-get install python3-torch`; KT_BENCH_PYTHON overrides): without one, each test is
// skipped and says why.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTorchPython, runReference, sameInitialLoss } from '../reference/compare.mjs';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'kernels', 'step-worker.mjs');
const found = findTorchPython();
const skip = found.python === undefined ? `PyTorch reference not checked: ${found.reason}` : false;
if (skip) console.log(`# ${skip}`);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-bench-ref-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** One warm-up and one timed step on both sides: the timed step's loss is the loss after one update from the same start. */
const STEPS = ['--min-steps', '1', '--max-steps', '1', '--budget-ms', '0'];

const CASES = [
  { id: 'finetune-l2-sp', script: 'finetune_step.py', args: ['--regulariser', 'l2-sp'] },
  { id: 'finetune-bss', script: 'finetune_step.py', args: ['--regulariser', 'bss'] },
  { id: 'finetune-delta', script: 'finetune_step.py', args: ['--regulariser', 'delta'] },
  { id: 'recognition', script: 'recognition_step.py', args: [] },
];

function ktStep(id, prefix) {
  const r = spawnSync(process.execPath, [worker, '--case', id, '--tiny', '--export', prefix, ...STEPS], { encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.equal(r.status, 0, `step-worker --case ${id} --tiny failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

for (const c of CASES) {
  test(`${c.id}: PyTorch's step from kt's exported weights starts at kt's loss and after one Adam update`, { skip }, () => {
    const prefix = path.join(tmp, c.id);
    const kt = ktStep(c.id, prefix);
    const torch = runReference(found.python, c.script, [...c.args, '--weights', prefix, '--threads', '1', '--warmup', '1', ...STEPS]);
    assert.equal(torch.error, undefined, torch.error);
    assert.ok(Number.isFinite(kt.initialLoss) && kt.initialLoss > 0, `kt initial loss ${kt.initialLoss}`);
    assert.equal(torch.sameWeights, true);
    assert.ok(sameInitialLoss(kt.initialLoss, torch.initialLoss, 1e-5), `initial loss kt ${kt.initialLoss} vs PyTorch ${torch.initialLoss}`);
    // The update must have moved the loss (else the comparison below proves nothing), the same way on both sides.
    assert.ok(Math.abs(kt.lastLoss - kt.initialLoss) > 1e-3, `kt's loss did not move: ${kt.initialLoss} → ${kt.lastLoss}`);
    assert.ok(sameInitialLoss(kt.lastLoss, torch.lastLoss, 1e-4), `loss after one update kt ${kt.lastLoss} vs PyTorch ${torch.lastLoss}`);
    assert.equal(kt.tensorsBefore, kt.tensorsAfter, 'kt leaked tensors per step');
  });
}
