// kt vs PyTorch, side by side: finding a python3 with torch, running the reference scripts, and the ratio table.
// Pure helpers (no tfjs) so test/compare.test.mjs checks them without a benchmark run.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const referenceDir = path.dirname(fileURLToPath(import.meta.url));

/** Interpreters tried in order (KT_BENCH_PYTHON first when set): Debian's python3-torch lives in /usr/bin/python3. */
export const PYTHON_CANDIDATES = ['python3', '/usr/bin/python3', 'python'];

function probeTorch(python) {
  const r = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error !== undefined) return { ok: false, reason: r.error.code === 'ENOENT' ? 'not found' : r.error.message };
  if (r.status !== 0) return { ok: false, reason: (r.stderr.trim().split('\n').pop() ?? '').slice(0, 120) || `exit ${r.status}` };
  return { ok: true, version: r.stdout.trim() };
}

/**
 * The first interpreter that imports torch and numpy.
 * @returns {{ python: string, torch: string } | { python: undefined, reason: string }}
 */
export function findTorchPython({ env = process.env, candidates = PYTHON_CANDIDATES, probe = probeTorch } = {}) {
  const list = env.KT_BENCH_PYTHON ? [env.KT_BENCH_PYTHON, ...candidates] : candidates;
  const tried = [];
  for (const python of [...new Set(list)]) {
    const r = probe(python);
    if (r.ok) return { python, torch: r.version };
    tried.push(`${python}: ${r.reason}`);
  }
  return { python: undefined, reason: `no python with torch (${tried.join('; ')}); install it with \`apt-get install python3-torch\` or set KT_BENCH_PYTHON` };
}

/** Runs a reference script; returns its JSON record (the last stdout line) or { error }. */
export function runReference(python, script, args, { timeoutMs = 900_000 } = {}) {
  const r = spawnSync(python, [path.join(referenceDir, script), ...args], { encoding: 'utf8', timeout: timeoutMs, cwd: referenceDir, maxBuffer: 16 << 20 });
  if (r.error !== undefined) return { error: r.error.message };
  if (r.status !== 0) return { error: `${script} exit ${r.status}: ${(r.stderr.trim().split('\n').pop() ?? '').slice(0, 200)}` };
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return { error: `${script}: no JSON on stdout (${line.slice(0, 80)})` };
  }
}

/** kt ÷ PyTorch (> 1: kt is slower), or undefined when either side is missing. */
export function ratio(kt, torch) {
  if (typeof kt !== 'number' || typeof torch !== 'number' || !(torch > 0) || !Number.isFinite(kt)) return undefined;
  return kt / torch;
}

export function fmtNumber(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

const fmtRatio = (r) => (r === undefined ? 'n/a' : `${r.toFixed(2)}x`);
const ok = (rec) => rec !== undefined && rec.error === undefined;
const pair = (rec, a, b) => (ok(rec) ? `${fmtNumber(rec[a])} / ${fmtNumber(rec[b])}` : rec === undefined ? 'skipped' : 'error');

/**
 * One Markdown table: per step, kt and PyTorch (1 thread, all threads) wall / CPU ms, the kt ÷ PyTorch ratios
 * (wall and CPU), peak RSS, kt's tensor count before → after the timed steps, and the initial loss of both.
 * rows: { label, kt, torch1, torchAll } (records as printed by step-worker.mjs and the reference scripts;
 * torch1 / torchAll undefined when PyTorch is absent: those columns say "skipped").
 */
export function referenceTable(rows, { threadsAll = 'all' } = {}) {
  const head = [
    'step',
    'kt wall / CPU ms',
    'PyTorch 1 thread wall / CPU ms',
    `PyTorch ${threadsAll} threads wall / CPU ms`,
    'kt ÷ PyTorch 1 thread: wall / CPU',
    `kt ÷ PyTorch ${threadsAll} threads: wall / CPU`,
    'kt ÷ best PyTorch wall',
    'sentences/s kt / PyTorch 1 / all',
    'peak RSS MiB kt / PyTorch 1 / all',
    'kt tensors before → after',
    'initial loss kt / PyTorch',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|---|${head.slice(1).map(() => '---:').join('|')}|`];
  for (const r of rows) {
    const { kt, torch1, torchAll } = r;
    const both = (t) => (ok(kt) && ok(t) ? `${fmtRatio(ratio(kt.wallMs, t.wallMs))} / ${fmtRatio(ratio(kt.cpuMs, t.cpuMs))}` : 'n/a');
    const bestTorch = [torch1, torchAll].filter(ok).map((t) => t.wallMs);
    const best = ok(kt) && bestTorch.length > 0 ? fmtRatio(ratio(kt.wallMs, Math.min(...bestTorch))) : 'n/a';
    const tri = (key) => [kt, torch1, torchAll].map((x) => (ok(x) && typeof x[key] === 'number' ? fmtNumber(x[key]) : '–')).join(' / ');
    const tensors = ok(kt) && typeof kt.tensorsBefore === 'number' ? `${kt.tensorsBefore} → ${kt.tensorsAfter}` : 'n/a';
    const torchLoss = [torch1, torchAll].find((t) => ok(t) && typeof t.initialLoss === 'number');
    const loss = ok(kt) && typeof kt.initialLoss === 'number' ? `${kt.initialLoss.toFixed(6)} / ${torchLoss ? torchLoss.initialLoss.toFixed(6) : 'n/a'}` : '–';
    lines.push(
      `| ${r.label} | ${pair(kt, 'wallMs', 'cpuMs')} | ${pair(torch1, 'wallMs', 'cpuMs')} | ${pair(torchAll, 'wallMs', 'cpuMs')} | ${both(torch1)} | ${both(torchAll)} | ${best} | ${tri('sentencesPerSecond')} | ${tri('peakRssMiB')} | ${tensors} | ${loss} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Problems (empty: none) of a soak run { steps, tensorsStart, tensorsEnd, rssStartMiB, rssEndMiB }: any tensor
 * left over is growth; RSS may move by allocator noise up to max(toleranceMiB, fraction · start).
 */
export function soakProblems(s, { toleranceMiB = 64, fraction = 0.1 } = {}) {
  const problems = [];
  if (s.tensorsEnd > s.tensorsStart) problems.push(`tensor count grew from ${s.tensorsStart} to ${s.tensorsEnd} over ${s.steps} steps`);
  const allowed = Math.max(toleranceMiB, fraction * s.rssStartMiB);
  if (s.rssEndMiB - s.rssStartMiB > allowed) {
    problems.push(`RSS grew from ${s.rssStartMiB.toFixed(0)} MiB to ${s.rssEndMiB.toFixed(0)} MiB over ${s.steps} steps (allowed +${allowed.toFixed(0)} MiB)`);
  }
  return problems;
}

/** Same-loss check: relative difference of the initial losses within tol (float32 sums in another order). */
export function sameInitialLoss(kt, torch, tol = 1e-4) {
  if (typeof kt !== 'number' || typeof torch !== 'number') return undefined;
  return Math.abs(kt - torch) <= tol * Math.max(1, Math.abs(torch));
}
