import * as path from 'path';
import { ConfigError, stableStringify } from '@kt/core';
import type { SweepCell, SweepManifest } from './sweep-manifest';

/** One `--grid key=v1,v2` axis. */
export interface GridAxis {
  key: string;
  values: string[];
}

/** Parses `--grid key=v1,v2,…` (values may not be empty; a key may appear once). */
export function parseGrid(specs: readonly string[]): GridAxis[] {
  const axes: GridAxis[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const key = eq > 0 ? spec.slice(0, eq).trim() : '';
    if (!key) throw new ConfigError(`--grid ${spec}: expected key=value1,value2,… (e.g. --grid transfer.divergence=forward,backward)`);
    const values = spec
      .slice(eq + 1)
      .split(',')
      .map((v) => v.trim());
    if (values.some((v) => v === '')) throw new ConfigError(`--grid ${spec}: a value is empty`);
    if (new Set(values).size !== values.length) throw new ConfigError(`--grid ${spec}: a value is repeated`);
    if (key === 'train.seed') throw new ConfigError(`--grid ${spec}: seeds are given with --seeds N, not on the grid`);
    if (axes.some((a) => a.key === key)) throw new ConfigError(`--grid ${key} is given twice; put all its values in one --grid ${key}=v1,v2`);
    axes.push({ key, values });
  }
  return axes;
}

/** The cells of a grid: every combination, first axis slowest; the id is `k=v,k2=v2` (`base` for an empty grid). */
export function expandGrid(axes: readonly GridAxis[]): { id: string; overrides: string[] }[] {
  let cells: string[][] = [[]];
  for (const axis of axes) cells = cells.flatMap((c) => axis.values.map((v) => [...c, `${axis.key}=${v}`]));
  return cells.map((overrides) => ({ id: overrides.length > 0 ? overrides.join(',') : 'base', overrides }));
}

/** A directory name for a cell's run of one seed: `<cell id, unsafe characters as _>__seed-<s>`. */
export function runDirName(cellId: string, seed: number): string {
  return `${cellId.replace(/[^A-Za-z0-9._=-]+/g, '_')}__seed-${seed}`;
}

export interface SweepPlanInput {
  config: string;
  sets: string[];
  grid: GridAxis[];
  seeds: number;
  baseline?: string;
  queue?: string;
}

/** The manifest of a sweep: cells × seeds, each with its run directory (relative to the sweep directory). */
export function planSweep(input: SweepPlanInput): SweepManifest {
  const seeds = Array.from({ length: input.seeds }, (_, i) => i + 1);
  const cells: SweepCell[] = expandGrid(input.grid).map((c) => ({ ...c, runs: seeds.map((seed) => ({ seed, runDir: runDirName(c.id, seed) })) }));
  const names = new Set(cells.flatMap((c) => c.runs.map((r) => r.runDir)));
  if (names.size !== cells.length * seeds.length) throw new ConfigError('two grid cells map to the same run directory name; use values that differ in letters or digits');
  const manifest: SweepManifest = { version: 1, config: path.resolve(input.config), sets: input.sets, grid: input.grid, seeds, cells };
  if (input.baseline !== undefined) manifest.baseline = findCell(manifest, input.baseline).id;
  if (input.queue !== undefined) manifest.queue = input.queue;
  return manifest;
}

/** The cell `spec` names: its id, or the one cell whose overrides include every `k=v` of the spec. */
export function findCell(manifest: SweepManifest, spec: string): SweepCell {
  const exact = manifest.cells.find((c) => c.id === spec);
  if (exact) return exact;
  const wanted = spec.split(',').map((s) => s.trim());
  const matches = manifest.cells.filter((c) => wanted.every((w) => c.overrides.includes(w)));
  if (matches.length === 1) return matches[0]!;
  const known = manifest.cells.map((c) => c.id).join('; ');
  throw new ConfigError(`--baseline ${spec} ${matches.length === 0 ? 'matches no cell' : `matches ${matches.length} cells`}; cells: ${known}`);
}

/** True when two manifests describe the same sweep (same config, sets, grid and seeds). */
export function sameSweep(a: SweepManifest, b: SweepManifest): boolean {
  const key = (m: SweepManifest): string => stableStringify({ config: m.config, sets: m.sets, grid: m.grid, seeds: m.seeds });
  return key(a) === key(b);
}
