// Pure helpers of the forward-vs-backward study (issue #14 §2): which run comes next, which learning rate
// each objective keeps, and the tables. No I/O here: study.mjs runs the experiments; study-plan.test.mjs
// tests these (node --test tools/bench/mt-kd/).

/** The objectives compared, in run order (`none` first: the warm start of the `init` runs is its best checkpoint). */
export const STUDY_MODES = ['none', 'word-forward', 'word-backward', 'word-jsd', 'seq-forward', 'seq-backward-gkd'];
/** How the mt-kd benchmarks (run.mjs, study.mjs) name each objective in their tables. */
export const MODE_LABELS = {
  none: 'no KD (references)',
  'word-forward': 'word-level forward KL',
  'word-backward': 'word-level backward KL',
  'word-jsd': 'word-level JSD(0.5)',
  'seq-forward': 'sequence-level forward (Kim & Rush)',
  'seq-backward-gkd': 'sequence-level backward (on-policy, GKD λ=1)',
  reinforce: 'sequence-level backward (REINFORCE)',
};
/** Starting points: a random initialisation, or the no-KD learner's best checkpoint of the same seed. */
export const STARTS = ['scratch', 'init'];
/** How tables, findings and figures name each start. */
export const START_LABELS = { scratch: 'from scratch', init: 'from the no-KD checkpoint' };
/** Backward-vs-forward pairs tested per seed with paired bootstrap resampling. */
export const PAIRS = [
  ['word-forward', 'word-backward'],
  ['seq-forward', 'seq-backward-gkd'],
];

/** The stable key of one run, e.g. `scratch.word-forward.lr0.002.s1` (also its run name). */
export function runKey({ start, mode, lr, seed }) {
  return `${start}.${mode}.lr${lr}.s${seed}`;
}

/**
 * The learning rate an objective keeps for a starting point: the best validation BLEU (of the best checkpoint)
 * among its tuning runs (seed 0, one per grid value). Undefined until every grid value has run. Ties go to
 * the smaller rate.
 */
export function chosenLr(done, { start, mode, lrGrid }) {
  let best;
  for (const lr of lrGrid) {
    const r = done[runKey({ start, mode, lr, seed: 0 })];
    if (!r) return undefined;
    const bleu = r.val?.bleu ?? -Infinity;
    if (best === undefined || bleu > best.bleu || (bleu === best.bleu && lr < best.lr)) best = { lr, bleu };
  }
  return best?.lr;
}

/**
 * Every run of the study in order, given what is done: for each start, first the learning-rate grid of each
 * objective on seed 0, then the other seeds at the chosen rate. A run of the `init` start needs the no-KD
 * learner of its seed (at its chosen rate) to have finished; runs whose learning rate is not chosen yet, or
 * whose warm start is missing, are left out until they are. Returns `{ pending, blocked }`: runnable runs
 * not done yet (in order), and how many are waiting on others.
 */
export function studyRuns(done, { modes = STUDY_MODES, starts = STARTS, lrGrid, seeds }) {
  const pending = [];
  let blocked = 0;
  for (const start of starts) {
    for (const seed of seeds) {
      for (const mode of modes) {
        let init;
        if (start === 'init') {
          const noKdLr = chosenLr(done, { start: 'scratch', mode: 'none', lrGrid });
          const warm = noKdLr === undefined ? undefined : done[runKey({ start: 'scratch', mode: 'none', lr: noKdLr, seed })];
          if (!warm) {
            blocked += seed === 0 ? lrGrid.length : 1;
            continue;
          }
          init = warm.runDir;
        }
        const lrs = seed === 0 ? lrGrid : [chosenLr(done, { start, mode, lrGrid })];
        if (lrs[0] === undefined) {
          blocked += 1;
          continue;
        }
        for (const lr of lrs) {
          const spec = { start, mode, lr, seed, init };
          if (!done[runKey(spec)]) pending.push({ ...spec, key: runKey(spec) });
        }
      }
    }
  }
  return { pending, blocked };
}

