// Writes the measured blocks of docs/results/kg.md from the kg benchmark's results JSON (tools/bench/kg/run.mjs calls
// it at its end, so the doc follows the JSON; the prose around the blocks is written by hand):
//   speed  — training triples/s and the full filtered WN18RR test ranking, kt beside PyTorch (kg.json `speed`);
//   wn18rr — TransE / RotatE beside LibKGE: kg.json `wn18rr`, then the rows of every extra file (named on the command
//            line, and every results/kg-wn18rr-*.json), a row already shown (same model, same test metrics) once;
//            lr, negatives, steps, early stopping and the validation curve are read from each row's run directory
//            when it exists (its config.json, summary.json, metrics.jsonl), else from the row, else "n/a";
//   dbp5l  — every results/kg-dbp5l-<lang>[-<tag>].json: each cell (single, shared-table joint target / majority /
//            MRR-weighted / RankBoost, KD, one model per language as KEnS), both directions and tail only, its epochs
//            and wall seconds, beside KEnS's published Hits@1. A cell missing from a file prints "not run".
// Each block sits between `<!-- kt-report:kg:<block>:start … -->` and `<!-- kt-report:kg:<block>:end -->` in the doc.
// Usage: node tools/bench/kg/report.mjs [--results DIR] [--doc FILE] [EXTRA.json ...]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { root, table, writeText } from '../lib.mjs';

export const BLOCKS = ['speed', 'wn18rr', 'dbp5l'];
const startMarker = (name) => `<!-- kt-report:kg:${name}:start (written by tools/bench/kg/report.mjs from tools/bench/results/kg*.json; edits here are overwritten) -->`;
const endMarker = (name) => `<!-- kt-report:kg:${name}:end -->`;
const NOT_RUN = 'not run';
const LANGUAGE_ORDER = ['el', 'ja', 'es', 'fr', 'en'];

