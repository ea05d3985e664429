// Figures for docs/results: `kt report` on a benchmark's run directories writes the report page and
// each learning-curve chart as a PNG (system Chromium, playwright-core) into docs/results/fig/<bench>/,
// and this tool writes the "Figures" section of docs/results/<doc>.md between its markers (made by the
// tool, not by hand). The benches call writeFigures() at their end with --figures; on run directories
// that already exist:
//   node tools/bench/figures.mjs --bench classify-kd --doc classify-kd [--title TEXT] [--heading TEXT] [--source TEXT] RUN_DIR...
// Needs the built cli (npx nx run @kt/cli:build) and chromium (/usr/bin/chromium or KT_CHROMIUM).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { root, writeText } from './lib.mjs';

// One block per bench, so a doc may hold the figures of several (e.g. MNIST and Fashion-MNIST).
const start = (bench) => `<!-- kt-figures:${bench}:start (written by tools/bench/figures.mjs from \`kt report\`; edits here are overwritten) -->`;
const end = (bench) => `<!-- kt-figures:${bench}:end -->`;

/** The "Figures" block of a results doc: one image per chart, in kt report's order. */
export function figuresSection({ bench, pngs, runs, source, date, heading }) {
  const images = pngs.map((file) => {
    const name = path.basename(file, '.png');
    return `![${name}](fig/${bench}/${path.basename(file)})`;
  });
  return [
    start(bench),
    `## Figures${heading ? `: ${heading}` : ''}`,
    '',
    `Learning curves of the ${runs} run director${runs === 1 ? 'y' : 'ies'} of \`${source}\` (${date}), drawn by \`kt report … --png docs/results/fig/${bench}/\`:`,
    'one line per setting, the mean over its seeds with a ± std band where it has several.',
    '',
    ...images.flatMap((i) => [i, '']),
    end(bench),
  ].join('\n');
}

/** The PNGs (`<dir>/<chart title>.png`) of the charts named in `charts`, in the order of `charts`. */
export function selectCharts(pngs, charts) {
  return charts.flatMap((c) => pngs.filter((f) => path.basename(f, '.png') === c));
}

/** `text` with the figures block of `bench` replaced by `section` (or `section` appended when it has none). */
export function replaceFiguresSection(text, bench, section) {
  const a = text.indexOf(`<!-- kt-figures:${bench}:start`);
  const b = text.indexOf(end(bench));
  if (a >= 0 && b > a) return `${text.slice(0, a)}${section}${text.slice(b + end(bench).length)}`;
  return `${text.replace(/\s*$/, '')}\n\n${section}\n`;
}

/**
 * Runs `kt report RUN_DIRS --out <html> --png docs/results/fig/<bench>/ [...reportArgs]` (old PNGs there
 * removed first) and writes the Figures section of docs/results/<doc>.md. `charts`: the chart titles
 * the doc shows (the PNGs of the others are removed; the HTML page keeps every chart); default all.
 * Returns the PNG paths.
 */
export function writeFigures({ bench, doc, runDirs, title, source, html, heading, reportArgs = [], charts }) {
  if (runDirs.length === 0) throw new Error(`figures for ${bench}: no run directories`);
  const figDir = path.join(root, 'docs', 'results', 'fig', bench);
  fs.mkdirSync(figDir, { recursive: true });
  for (const f of fs.readdirSync(figDir)) if (f.endsWith('.png')) fs.rmSync(path.join(figDir, f));
  const out = html ?? path.join(root, 'runs', 'bench-figures', `${bench}.html`);
  // The kt binary of the built @kt/cli (the workspace links it under node_modules/@kt/cli).
  const kt = createRequire(import.meta.url).resolve('@kt/cli/bin/kt.js');
  const r = spawnSync(process.execPath, [kt, 'report', ...runDirs, '--out', out, '--png', figDir, '--title', title ?? `kt report: ${bench}`, ...reportArgs], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`kt report for ${bench} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
  const drawn = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('figure: '))
    .map((l) => l.slice('figure: '.length).trim());
  const pngs = charts ? selectCharts(drawn, charts) : drawn;
  if (charts && pngs.length === 0) throw new Error(`figures for ${bench}: none of the charts ${charts.join(', ')} was drawn (kt report drew: ${drawn.map((f) => path.basename(f, '.png')).join(', ')})`);
  for (const f of drawn) if (!pngs.includes(f)) fs.rmSync(f, { force: true });
  const docFile = path.join(root, 'docs', 'results', `${doc}.md`);
  const section = figuresSection({ bench, pngs, runs: runDirs.length, source: source ?? `node tools/bench/${bench}/run.mjs`, date: new Date().toISOString().slice(0, 10), heading });
  writeText(docFile, replaceFiguresSection(fs.existsSync(docFile) ? fs.readFileSync(docFile, 'utf8') : `# ${bench}\n`, bench, section));
  console.log(`figures: ${pngs.length} chart${pngs.length === 1 ? '' : 's'} of ${runDirs.length} runs in ${path.relative(root, figDir)}/, section in docs/results/${doc}.md (page ${path.relative(root, out)})`);
  return pngs;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opts = {};
  const dirs = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--')) opts[args[i].slice(2)] = args[++i];
    else dirs.push(path.resolve(args[i]));
  }
  if (!opts.bench || dirs.length === 0) {
    console.error('usage: node tools/bench/figures.mjs --bench NAME [--doc NAME] [--title TEXT] [--source TEXT] RUN_DIR...');
    process.exit(2);
  }
  writeFigures({ bench: opts.bench, doc: opts.doc ?? opts.bench, runDirs: dirs, title: opts.title, heading: opts.heading, source: opts.source ?? `node tools/bench/${opts.bench}/run.mjs` });
}
