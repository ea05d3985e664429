import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { ConfigError, writeJsonAtomic } from '@kt/core';

/** The file in a sweep directory that lists its cells and runs (`kt report SWEEP_DIR` reads it). */
export const SWEEP_MANIFEST = 'sweep.json';

export const SweepRunSchema = z.strictObject({
  seed: z.number().int(),
  /** Relative to the sweep directory. */
  runDir: z.string().min(1),
});

export const SweepCellSchema = z.strictObject({
  /** e.g. `transfer.divergence=backward,train.lr=0.01`. */
  id: z.string().min(1),
  /** The `--set key=value` overrides of the cell (seed not included). */
  overrides: z.array(z.string()),
  runs: z.array(SweepRunSchema),
});

export const SweepManifestSchema = z.strictObject({
  version: z.literal(1),
  /** The base config, absolute. */
  config: z.string().min(1),
  /** `--set` overrides applied to every cell. */
  sets: z.array(z.string()),
  grid: z.array(z.strictObject({ key: z.string().min(1), values: z.array(z.string()).min(1) })),
  seeds: z.array(z.number().int()).min(1),
  baseline: z.string().optional(),
  /** `redis://host:port` when the runs went through a queue. */
  queue: z.string().optional(),
  cells: z.array(SweepCellSchema).min(1),
});
export type SweepManifest = z.infer<typeof SweepManifestSchema>;
export type SweepCell = z.infer<typeof SweepCellSchema>;

export function isSweepDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, SWEEP_MANIFEST));
}

/** Reads and validates `<dir>/sweep.json`; errors name the file and the field. */
export function readSweepManifest(dir: string): SweepManifest {
  const file = path.join(dir, SWEEP_MANIFEST);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file} cannot be read: ${(err as Error).message}`);
  }
  const parsed = SweepManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`${file} is not a kt sweep manifest\n${parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`);
  }
  return parsed.data;
}

export function writeSweepManifest(dir: string, manifest: SweepManifest): void {
  writeJsonAtomic(path.join(dir, SWEEP_MANIFEST), manifest);
}

/** Absolute run directories of a sweep, cell by cell, seed by seed. */
export function sweepRunDirs(dir: string, manifest: SweepManifest): string[] {
  return manifest.cells.flatMap((c) => c.runs.map((r) => path.resolve(dir, r.runDir)));
}
