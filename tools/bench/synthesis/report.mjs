// Writes the measured part of docs/results/synthesis.md (between the <!-- measured:start/end --> markers) from
// the results.json files of tools/bench/synthesis/run.mjs, one section per file: test % per iteration and
// condition, train % and library size of the last iteration, the learned library, and which held-out tasks
// the LAPS conditions solve that DreamCoder's (d) does not (and the reverse); with several seeds of a suite (run.mjs
// --seed, one --out each), a table of the last iteration's test % per seed and their mean.
// Usage: node tools/bench/synthesis/report.mjs runs/bench-synthesis/text-editing/results.json [more results.json …]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { root, table, writeText } from '../lib.mjs';

const files = process.argv.slice(2);
if (files.length === 0) throw new Error('usage: report.mjs RESULTS_JSON...');
const LETTERS = { uniform: '(a) uniform grammar', fitted: '(b) fitted grammar', recognition: '(c) + recognition', dreamcoder: '(d) + library (DreamCoder)', 'laps-train': '(e) LAPS, language at training', 'laps-test': '(f) LAPS, language at test' };
const pct = (x) => (x * 100).toFixed(1);

// Files of the same suite, budget and iteration count (e.g. conditions run as separate processes) form one section.
const ORDER = Object.keys(LETTERS);
/** Suite and budget: files that agree on it (and on the seed) form one section; seeds of one setting share the per-seed table. */
const settingKey = (r) => `${r.suite}|${r.budget.maxNodes}|${r.budget.timeoutMs}|${r.iterations}|${r.languageMix ?? 0.5}|${r.languageWeight}`;
const groups = new Map();
for (const file of files) {
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  // Condition (d) was called `library` before it became a `kt run` condition (`dreamcoder`).
  for (const c of r.cells) if (c.condition === 'library') c.condition = 'dreamcoder';
  // Files of the earlier driver (runWakeSleep) have no languageWeight: their libraries were chosen by MDL alone (0).
  r.languageWeight ??= 0;
  r.seed ??= 0;
  const key = `${settingKey(r)}|${r.seed}`;
  const g = groups.get(key);
  if (g === undefined) groups.set(key, { ...r, loads: [loadText(r)], cells: [...r.cells] });
  else {
    for (const c of r.cells) if (g.cells.some((d) => d.condition === c.condition)) throw new Error(`${file}: condition ${c.condition} of ${key} is in two files`);
    g.cells.push(...r.cells);
    g.loads.push(loadText(r));
  }
}
function loadText(r) {
  return `${r.loadStart} at start${r.loadEnd ? `, ${r.loadEnd} at end` : ' (run not finished)'}`;
}

