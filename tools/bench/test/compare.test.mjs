// Unit checks of the pure helpers behind the kt-vs-PyTorch table (no benchmark runs here: `node --test test/`).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { findTorchPython, ratio, referenceTable, sameInitialLoss, soakProblems } from '../reference/compare.mjs';
import { encodeWeights } from '../reference/weights-file.mjs';

const kt = { wallMs: 50, cpuMs: 120, peakRssMiB: 800, tensorsBefore: 318, tensorsAfter: 318, initialLoss: 1.0991939 };
const torch1 = { wallMs: 25, cpuMs: 30, peakRssMiB: 600, initialLoss: 1.099194 };
const torchAll = { wallMs: 40, cpuMs: 80, peakRssMiB: 610, initialLoss: 1.099194 };

function cells(md, rowLabel) {
  const line = md.split('\n').find((l) => l.startsWith(`| ${rowLabel} |`));
  assert.ok(line, `row ${rowLabel} missing`);
  return line.split('|').slice(1, -1).map((c) => c.trim());
}

test('ratio is kt ÷ PyTorch and undefined when a side is missing', () => {
  assert.equal(ratio(50, 25), 2);
  assert.equal(ratio(10, 40), 0.25);
  assert.equal(ratio(50, undefined), undefined);
  assert.equal(ratio(undefined, 25), undefined);
  assert.equal(ratio(50, 0), undefined);
});

test('referenceTable puts wall and CPU ratios against 1 and all threads, and the best PyTorch wall, in one row', () => {
  const md = referenceTable([{ label: 'MT word-KD step', kt, torch1, torchAll }], { threadsAll: 2 });
  const c = cells(md, 'MT word-KD step');
  assert.equal(c[1], '50.0 / 120');
  assert.equal(c[2], '25.0 / 30.0');
  assert.equal(c[3], '40.0 / 80.0');
  assert.equal(c[4], '2.00x / 4.00x');
  assert.equal(c[5], '1.25x / 1.50x');
  assert.equal(c[6], '2.00x'); // best PyTorch wall is the 1-thread 25 ms
  assert.equal(c[8], '800 / 600 / 610');
  assert.equal(c[9], '318 → 318');
  assert.equal(c[10], '1.099194 / 1.099194');
  assert.match(md.split('\n')[0], /PyTorch 2 threads/);
});

test('referenceTable without PyTorch keeps kt columns and marks the PyTorch ones skipped', () => {
  const md = referenceTable([{ label: 'transformer', kt, torch1: undefined, torchAll: undefined }]);
  const c = cells(md, 'transformer');
  assert.equal(c[1], '50.0 / 120');
  assert.equal(c[2], 'skipped');
  assert.equal(c[3], 'skipped');
  assert.equal(c[4], 'n/a');
  assert.equal(c[6], 'n/a');
  assert.equal(c[10], '1.099194 / n/a');
});

test('referenceTable reports a failed side as error, not as a number', () => {
  const md = referenceTable([{ label: 'beam', kt: { error: 'boom' }, torch1, torchAll }]);
  const c = cells(md, 'beam');
  assert.equal(c[1], 'error');
  assert.equal(c[4], 'n/a');
});

test('soakProblems: a leaked tensor or RSS growth beyond the tolerance fails, allocator noise does not', () => {
  const base = { steps: 1000, tensorsStart: 318, tensorsEnd: 318, rssStartMiB: 800, rssEndMiB: 830 };
  assert.deepEqual(soakProblems(base), []);
  assert.match(soakProblems({ ...base, tensorsEnd: 319 })[0], /tensor count grew from 318 to 319 over 1000 steps/);
  assert.match(soakProblems({ ...base, rssEndMiB: 900 })[0], /RSS grew from 800 MiB to 900 MiB/);
  assert.deepEqual(soakProblems({ ...base, rssStartMiB: 100, rssEndMiB: 160 }), []); // within the 64 MiB floor
  assert.equal(soakProblems({ ...base, rssStartMiB: 100, rssEndMiB: 170 }).length, 1);
});

test('findTorchPython: KT_BENCH_PYTHON first, then the candidates; the reason names every attempt', () => {
  const seen = [];
  const probe = (py) => {
    seen.push(py);
    return py === '/usr/bin/python3' ? { ok: true, version: '1.13.1' } : { ok: false, reason: "No module named 'torch'" };
  };
  assert.deepEqual(findTorchPython({ env: {}, candidates: ['python3', '/usr/bin/python3'], probe }), { python: '/usr/bin/python3', torch: '1.13.1' });
  assert.deepEqual(seen, ['python3', '/usr/bin/python3']);
  seen.length = 0;
  assert.equal(findTorchPython({ env: { KT_BENCH_PYTHON: '/opt/py' }, candidates: ['/usr/bin/python3'], probe }).python, '/usr/bin/python3');
  assert.deepEqual(seen, ['/opt/py', '/usr/bin/python3']);
  const none = findTorchPython({ env: {}, candidates: ['python3'], probe: () => ({ ok: false, reason: 'not found' }) });
  assert.equal(none.python, undefined);
  assert.match(none.reason, /python3: not found/);
  assert.match(none.reason, /python3-torch/);
});

test('sameInitialLoss tolerates float32 summation order only', () => {
  assert.equal(sameInitialLoss(6.2700143, 6.2700148), true);
  assert.equal(sameInitialLoss(6.27, 6.24), false);
  assert.equal(sameInitialLoss(6.27, undefined), undefined);
});

test('encodeWeights: 8-byte aligned offsets, values round-trip, bad entries are rejected by name', () => {
  const a = Float32Array.from([1.5, -2, 3.25]);
  const b = Int32Array.from([7, 8, 9, 10]);
  const { manifest, data } = encodeWeights([{ name: 'a', shape: [3], values: a }, { name: 'b', shape: [2, 2], values: b }], { config: { d: 2 } });
  assert.deepEqual(manifest.tensors.map((t) => [t.name, t.dtype, t.offset]), [['a', 'float32', 0], ['b', 'int32', 16]]);
  assert.equal(data.length, 32);
  assert.deepEqual(Array.from(new Float32Array(data.buffer, data.byteOffset, 3)), [1.5, -2, 3.25]);
  assert.deepEqual(Array.from(new Int32Array(data.buffer, data.byteOffset + 16, 4)), [7, 8, 9, 10]);
  assert.deepEqual(manifest.meta, { config: { d: 2 } });
  assert.throws(() => encodeWeights([{ name: 'a', shape: [3], values: a }, { name: 'a', shape: [3], values: a }]), /duplicate tensor name 'a'/);
  assert.throws(() => encodeWeights([{ name: 'w', shape: [2, 2], values: a }]), /'w' has 3 values for shape \[2,2\]/);
  assert.throws(() => encodeWeights([{ name: 'x', shape: [1], values: [1] }]), /'x' must be a Float32Array or Int32Array/);
});
