import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, disposeMap, initBackend, parseBackendRequest, readRunWeights, type BackendRequest, type CliContribution } from '@kt/core';
import type { Command } from 'commander';
import { z } from 'zod';
import { KgConfigSchema } from '../config-schema';
import { topCandidates } from '../eval';
import { KgModel } from '../models';
import { modelScorer, type GraphArtifact } from '../tasks/kg-kit';

export const KgPredictOptionsSchema = z
  .strictObject({
    /** A run directory written by `kt run` of a kg config. */
    run: z.string().min(1, 'give the run directory with --run'),
    /** Predict tails of (head, relation, ?). */
    head: z.string().min(1).optional(),
    /** Predict heads of (?, relation, tail). */
    tail: z.string().min(1).optional(),
    relation: z.string().min(1, 'give the relation with --relation'),
    k: z.coerce.number().int().positive().default(10),
  })
  .refine((o) => (o.head === undefined) !== (o.tail === undefined), { message: 'give exactly one of --head (predict tails) or --tail (predict heads)', path: ['head'] });
export type KgPredictOptions = z.input<typeof KgPredictOptionsSchema>;

export interface Prediction {
  rank: number;
  entity: string;
  label?: string;
  score: number;
}

export interface PredictResult {
  /** The query as resolved, e.g. `(dog, _hypernym, ?)`. */
  query: string;
  predictions: Prediction[];
}

function resolve(kind: 'entity' | 'relation', value: string, names: readonly string[], labels?: readonly string[]): number {
  const exact = names.indexOf(value);
  if (exact >= 0) return exact;
  const lower = value.toLowerCase();
  if (labels) {
    const byLabel = labels.findIndex((l) => l.toLowerCase() === lower);
    if (byLabel >= 0) return byLabel;
  }
  // A unique name ending in the value after a separator (`hypernym` → `_hypernym`, `country` → `…/ontology/country`).
  const suffix = names.map((n, i) => [n, i] as const).filter(([n]) => n.toLowerCase().endsWith(lower) && /[_/#:.]$/.test(n.slice(0, n.length - lower.length).slice(-1) || '_'));
  const whole = suffix.filter(([n]) => /^[_/#:.]?$/.test(n.slice(0, n.length - lower.length)) || /[/#:]$/.test(n.slice(0, n.length - lower.length)));
  if (whole.length === 1) return whole[0]![1];
  if (suffix.length === 1) return suffix[0]![1];
  if (suffix.length > 1) throw new ConfigError(`--${kind === 'entity' ? 'head/--tail' : 'relation'}: "${value}" matches ${suffix.length} ${kind} names (${suffix.slice(0, 5).map(([n]) => n).join(', ')}…): give the full name`);
  throw new ConfigError(`unknown ${kind} "${value}" in this run's graph${kind === 'relation' ? ` (relations: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''})` : ''}`);
}

/**
 * The top-k tails of (head, relation, ?) — or heads of (?, relation, tail) — by the learner of a kg run,
 * by name and label. Entities and relations are found by name, by label (case-insensitive) or by a
 * unique name suffix. The tfjs backend must be initialised by the caller.
 */
export function predictRun(options: KgPredictOptions): PredictResult {
  const opts = KgPredictOptionsSchema.parse(options);
  const configFile = path.join(opts.run, 'config.json');
  const graphFile = path.join(opts.run, 'artifacts', 'graph.json');
  if (!fs.existsSync(configFile)) throw new ConfigError(`--run: ${opts.run} is not a kt run directory (no config.json)`);
  if (!fs.existsSync(graphFile)) throw new ConfigError(`--run: ${opts.run} has no artifacts/graph.json (is it a finished kg run?)`);
  const parsed = KgConfigSchema.safeParse(JSON.parse(fs.readFileSync(configFile, 'utf8')));
  if (!parsed.success) throw new ConfigError(`--run: ${configFile} is not a kg config`);
  const graph = JSON.parse(fs.readFileSync(graphFile, 'utf8')) as GraphArtifact;
  const direction = opts.head !== undefined ? 'tail' : 'head';
  const anchor = resolve('entity', (opts.head ?? opts.tail)!, graph.entities, graph.labels);
  const relation = resolve('relation', opts.relation, graph.relations);
  const model = new KgModel(parsed.data.model, graph.tableSize, graph.relationRows ?? graph.relations.length, 0);
  try {
    const weights = readRunWeights(opts.run);
    try {
      model.setWeights(weights);
    } finally {
      disposeMap(weights);
    }
    const [top] = topCandidates(modelScorer(model, graph.range), direction, Int32Array.of(anchor), Int32Array.of(relation), opts.k);
    const name = (i: number): string => graph.labels?.[i] ?? graph.entities[i]!;
    const query = direction === 'tail' ? `(${name(anchor)}, ${graph.relations[relation]}, ?)` : `(?, ${graph.relations[relation]}, ${name(anchor)})`;
    return {
      query,
      predictions: top!.map((c, i) => ({ rank: i + 1, entity: graph.entities[c.entity]!, label: graph.labels?.[c.entity], score: c.score })),
    };
  } finally {
    model.dispose();
  }
}

export function formatPredictions(result: PredictResult): string {
  const lines = [`${result.query}`, ...result.predictions.map((p) => `${String(p.rank).padStart(3)}  ${p.score.toFixed(4).padStart(10)}  ${p.label !== undefined ? `${p.label}  [${p.entity}]` : p.entity}`)];
  return `${lines.join('\n')}\n`;
}

function backendOf(runDir: string): BackendRequest {
  if (process.env['KT_BACKEND']) return 'auto';
  try {
    const raw = JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8')) as { backend?: string };
    return raw.backend ? parseBackendRequest(raw.backend) : 'auto';
  } catch {
    return 'auto';
  }
}

/** `kt kg predict --run RUN_DIR (--head X | --tail X) --relation R [--k 10]`. */
export const kgPredictContribution: CliContribution = {
  configure(program: unknown): void {
    const root = program as Command;
    const group = root.commands.find((c) => c.name() === 'kg') ?? root.command('kg').description('knowledge-graph tools of the kg plugin (predict)');
    group
      .command('predict')
      .description('top-k tails of (head, relation, ?) — or heads of (?, relation, tail) — by the learner of a kg run, by label where labels exist')
      .requiredOption('--run <dir>', 'run directory of a kg experiment')
      .option('--head <entity>', 'head entity (name, label or unique name suffix): predict tails')
      .option('--tail <entity>', 'tail entity: predict heads')
      .requiredOption('--relation <relation>', 'relation (name or unique suffix)')
      .option('--k <n>', 'how many predictions', '10')
      .action(async (opts: Record<string, unknown>, cmd: Command) => {
        const parsed = KgPredictOptionsSchema.safeParse(opts);
        if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `- ${i.path.join('.') || 'options'}: ${i.message}`).join('\n'));
        const output = cmd.configureOutput();
        const write = output.writeOut ?? ((s: string): void => void process.stdout.write(s));
        const writeErr = output.writeErr ?? ((s: string): void => void process.stderr.write(s));
        if (!fs.existsSync(parsed.data.run)) throw new ConfigError(`run directory not found: ${parsed.data.run}`);
        await initBackend({ requested: backendOf(parsed.data.run), log: (l) => writeErr(`${l}\n`) });
        write(formatPredictions(predictRun(parsed.data)));
      });
  },
};