// Sections by suite, then seed (whatever order the files were given in).
const sections = [...groups.values()].sort((x, y) => (x.suite < y.suite ? -1 : x.suite > y.suite ? 1 : x.seed - y.seed)).map((r) => {
  const done = r.cells.filter((c) => c.metrics.length > 0).sort((a, b) => ORDER.indexOf(a.condition) - ORDER.indexOf(b.condition));
  const n = Math.max(...done.map((c) => c.metrics.length));
  const header = ['condition', ...Array.from({ length: n }, (_, i) => `iter ${i + 1} test %`), 'train % (last)', 'library', 'minutes'];
  const rows = done.map((c) => [LETTERS[c.condition] ?? c.condition, ...Array.from({ length: n }, (_, i) => (c.metrics[i] ? pct(c.metrics[i].testSolved) : '—')), pct(c.metrics.at(-1).trainSolved), String(c.metrics.at(-1).librarySize), (c.seconds / 60).toFixed(1)]);
  const { md } = table(header, rows);
  // Named, typed and readable (`f3 : str -> int = (f2 '.')`) where the results carry the run's primitives; else the raw inventions.
  const inventionLines = (c) => (c.primitives ? c.primitives.map((p) => `  - \`${p.name} : ${p.type}\` = \`${p.readable}\``) : c.metrics.at(-1).inventions.map((i) => `  - \`${i}\``));
  const libs = done.filter((c) => c.metrics.at(-1).librarySize > 0).map((c) => `- ${LETTERS[c.condition]}:\n${inventionLines(c).join('\n')}`).join('\n');
  const solved = (cond) => new Set(done.find((c) => c.condition === cond)?.metrics.at(-1).testSolvedNames ?? []);
  const diff = (a, b) => [...solved(a)].filter((x) => !solved(b).has(x));
  const versus = ['laps-train', 'laps-test']
    .filter((c) => done.some((d) => d.condition === c) && done.some((d) => d.condition === 'dreamcoder'))
    .map((c) => `- ${LETTERS[c]} vs (d), last iteration: only (${c === 'laps-train' ? 'e' : 'f'}): ${diff(c, 'dreamcoder').join(', ') || '—'}; only (d): ${diff('dreamcoder', c).join(', ') || '—'}`)
    .join('\n');
  const missing = Object.keys(LETTERS).filter((c) => !done.some((d) => d.condition === c));
  return `### ${r.suite} suite: ${r.iterations} wake–sleep iterations, ${r.budget.maxNodes} nodes / ${r.budget.timeoutMs} ms per task, LAPS word prior uniformMix ${r.languageMix ?? 0.5}${r.languageWeight > 0 ? `, language weight ${r.languageWeight} in compression` : ''}, seed ${r.seed}\n\n` +
    `Load average ${r.loads.join('; ')}; ${r.machine?.cpus ?? '?'} CPUs${r.seconds ? `; ${(r.seconds / 60).toFixed(1)} min for the file's cells` : ''}.\n` +
    (missing.length > 0 ? `Not in this file (not run, or no finished iteration): ${missing.join(', ')}.\n` : '') +
    `\n${md}\n\nLearned library (last iteration):\n\n${libs || '(none)'}\n\n${versus}\n`;
});

// Seeds of one suite and budget side by side: the last iteration's test % per seed and the mean.
const bySetting = new Map();
for (const r of groups.values()) {
  const key = settingKey(r);
  bySetting.set(key, [...(bySetting.get(key) ?? []), r]);
}
for (const rs of bySetting.values()) {
  if (rs.length < 2) continue;
  rs.sort((x, y) => x.seed - y.seed);
  const last = (r, cond) => r.cells.find((c) => c.condition === cond && c.metrics.length === r.iterations)?.metrics.at(-1).testSolved;
  const rows = ORDER.filter((cond) => rs.some((r) => last(r, cond) !== undefined)).map((cond) => {
    const xs = rs.map((r) => last(r, cond));
    const have = xs.filter((x) => x !== undefined);
    const mean = have.reduce((s, x) => s + x, 0) / have.length;
    return [LETTERS[cond], ...xs.map((x) => (x === undefined ? '—' : pct(x))), `${pct(mean)} (${have.length})`];
  });
  const { md } = table(['condition', ...rs.map((r) => `seed ${r.seed}`), 'mean (seeds)'], rows);
  sections.push(`### ${rs[0].suite} suite: test % after the last iteration (${rs[0].iterations}), per seed\n\n${md}\n`);
}

const doc = path.join(root, 'docs', 'results', 'synthesis.md');
const text = fs.readFileSync(doc, 'utf8');
const start = '<!-- measured:start (tools/bench/synthesis/report.mjs) -->';
const end = '<!-- measured:end -->';
const a = text.indexOf(start);
const b = text.indexOf(end);
if (a < 0 || b < a) throw new Error(`${doc}: no ${start} … ${end} block to fill`);
writeText(doc, `${text.slice(0, a + start.length)}\n\n${sections.join('\n')}\n${text.slice(b)}`);
console.log(`wrote ${doc}: ${groups.size} section(s) from ${files.length} file(s)`);