export function mean(xs) {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function std(xs) {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

export const fmt = (xs, d = 2) => (xs.length ? `${mean(xs).toFixed(d)} ± ${std(xs).toFixed(d)}` : 'n/a');

/** The step of the best validation BLEU from a run's `metrics.jsonl` records (the first on ties); undefined without val records. */
export function bestValStep(records) {
  let best;
  for (const r of records) {
    if (r.split !== 'val' || typeof r.bleu !== 'number' || typeof r.step !== 'number') continue;
    if (best === undefined || r.bleu > best.bleu) best = { step: r.step, bleu: r.bleu };
  }
  return best?.step;
}

/** The finished runs of (start, mode) at its chosen learning rate, one per seed, in seed order. */
export function finalRuns(done, { start, mode, lrGrid, seeds }) {
  const lr = chosenLr(done, { start, mode, lrGrid });
  if (lr === undefined) return [];
  return seeds.map((seed) => done[runKey({ start, mode, lr, seed })]).filter(Boolean);
}

/**
 * Paired-by-seed differences `b − a` of test BLEU for the seeds both have finished, with the paired
 * bootstrap p-values recorded for them (`pairs[a~b][seed]`).
 */
export function pairedDifferences(done, { start, a, b, lrGrid, seeds, pairs = {} }) {
  const ra = finalRuns(done, { start, mode: a, lrGrid, seeds });
  const rb = finalRuns(done, { start, mode: b, lrGrid, seeds });
  const rows = [];
  for (const x of ra) {
    const y = rb.find((r) => r.seed === x.seed);
    if (!y) continue;
    const p = pairs[`${start}.${a}~${b}`]?.[x.seed];
    rows.push({ seed: x.seed, a: x.test.bleu, b: y.test.bleu, diff: y.test.bleu - x.test.bleu, p });
  }
  return rows;
}

/**
 * A finished run's wall seconds: those of the process that ran it, or — for a run resumed after its process was stopped or killed —
 * its training time summed over the processes (the trainer's checkpointed clock, summary.timings.trainSeconds),
 * since the last process saw only the rest of it.
 */
export function runWallSeconds(r) {
  if (r.resumed === true && Number.isFinite(r.trainSeconds)) return r.trainSeconds;
  // The first KD runs of a study provision its teacher (one trains it, another waits for it): not the learner's time.
  return r.seconds - (r.teacherSeconds ?? 0);
}

/** Runs whose teacher provisioning was more than a check of the cache: they trained the teacher or waited for it. */
const providedTeacher = (r) => r.teacherTrained === true || r.teacherSeconds >= 5;

/**
 * A finished run's CPU seconds; unknown (undefined) for a resumed run (the killed process's share was never recorded)
 * and for the run that trained the study's teacher in its process (its CPU time is mostly the teacher's).
 */
export function runCpuSeconds(r) {
  return r.resumed === true || r.teacherTrained === true ? undefined : r.cpuSeconds;
}

/** Markdown tables of the study so far: per start, one row per objective; then the paired comparisons. */
export function studyTables(done, { modes = STUDY_MODES, starts = STARTS, lrGrid, seeds, pairs = {}, labels = {} }) {
  const out = [];
  for (const start of starts) {
    out.push(`### Start: ${START_LABELS[start]}`, '');
    out.push('| objective | lr (chosen on val) | seeds | test BLEU | test chrF | val BLEU | steps to best val | wall s/run | CPU s/run |');
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    const resumed = [];
    const provisioned = [];
    for (const mode of modes) {
      const runs = finalRuns(done, { start, mode, lrGrid, seeds });
      resumed.push(...runs.filter((r) => r.resumed === true));
      provisioned.push(...runs.filter(providedTeacher));
      const lr = chosenLr(done, { start, mode, lrGrid });
      out.push(
        `| ${labels[mode] ?? mode} | ${lr ?? 'tuning'} | ${runs.length} | ${fmt(runs.map((r) => r.test.bleu))} | ${fmt(runs.map((r) => r.test.chrf))} | ` +
          `${fmt(runs.map((r) => r.val.bleu))} | ${fmt(runs.map((r) => r.bestStep).filter((s) => s !== undefined), 0)} | ${fmt(runs.map(runWallSeconds), 0)} | ${fmt(runs.map(runCpuSeconds).filter((s) => s !== undefined), 0)}${runs.some((r) => runCpuSeconds(r) === undefined) ? ` (${runs.filter((r) => runCpuSeconds(r) !== undefined).length} of ${runs.length})` : ''} |`,
      );
    }
    out.push('');
    if (resumed.length > 0) {
      out.push(`Resumed from a checkpoint (their process was stopped or killed): ${resumed.map((r) => runKey(r)).join(', ')} — wall: training time summed over processes; CPU: the other seeds only.`, '');
    }
    if (provisioned.length > 0) {
      const what = (r) => `${runKey(r)} (${r.teacherTrained ? 'trained' : 'waited for'} it, ${r.teacherSeconds.toFixed(0)} s)`;
      out.push(`Provisioned the study's teacher: ${provisioned.map(what).join(', ')} — wall: without that time; CPU: the other seeds only where the run trained it.`, '');
    }
    // What each objective adds over the learner without a teacher, seed by seed (the same initialisation and batches).
    const overNone = modes.filter((m) => m !== 'none' && modes.includes('none')).map((mode) => [mode, pairedDifferences(done, { start, a: 'none', b: mode, lrGrid, seeds })]);
    if (overNone.some(([, rows]) => rows.length > 0)) {
      out.push('Each objective − no KD (test BLEU, paired by seed):', '');
      out.push(`| objective | ${seeds.map((s) => `seed ${s}`).join(' | ')} | mean ± std |`, `|---|${seeds.map(() => '---:|').join('')}---:|`);
      for (const [mode, rows] of overNone) {
        if (rows.length === 0) continue;
        const cell = (seed) => ((r) => (r ? `${r.diff >= 0 ? '+' : ''}${r.diff.toFixed(2)}` : '–'))(rows.find((r) => r.seed === seed));
        out.push(`| ${labels[mode] ?? mode} | ${seeds.map(cell).join(' | ')} | ${fmt(rows.map((r) => r.diff))} |`);
      }
      out.push('');
    }
    for (const [a, b] of PAIRS) {
      if (!modes.includes(a) || !modes.includes(b)) continue;
      const rows = pairedDifferences(done, { start, a, b, lrGrid, seeds, pairs });
      if (rows.length === 0) continue;
      out.push(`${labels[b] ?? b} − ${labels[a] ?? a} (test BLEU, paired by seed): ${fmt(rows.map((r) => r.diff))}`, '');
      out.push('| seed | ' + `${a} | ${b} | difference | paired bootstrap p |`, '|---:|---:|---:|---:|---:|');
      for (const r of rows) out.push(`| ${r.seed} | ${r.a.toFixed(2)} | ${r.b.toFixed(2)} | ${r.diff >= 0 ? '+' : ''}${r.diff.toFixed(2)} | ${r.p === undefined ? 'n/a' : r.p.toFixed(4)} |`);
      out.push('');
    }
  }
  return out.join('\n');
}

/**
 * One sentence on what a study's results (the content of results/mt-kd-study*.json) say about word-level backward
 * vs forward KL, from scratch and from the no-KD checkpoint — the demo prints it under its table. Undefined without
 * results.
 */
export function studyFinding(results, what) {
  if (!results?.settings || !results.done) return undefined;
  const { lrGrid, seeds } = results.settings;
  const starts = STARTS.map((start) => ({ label: START_LABELS[start], rows: pairedDifferences(results.done, { start, a: 'word-forward', b: 'word-backward', lrGrid, seeds, pairs: results.pairs }) }));
  const rows = starts.flatMap((s) => s.rows);
  const progress = results.complete ? '' : ` (study in progress: ${Object.keys(results.done).length} runs so far)`;
  if (rows.length === 0) return `${what}: no backward/forward pair finished yet${progress}`;
  const tested = rows.filter((r) => r.p !== undefined);
  const significant = tested.filter((r) => r.p < 0.05);
  const forBackward = significant.filter((r) => r.diff > 0).length;
  const differences = starts
    .filter((s) => s.rows.length > 0)
    .map((s) => `${fmt(s.rows.map((r) => r.diff))} ${s.label} (${s.rows.length} seed${s.rows.length === 1 ? '' : 's'})`)
    .join(', ');
  return (
    `${what}: backward − forward (test BLEU) = ${differences}` +
    (tested.length > 0
      ? `, paired bootstrap p < 0.05 on ${significant.length} of ${tested.length}` +
        (significant.length > 0 ? ` (${significant.length - forBackward} for forward, ${forBackward} for backward)` : '')
      : '') +
    progress
  );
}
