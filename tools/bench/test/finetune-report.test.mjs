// Unit checks of the finetune bench's aggregation (tools/bench/finetune/report.mjs) on hand-made cells: the
// hyper-parameter is chosen per regime and method at the selection labels count (seed 0, best validation accuracy,
// ties to the lower grid index) and the same value is reported at every labels count. No benchmark runs here.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { aggregate, runLoad, tableHeader, writeReport } from '../finetune/report.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-bench-finetune-report-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function cell(regime, labels, method, seed, hpIndex, val, test) {
  const hp = method === 'none' ? {} : { weight: [0.1, 1, 10][hpIndex] };
  const key = `${regime}-${labels}-${method}-hp${hpIndex}-seed${seed}`;
  const record = { key, regime, labels, method, seed, hp, hpIndex, val: { accuracy: val }, test: { accuracy: test }, status: 'completed', seconds: 1, load: '1 1 1' };
  fs.writeFileSync(path.join(dir, `${key}.json`), JSON.stringify(record));
}

// Selection at 10 labels: hp2 wins for 'related', hp0 and hp1 tie for 'discrepant' (the lower index wins).
cell('related', 10, 'at', 0, 0, 0.80, 0.70);
cell('related', 10, 'at', 0, 1, 0.82, 0.71);
cell('related', 10, 'at', 0, 2, 0.85, 0.72);
cell('related', 10, 'at', 1, 2, 0.86, 0.74);
cell('discrepant', 10, 'at', 0, 0, 0.84, 0.60);
cell('discrepant', 10, 'at', 0, 1, 0.84, 0.65);
// At 50 labels: a cell at the default (hp1) with a better validation accuracy than the chosen one must not count.
cell('related', 50, 'at', 0, 1, 0.99, 0.99);
cell('related', 50, 'at', 0, 2, 0.90, 0.91);
cell('related', 50, 'at', 1, 2, 0.91, 0.93);
cell('discrepant', 50, 'at', 0, 1, 0.95, 0.95);
cell('related', 'all', 'none', 0, 0, 0.95, 0.94);
cell('related', 10, 'none', 0, 0, 0.90, 0.69);
cell('related', 10, 'none', 1, 0, 0.90, 0.70);

const { grid, rows } = aggregate(dir, { selectLabels: '10' });
const row = (regime, labels, method) => rows.find((r) => r.regime === regime && r.labels === labels && r.method === method);

test('the grid point with the best validation accuracy at 10 labels is chosen, ties to the lower index', () => {
  assert.deepEqual(
    grid.map((g) => [g.regime, g.method, g.chosen, g.tried.length]),
    [
      ['related', 'none', 0, 1],
      ['related', 'at', 2, 3],
      ['discrepant', 'at', 0, 2],
    ],
  );
});

test('every labels count reports the value chosen at 10, never a better-looking cell at another value', () => {
  const r50 = row('related', '50', 'at');
  assert.equal(r50.hp, 'weight=10');
  assert.deepEqual(r50.accuracy, [0.91, 0.93]);
  assert.equal(r50.val, 0.9);
  assert.equal(r50.gridTried, 3);
  assert.deepEqual(row('related', '10', 'at').accuracy, [0.72, 0.74]);
  // The discrepant regime chose hp0; its only 50-label cell is at hp1, so there is no row.
  assert.equal(row('discrepant', '50', 'at'), undefined);
  assert.deepEqual(row('discrepant', '10', 'at').accuracy, [0.6]);
});

test("the 'all' column is a labels count like the others, and differences are paired by seed", () => {
  assert.deepEqual(row('related', 'all', 'none').accuracy, [0.94]);
  const at10 = row('related', '10', 'at');
  // Seeds 0 and 1: (0.72 − 0.69) and (0.74 − 0.70).
  assert.ok(Math.abs(at10.vs_none.mean - 0.035) < 1e-9);
  assert.equal(at10.vs_none.n, 2);
});

test("the table header states the load the runs measured (each cell's 1-minute load average when it ended), never an assumed one", () => {
  assert.deepEqual(aggregate(dir, { selectLabels: '10' }).runLoad, { min: 1, median: 1, max: 1, cells: 13 });
  const load = runLoad([{ load: '4.91 3.00 1.00' }, { load: '1.98 0.50 0.20' }, { load: '5.82 4.00 2.00' }, { load: '2.50 1 1' }, {}]);
  assert.deepEqual(load, { min: 1.98, median: (2.5 + 4.91) / 2, max: 5.82, cells: 4 });
  const header = tableHeader({ cells: 5, date: '2026-12-02T13:06:53.050Z', cpus: 2, load, seconds: 982.9 });
  assert.equal(header, '5 runs aggregated on 2026-12-02T13:06Z (2 cores; 1-minute load average when each run ended 1.98–5.82, median 3.71 (recorded by 4 of the 5 runs); 983 s of run time summed over the runs).');
  assert.doesNotMatch(header, /shared/);
  assert.match(tableHeader({ cells: 1, date: '2026-12-02T13:06Z', cpus: 2, load: runLoad([{}]), seconds: 1 }), /load average not recorded by the runs/);
});

test('writeReport writes its JSON and table beside a --cells directory elsewhere, not into the repository', () => {
  const cellsDir = path.join(dir, 'elsewhere', 'cells');
  fs.mkdirSync(cellsDir, { recursive: true });
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) fs.copyFileSync(path.join(dir, f), path.join(cellsDir, f));
  const repoFile = new URL('../finetune/results/finetune.json', import.meta.url);
  const before = fs.existsSync(repoFile) ? fs.readFileSync(repoFile, 'utf8') : undefined;
  const { record } = writeReport(cellsDir, { loadNow: '0 0 0' });
  assert.equal(record.cells, fs.readdirSync(cellsDir).length);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'elsewhere', 'finetune.json'), 'utf8')).rows, record.rows);
  assert.match(fs.readFileSync(path.join(dir, 'elsewhere', 'finetune.table.md'), 'utf8'), /Test accuracy at the chosen values/);
  assert.equal(fs.existsSync(repoFile) ? fs.readFileSync(repoFile, 'utf8') : undefined, before);
});
