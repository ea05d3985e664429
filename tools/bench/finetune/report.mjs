// Aggregates the per-run cells of tools/bench/finetune/run.mjs (any subset, e.g. of a run cut short or of several
// processes, one per regime) into results/finetune.json and results/finetune.table.md: per (regime, method) the
// hyper-parameter with the best validation accuracy at --select-labels labels per class (10) and seed 0 (the
// selection table: every grid point's validation accuracy), then per labels per class the test accuracy over the
// seeds run with it. Cells at other hyper-parameters (from earlier designs) stay on disk and are not counted.
// Usage: node tools/bench/finetune/report.mjs [--cells DIR] [--quick] [--select-labels 10]
// Writes <parent of DIR>/finetune[-quick].json and .table.md (default DIR tools/bench/finetune/results/cells).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { root, mean, std, table, writeJson, writeText, machine, flags } from '../lib.mjs';

export const METHOD_ORDER = ['scratch', 'none', 'l2', 'l2-sp', 'at', 'delta', 'bss', 'tred', 'kd'];
const LABEL_ORDER = ['10', '50', '100', 'all'];

/** The selection (every grid point tried at `selectLabels`, seed 0, per regime and method) and the rows of the table from every cell in `cellsDir`. */
export function aggregate(cellsDir, { selectLabels = '10' } = {}) {
  const cells = fs.existsSync(cellsDir) ? fs.readdirSync(cellsDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(cellsDir, f), 'utf8'))) : [];
  const selection = new Map();
  for (const c of cells) {
    if (String(c.labels) !== String(selectLabels) || c.seed !== 0) continue;
    const key = `${c.regime}|${c.method}`;
    if (!selection.has(key)) selection.set(key, []);
    selection.get(key).push(c);
  }
  const chosen = new Map();
  const grid = [];
  for (const [key, tried] of selection) {
    tried.sort((a, b) => a.hpIndex - b.hpIndex);
    // Ties go to the lower grid index (the grids run from weak to strong regularisation).
    const best = tried.reduce((a, b) => ((b.val?.accuracy ?? -1) > (a.val?.accuracy ?? -1) ? b : a));
    chosen.set(key, best);
    const [regime, method] = key.split('|');
    grid.push({ regime, method, tried: tried.map((c) => ({ hp: c.hp, hpIndex: c.hpIndex, val: c.val.accuracy, test: c.test.accuracy })), chosen: best.hpIndex });
  }
  grid.sort((a, b) => a.regime.localeCompare(b.regime) * -1 || METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method));
  const groups = new Map();
  for (const c of cells) {
    const key = `${c.regime}|${c.labels}|${c.method}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(c);
  }
  const rows = [];
  for (const [key, list] of groups) {
    const [regime, labels, method] = key.split('|');
    const best = chosen.get(`${regime}|${method}`);
    if (!best) continue;
    const runs = list.filter((c) => c.hpIndex === best.hpIndex).sort((a, b) => a.seed - b.seed);
    if (runs.length === 0) continue;
    const acc = runs.map((r) => r.test.accuracy);
    rows.push({
      regime,
      labels,
      method,
      hp: Object.entries(best.hp).map(([k, v]) => `${k}=${v}`).join(' ') || '—',
      gridTried: selection.get(`${regime}|${method}`).length,
      val: runs.find((r) => r.seed === 0)?.val.accuracy,
      seeds: runs.map((r) => r.seed),
      accuracy: acc,
      mean: mean(acc),
      std: std(acc),
      seconds: runs.reduce((s, c) => s + c.seconds, 0),
      load: [...new Set(runs.map((c) => c.load))],
    });
  }
  // Paired differences (same seeds: same labelled images, same batch order) against scratch and plain fine-tuning.
  const byKey = new Map(rows.map((r) => [`${r.regime}|${r.labels}|${r.method}`, r]));
  for (const r of rows) {
    for (const ref of ['scratch', 'none']) {
      const other = byKey.get(`${r.regime}|${r.labels}|${ref}`);
      if (!other || other === r || r.method === 'scratch') continue;
      const diffs = r.seeds.flatMap((seed, i) => {
        const j = other.seeds.indexOf(seed);
        return j < 0 ? [] : [r.accuracy[i] - other.accuracy[j]];
      });
      if (diffs.length > 0) r[`vs_${ref}`] = { mean: mean(diffs), min: Math.min(...diffs), max: Math.max(...diffs), n: diffs.length };
    }
  }
  rows.sort((a, b) => a.regime.localeCompare(b.regime) * -1 || LABEL_ORDER.indexOf(a.labels) - LABEL_ORDER.indexOf(b.labels) || METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method));
  return { cells: cells.length, grid, rows, seconds: cells.reduce((s, c) => s + c.seconds, 0), runLoad: runLoad(cells) };
}

/** The 1-minute load average each cell recorded when its run ended (`load`: "1m 5m 15m"): min, median, max over the cells that have one; undefined when none does. */
export function runLoad(cells) {
  const ones = cells.map((c) => Number.parseFloat(String(c.load ?? '').split(' ')[0])).filter(Number.isFinite).sort((a, b) => a - b);
  if (ones.length === 0) return undefined;
  const mid = ones.length >> 1;
  const median = ones.length % 2 ? ones[mid] : (ones[mid - 1] + ones[mid]) / 2;
  return { min: ones[0], median, max: ones.at(-1), cells: ones.length };
}

/** The first line of the table file: what was aggregated, on how many cores, under what load (as the cells measured it), and the summed run time. */
export function tableHeader({ cells, date, cpus, load, seconds }) {
  const f = (v) => v.toFixed(2);
  const loadText = load
    ? `1-minute load average when each run ended ${f(load.min)}–${f(load.max)}, median ${f(load.median)}${load.cells < cells ? ` (recorded by ${load.cells} of the ${cells} runs)` : ''}`
    : 'load average not recorded by the runs';
  return `${cells} runs aggregated on ${date.slice(0, 16)}Z (${cpus} cores; ${loadText}; ${seconds.toFixed(0)} s of run time summed over the runs).`;
}

/** Writes finetune{,-quick}.json and .table.md beside `cellsDir` (in its parent directory). */
export function writeReport(cellsDir, { quick = false, backend = 'wasm', selectLabels = '10', loadNow = os.loadavg().map((l) => l.toFixed(2)).join(' ') } = {}) {
  const { cells, grid, rows, seconds, runLoad: load } = aggregate(cellsDir, { selectLabels });
  const pct = (v) => (v * 100).toFixed(1);
  const signed = (v) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)}`;
  const delta = (d, range) => (d ? `${signed(d.mean)}${range ? ` (${signed(d.min)}…${signed(d.max)})` : ''}` : '');
  const { md, text } = table(
    ['regime', 'labels/class', 'method', 'chosen HP (of grid)', 'val acc. (seed 0)', 'test accuracy % (mean ± std)', 'seeds', 'Δ vs scratch, paired (min…max)', 'Δ vs none, paired'],
    rows.map((r) => [
      r.regime,
      r.labels,
      r.method,
      `${r.hp} (${r.gridTried})`,
      r.val === undefined ? '' : pct(r.val),
      `${pct(r.mean)} ± ${pct(r.std)}`,
      String(r.seeds.length),
      delta(r.vs_scratch, true),
      delta(r.vs_none, false),
    ]),
  );
  const hpText = (hp) => Object.entries(hp).map(([k, v]) => `${k}=${v}`).join(' ') || '—';
  const selectionTable = table(
    ['regime', 'method', `val acc. % at ${selectLabels} labels/class, seed 0, per grid point (chosen *)`],
    grid.map((g) => [g.regime, g.method, g.tried.map((t) => `${hpText(t.hp)}: ${pct(t.val)}${t.hpIndex === g.chosen ? '*' : ''}`).join(' · ')]),
  );
  const record = { benchmark: 'finetune', quick, cells, runSeconds: seconds, backend, machine: machine(), loadAverageAfterRuns: load, loadAverageAtReport: loadNow, selectLabels, grid, rows, date: new Date().toISOString() };
  const stem = quick ? 'finetune-quick' : 'finetune';
  // Beside the cells directory (tools/bench/finetune/results for the default --cells): a --cells elsewhere keeps the repo's results.
  const outDir = path.dirname(path.resolve(cellsDir));
  writeJson(path.join(outDir, `${stem}.json`), record);
  writeText(
    path.join(outDir, `${stem}.table.md`),
    `${tableHeader({ cells, date: record.date, cpus: record.machine.cpus, load, seconds })}\n\nSelection (hyper-parameters chosen per regime on validation accuracy at ${selectLabels} labels per class, seed 0):\n\n${selectionTable.md}\n\nTest accuracy at the chosen values:\n\n${md}\n`,
  );
  return { text: `${selectionTable.text}\n\n${text}`, record };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const opt = flags({ cells: path.join(root, 'tools/bench/finetune/results/cells'), quick: false, 'select-labels': '10' });
  const { text } = writeReport(path.resolve(opt.quick ? `${opt.cells}-quick` : opt.cells), { quick: opt.quick, selectLabels: opt['select-labels'] });
  console.log(text);
}
