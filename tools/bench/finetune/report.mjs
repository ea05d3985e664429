// Aggregates the per-run cells of tools/bench/finetune/run.mjs (any subset, e.g. of a run cut short or of several
// processes, one per regime) into results/finetune.json and results/finetune.table.md: per (regime, labels per class,
// method) the hyper-parameter with the best validation accuracy at seed 0, then the test accuracy over the seeds run
// with it. Usage: node tools/bench/finetune/report.mjs [--cells DIR] [--quick]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { root, mean, std, table, writeJson, writeText, machine, flags } from '../lib.mjs';

export const METHOD_ORDER = ['scratch', 'none', 'l2', 'l2-sp', 'at', 'delta', 'bss', 'tred', 'kd'];
const LABEL_ORDER = ['10', '50', '100', 'all'];

/** The rows of the table from every cell in `cellsDir`. */
export function aggregate(cellsDir) {
  const cells = fs.existsSync(cellsDir) ? fs.readdirSync(cellsDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(cellsDir, f), 'utf8'))) : [];
  const groups = new Map();
  for (const c of cells) {
    const key = `${c.regime}|${c.labels}|${c.method}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(c);
  }
  const rows = [];
  for (const [key, list] of groups) {
    const [regime, labels, method] = key.split('|');
    const grid = list.filter((c) => c.seed === 0);
    if (grid.length === 0) continue;
    const best = grid.reduce((a, b) => ((b.val?.accuracy ?? -1) > (a.val?.accuracy ?? -1) ? b : a));
    const runs = list.filter((c) => c.hpIndex === best.hpIndex).sort((a, b) => a.seed - b.seed);
    const acc = runs.map((r) => r.test.accuracy);
    rows.push({
      regime,
      labels,
      method,
      hp: Object.entries(best.hp).map(([k, v]) => `${k}=${v}`).join(' ') || '—',
      gridTried: grid.length,
      val: best.val.accuracy,
      seeds: runs.map((r) => r.seed),
      accuracy: acc,
      mean: mean(acc),
      std: std(acc),
      seconds: list.reduce((s, c) => s + c.seconds, 0),
      load: [...new Set(list.map((c) => c.load))],
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
  return { cells: cells.length, rows, seconds: cells.reduce((s, c) => s + c.seconds, 0) };
}

/** Writes results/finetune{,-quick}.json and .table.md. */
export function writeReport(cellsDir, { quick = false, backend = 'wasm', loadNow = os.loadavg().map((l) => l.toFixed(2)).join(' ') } = {}) {
  const { cells, rows, seconds } = aggregate(cellsDir);
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
      pct(r.val),
      `${pct(r.mean)} ± ${pct(r.std)}`,
      String(r.seeds.length),
      delta(r.vs_scratch, true),
      delta(r.vs_none, false),
    ]),
  );
  const record = { benchmark: 'finetune', quick, cells, runSeconds: seconds, backend, machine: machine(), loadAverageAtReport: loadNow, rows, date: new Date().toISOString() };
  const stem = quick ? 'finetune-quick' : 'finetune';
  writeJson(path.join(root, 'tools/bench/finetune/results', `${stem}.json`), record);
  writeText(
    path.join(root, 'tools/bench/finetune/results', `${stem}.table.md`),
    `${cells} runs aggregated on ${record.date.slice(0, 16)}Z (${machine().cpus} cores shared with other jobs; load average ${loadNow} when aggregated; ${seconds.toFixed(0)} s of run time).\n\n${md}\n`,
  );
  return { text, record };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const opt = flags({ cells: path.join(root, 'tools/bench/finetune/results/cells'), quick: false });
  const { text } = writeReport(path.resolve(opt.quick ? `${opt.cells}-quick` : opt.cells), { quick: opt.quick });
  console.log(text);
}
