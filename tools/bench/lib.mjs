// Shared helpers for benchmark scripts: they run on the BUILT packages (npx nx run-many -t build),
// imported through their public entry points (`import … from '@kt/core'`).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** `require` resolving from the repository root: benches load the built packages by their public names (`require('@kt/core')`). */
export const require = createRequire(path.join(root, 'package.json'));

export function mean(xs) {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
export function std(xs) {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/** Renders rows (arrays of strings) as an aligned text table and as Markdown. */
export function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  const text = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
  const md = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  return { text, md };
}

export function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

export function writeText(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

export function machine() {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.versions.node };
}

/** The value of flag `--name value` or `--name=value` on the command line (argv: process.argv.slice(2)), else `dflt`. */
export function arg(name, dflt, argv = process.argv.slice(2)) {
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  if (eq !== undefined) return eq.slice(name.length + 3);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
}

/** Parses `--name value` flags with defaults. */
export function flags(defaults) {
  const args = process.argv.slice(2);
  const out = { ...defaults };
  for (const key of Object.keys(defaults)) {
    const i = args.indexOf(`--${key}`);
    if (i < 0) continue;
    out[key] = typeof defaults[key] === 'boolean' ? true : args[i + 1];
  }
  return out;
}

/**
 * What a run's summary says of its teacher's provisioning (summary.teachers, recorded by core): the wall seconds it took in the
 * run's process — a check of the cached teacher, or its whole training, or a wait while another process trained it —
 * and whether it trained it. Empty for runs without a teacher, or from before core recorded the seconds.
 */
export function teacherTime(summary) {
  const teachers = (summary.teachers ?? []).filter((t) => Number.isFinite(t.seconds));
  if (teachers.length === 0) return {};
  return { teacherSeconds: teachers.reduce((a, t) => a + t.seconds, 0), ...(teachers.some((t) => !t.fromCache) ? { teacherTrained: true } : {}) };
}

/**
 * Runs each (label, config file) for every seed through core's runExperiment with the given
 * plugins, and returns per-mode summaries. `sets` are extra --set overrides for every run.
 */
// progress: bars/lines while each run trains; verbose: every run logs (not only the first); onStart: before each run.
export async function runComparison({ core, plugins, backend, modes, seeds, outDir, sets = [], log, onRun, onStart, progress = false, verbose = false }) {
  const registry = new core.PluginRegistry(plugins.map((plugin) => ({ plugin, from: plugin.name })));
  const container = core.buildContainer(plugins);
  const quiet = core.createMemoryLogger();
  // Seed-major order: every mode gets its first seed before any gets a second, so a benchmark
  // cut short still compares all modes.
  const results = modes.map((mode) => ({ ...mode, runs: [] }));
  for (const seed of seeds) {
    for (const [m, mode] of modes.entries()) {
      const runs = results[m].runs;
      const raw = core.applyOverrides(core.readConfigFile(mode.config), [...sets, ...(mode.sets ?? []), `train.seed=${seed}`]);
      const config = core.resolveExperimentConfig(raw, registry, mode.config);
      const t = Date.now();
      onStart?.(mode, seed);
      const { runDir, summary } = await core.runExperiment({
        config,
        container,
        log: verbose || (seed === seeds[0] && m === 0) ? log : quiet,
        backend,
        outDir,
        progress,
      });
      // A KD run that trained its teacher (the first one; later ones reuse it from the cache) spent that time too:
      // `seconds` is the learner's own, `teacherSeconds` the provisioning it waited for.
      const { teacherSeconds = 0 } = teacherTime(summary);
      const seconds = (Date.now() - t) / 1000 - teacherSeconds;
      runs.push({ seed, runDir, seconds, teacherSeconds, summary });
      onRun?.(mode, seed, summary, seconds, runDir, results);
    }
  }
  return results;
}

/** The teacher record (artifacts/teacher.json) of the first run that used a teacher. */
export function teacherOf(results) {
  for (const r of results) {
    for (const run of r.runs) {
      const file = path.join(run.runDir, 'artifacts', 'teacher.json');
      if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
    }
  }
  return undefined;
}