const fixed = (x, digits) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const pct = (x) => fixed(typeof x === 'number' ? x * 100 : x, 1);
const thousands = (x) => (typeof x === 'number' && Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const readJson = (file) => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${err.code === 'ENOENT' ? 'not found' : `not valid JSON (${err.message})`}`);
  }
};

/** `text` with the block `name` replaced by `body` (markers kept); an error naming the marker when the doc lacks it. */
export function replaceBlock(text, name, body, file = 'the doc') {
  const a = text.indexOf(`<!-- kt-report:kg:${name}:start`);
  const b = text.indexOf(endMarker(name));
  if (a < 0 || b < a) throw new Error(`${file}: no block "${name}" (expected the lines ${startMarker(name)} and ${endMarker(name)})`);
  return `${text.slice(0, a)}${startMarker(name)}\n${body.trim()}\n${text.slice(b)}`;
}

/** (a) kt beside PyTorch: training triples/s and the full filtered evaluation; machine and backend from the record. */
export function speedBlock(record) {
  const speed = record.speed;
  if (!Array.isArray(speed) || speed.length === 0) return `Speed: ${NOT_RUN} (no \`speed\` in kg.json).`;
  const torch = speed.find((s) => s.torch)?.torch;
  const { md } = table(
    ['model', 'timed steps', 'kt triples/s', 'PyTorch triples/s', 'kt ÷ PyTorch', 'test triples ranked', 'kt eval s', 'PyTorch eval s', 'PyTorch ÷ kt eval time'],
    speed.map((s) => [
      `${s.model === 'transe' ? 'TransE L2' : s.model === 'rotate' ? 'RotatE' : s.model} ${s.model === 'rotate' ? `k ${s.dim}` : `d ${s.dim}`}`,
      `${s.steps} × ${s.batch} (${s.negatives} neg.)`,
      thousands(s.triplesPerSecond),
      s.torch ? thousands(s.torch.triplesPerSecond) : NOT_RUN,
      s.torch ? fixed(s.triplesPerSecond / s.torch.triplesPerSecond, 2) : 'n/a',
      thousands(s.evalTriples),
      fixed(s.evalSeconds, 1),
      s.torch ? fixed(s.torch.evalSeconds, 1) : NOT_RUN,
      s.torch ? fixed(s.torch.evalSeconds / s.evalSeconds, 2) : 'n/a',
    ]),
  );
  const m = record.machine ?? {};
  const native = record.native?.active ? `kt's native kernels (${record.native.blas ?? 'unknown BLAS'}, ${record.native.threads ?? '?'} threads)` : 'no native kernels';
  const load = speed.find((s) => s.loadAverageAtStart)?.loadAverageAtStart;
  return [
    `Machine ${m.cpus ?? '?'} × ${m.cpuModel ?? '?'}, ${m.memGiB ?? '?'} GiB, Node ${m.node ?? '?'}; kt backend ${record.backend ?? '?'} + ${native};`,
    `PyTorch ${torch?.torch ?? 'n/a'} with ${torch?.threads ?? '?'} threads. Both directions ranked, filtered, ${thousands(speed[0].evalTriples)} test triples; batch 512, self-adversarial loss, Adam.`,
    load ? `1-minute load average at the start of the speed part: ${load.map((l) => l.toFixed(2)).join(' / ')}.` : 'Load average: not recorded with the speed rows (kg.json\'s top-level loadAverageAtStart belongs to whichever part wrote the file last).',
    '',
    md,
  ].join('\n');
}

/** The run directory of a row, as far as it exists: its config, summary and validation curve. */
export function runInfo(runDir) {
  if (!runDir || !fs.existsSync(path.join(runDir, 'config.json'))) return undefined;
  const config = readJson(path.join(runDir, 'config.json'));
  const summary = fs.existsSync(path.join(runDir, 'summary.json')) ? readJson(path.join(runDir, 'summary.json')) : undefined;
  const metricsFile = path.join(runDir, 'metrics.jsonl');
  const val = new Map();
  if (fs.existsSync(metricsFile)) {
    for (const line of fs.readFileSync(metricsFile, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const m = JSON.parse(line);
      // The first validation of a step: a later one at the same step is the repeat after the last step or after
      // the best weights were restored.
      if (m.split === 'val' && typeof m.mrr === 'number' && !val.has(m.step)) val.set(m.step, m.mrr);
    }
  }
  return { config, summary, val: [...val].map(([step, mrr]) => ({ step, mrr })) };
}

/** One table row of a WN18RR result (the current shape of run.mjs, or the older one with `both` and `steps`). */
export function wn18rrRow(r, source) {
  const info = runInfo(r.runDir);
  const train = info?.config.train;
  const test = r.test ?? r.both;
  const steps = info?.summary?.steps ?? r.steps;
  const epochs = train?.epochs ?? r.configEpochs ?? r.epochs;
  const es = train ? (train.earlyStopping ? `${train.earlyStopping.metric} every ${thousands(train.evalEvery)} steps, patience ${train.earlyStopping.patience}${info.summary?.status === 'stopped-early' ? `, stopped at ${thousands(steps)}, best restored` : ', not triggered'}` : 'no') : 'n/a';
  const seconds = r.seconds ?? (r.trainWallSeconds !== undefined ? r.trainWallSeconds + (r.evalSeconds ?? 0) : undefined);
  const ranked = r.tail?.count ?? r.testTriples;
  const of = r.ofTestTriples && r.ofTestTriples !== ranked ? ` of ${thousands(r.ofTestTriples)}` : '';
  const run = [
    r.runDir ? path.basename(r.runDir) : 'no run directory',
    source,
    ...(r.stoppedEarly ? [`stopped by hand before the config's end${r.loadAverageAtEval ? ` (load ${r.loadAverageAtEval[0].toFixed(0)} at its evaluation)` : ''}: an earlier session, superseded`] : []),
  ].join(', ');
  return {
    key: `${r.model}|${test?.mrr}|${test?.hits10}`,
    cells: [
      r.model === 'transe' ? 'TransE L2' : r.model === 'rotate' ? 'RotatE' : r.model,
      r.model === 'rotate' ? `k ${r.dim} (width ${r.dim * 2})` : String(r.dim),
      String(info?.config.negatives?.count ?? r.negatives ?? 'n/a'),
      `${thousands(steps)} (config ${epochs} epochs)`,
      train ? String(train.lr) : 'n/a',
      es,
      fixed(seconds, 0),
      thousands(ranked) + of,
      fixed(test?.mrr, 3),
      fixed(test?.hits1, 3),
      fixed(test?.hits10, 3),
      fixed(test?.amr, 2),
      info?.val.length ? info.val.map((v) => `${fixed(v.mrr, 3)} @ ${thousands(v.step)}`).join(', ') : 'n/a',
      fixed(r.libkge?.mrr, 3),
      fixed(r.libkge?.hits10, 3),
      run,
    ],
  };
}

/** (b) WN18RR: the rows of each source (file name → its `wn18rr` rows), in order, a repeated result once. */
export function wn18rrBlock(sources) {
  const seen = new Set();
  const rows = [];
  for (const [source, list] of sources) {
    for (const r of list ?? []) {
      const row = wn18rrRow(r, source);
      if (seen.has(row.key)) continue;
      seen.add(row.key);
      rows.push(row.cells);
    }
  }
  if (rows.length === 0) return `WN18RR: ${NOT_RUN} (no \`wn18rr\` rows in ${sources.map(([s]) => s).join(', ') || 'kg.json'}).`;
  const { md } = table(
    ['model', 'dim', 'negatives', 'steps of 512', 'lr', 'early stopping (val)', 'wall s', 'test triples ranked', 'MRR', 'Hits@1', 'Hits@10', 'AMR', 'val MRR @ step', 'LibKGE MRR', 'LibKGE Hits@10', 'run, source'],
    rows,
  );
  return ['Filtered, both directions, realistic ranks, unseen test entities kept; γ 6, self-adversarial α 0.5, Adam.', '', md].join('\n');
}

const CELLS = [
  // [label, both-directions value, tail-only value, epochs, seconds] of one language file
  ['single (target alone)', (r) => r.single, (r) => r.tailOnly?.single, (r) => r.epochs?.single, (r) => r.seconds?.single],
  ['shared table: joint, target model', (r) => r.kensJointTarget, (r) => r.tailOnly?.kensJointTarget, (r) => r.epochs?.kens, (r) => r.seconds?.kens],
  ['shared table: majority', (r) => r.majority, (r) => r.tailOnly?.majority, (r) => r.epochs?.kens, () => undefined],
  ['shared table: MRR-weighted', (r) => r.mrrWeighted, (r) => r.tailOnly?.mrrWeighted, (r) => r.epochs?.kens, () => undefined],
  ['shared table: RankBoost', (r) => r.boost, (r) => r.tailOnly?.boost, (r) => r.epochs?.kens, () => undefined],
  ['KD from the shared table (backward KL)', (r) => r.kd, (r) => r.tailOnly?.kd, (r) => r.epochs?.kd, (r) => r.seconds?.kd],
  ['per language (KEnS): target model', (r) => r.perLanguage?.kensJointTarget, (r) => r.perLanguage?.tailOnly?.kensJointTarget, (r) => r.perLanguage?.epochs, (r) => r.perLanguage?.seconds],
  ['per language: majority', (r) => r.perLanguage?.majority, (r) => r.perLanguage?.tailOnly?.majority, (r) => r.perLanguage?.epochs, () => undefined],
  ['per language: MRR-weighted', (r) => r.perLanguage?.mrrWeighted, (r) => r.perLanguage?.tailOnly?.mrrWeighted, (r) => r.perLanguage?.epochs, () => undefined],
  ['per language: RankBoost', (r) => r.perLanguage?.boost, (r) => r.perLanguage?.tailOnly?.boost, (r) => r.perLanguage?.epochs, () => undefined],
];
const metricCell = (m) => (m && typeof m.mrr === 'number' ? `${pct(m.hits1)} / ${pct(m.hits10)} / ${fixed(m.mrr, 3)}` : NOT_RUN);

/** The language files of a results directory (kg-dbp5l-<lang>[-<tag>].json), in the issue's order, tagged protocols after their language. */
export function dbp5lFiles(resultsDir) {
  return fs
    .readdirSync(resultsDir)
    .map((f) => /^kg-dbp5l-([a-z]{2})(?:-(.+))?\.json$/.exec(f))
    .filter(Boolean)
    .map(([file, language, tag]) => ({ file, language, tag }))
    .sort((a, b) => {
      const ia = LANGUAGE_ORDER.indexOf(a.language);
      const ib = LANGUAGE_ORDER.indexOf(b.language);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.language.localeCompare(b.language) || (a.tag ?? '').localeCompare(b.tag ?? '');
    });
}

const weightsText = (ensembles, languages) =>
  ensembles
    ? ['mrr-weighted', 'boost']
        .filter((k) => ensembles[k]?.weights)
        .map((k) => `${k === 'boost' ? 'RankBoost' : 'MRR-weighted'} ${ensembles[k].weights.map((w, i) => `${languages[i] ?? `#${i}`} ${fixed(w, 2)}`).join(', ')}`)
        .join('; ')
    : '';

/** (c) DBP-5L: one table per language file, then tail Hits@1 of every cell side by side with KEnS's. */
export function dbp5lBlock(files) {
  if (files.length === 0) return `DBP-5L: ${NOT_RUN} (no tools/bench/results/kg-dbp5l-*.json).`;
  const out = ['Hits@1 / Hits@10 (%) / MRR, filtered (train + valid + test), realistic ranks, unseen test entities kept. "both": head and tail queries (kt\'s protocol); "tail": (h, r, ?) only, as KEnS\'s test.py ranks. Epochs: of the target KG for single and KD, of the joint graph for the kens runs; wall seconds of the whole cell (training and every evaluation).', ''];
  const summary = [];
  for (const { file, language, tag, row } of files) {
    const pub = typeof row.kensPublishedHits1 === 'number' ? String(row.kensPublishedHits1) : 'not cited';
    out.push(`**${language}${tag ? ` (--tag ${tag})` : ''}** — \`${file}\`; overrides: ${row.overrides?.length ? row.overrides.map((o) => `\`${o}\``).join(' ') : 'none recorded'}; KEnS's published Hits@1 (tail): ${pub}.`, '');
    const { md } = table(
      ['cell', 'both: H@1 / H@10 / MRR', 'tail: H@1 / H@10 / MRR', 'epochs', 'wall s'],
      CELLS.map(([label, both, tail, epochs, seconds]) => {
        const ran = metricCell(both(row)) !== NOT_RUN;
        const s = seconds(row);
        return [label, metricCell(both(row)), metricCell(tail(row)), ran ? String(epochs(row) ?? 'n/a') : '', ran ? (s === undefined ? '(above)' : fixed(s, 0)) : ''];
      }),
    );
    out.push(md, '');
    // The ensembles list their weights in the order of the kens run's languages: the target, then the supports
    // alphabetically (run.mjs's data.supports); perLanguageModel, where recorded, has the same order.
    const languages = [language, ...[...LANGUAGE_ORDER].sort().filter((l) => l !== language)];
    const order = (r) => (r?.perLanguageModel ? Object.keys(r.perLanguageModel) : languages);
    const weights = [
      ...(row.ensembleWeights ? [`shared table: ${weightsText(row.ensembleWeights, order(row))}`] : []),
      ...(row.perLanguage?.ensembleWeights ? [`per language: ${weightsText(row.perLanguage.ensembleWeights, order(row.perLanguage))}`] : []),
    ];
    if (weights.length) out.push(`Ensemble weights — ${weights.join('. ')}.`, '');
    const models = (r) => (r?.perLanguageModel ? Object.entries(r.perLanguageModel).map(([l, m]) => `${l} ${fixed(m.mrr, 3)}`).join(', ') : undefined);
    const alone = [
      ...(models(row) ? [`shared table: ${models(row)}`] : []),
      ...(models(row.perLanguage) ? [`per language: ${models(row.perLanguage)}`] : []),
    ];
    if (alone.length) out.push(`Each language's model alone on the test queries (MRR, both directions) — ${alone.join('; ')}.`, '');
    summary.push([
      `${language}${tag ? ` (${tag})` : ''}`,
      ...CELLS.map(([, , tail]) => (tail(row) ? pct(tail(row).hits1) : NOT_RUN)),
      pub,
    ]);
  }
  const { md } = table(['target', 'single', 'joint', 'majority', 'MRR-w.', 'RankBoost', 'KD', 'per-lang. target', 'per-lang. majority', 'per-lang. MRR-w.', 'per-lang. RankBoost', 'KEnS (published)'], summary);
  out.push('Tail Hits@1 (%), every cell beside KEnS\'s published figure:', '', md);
  return out.join('\n');
}

/** Reads the results and writes the three blocks into `doc`. `extra`: further files with `wn18rr` rows. Returns the new text. */
export function writeReport({ resultsDir = path.join(root, 'tools/bench/results'), doc = path.join(root, 'docs/results/kg.md'), extra = [] } = {}) {
  const kgFile = path.join(resultsDir, 'kg.json');
  const record = fs.existsSync(kgFile) ? readJson(kgFile) : {};
  const extras = [...new Set([...extra.map((f) => path.resolve(f)), ...fs.readdirSync(resultsDir).filter((f) => /^kg-wn18rr-.+\.json$/.test(f)).map((f) => path.join(resultsDir, f))])];
  const sources = [['kg.json', record.wn18rr], ...extras.map((f) => [path.basename(f), readJson(f).wn18rr])];
  const files = dbp5lFiles(resultsDir).map((f) => ({ ...f, row: readJson(path.join(resultsDir, f.file)) }));
  let text = fs.readFileSync(doc, 'utf8');
  const rel = path.relative(root, doc);
  text = replaceBlock(text, 'speed', speedBlock(record), rel);
  text = replaceBlock(text, 'wn18rr', wn18rrBlock(sources), rel);
  text = replaceBlock(text, 'dbp5l', dbp5lBlock(files), rel);
  writeText(doc, text);
  return text;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opts = { results: path.join(root, 'tools/bench/results'), doc: path.join(root, 'docs/results/kg.md') };
  const extra = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--results' || args[i] === '--doc') opts[args[i].slice(2)] = path.resolve(args[++i] ?? '');
    else if (args[i].startsWith('--')) {
      console.error(`unknown flag ${args[i]}; usage: node tools/bench/kg/report.mjs [--results DIR] [--doc FILE] [EXTRA.json ...]`);
      process.exit(2);
    } else extra.push(fs.existsSync(args[i]) ? args[i] : path.join(opts.results, args[i]));
  }
  try {
    writeReport({ resultsDir: opts.results, doc: opts.doc, extra });
    console.log(`kg report: ${BLOCKS.join(', ')} blocks written to ${path.relative(root, opts.doc)}`);
  } catch (err) {
    console.error(`kg report: ${err.message}`);
    process.exit(2);
  }
}
