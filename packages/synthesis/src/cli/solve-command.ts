import * as path from 'path';
import { ConfigError, type CliContribution } from '@kt/core';
import type { Command } from 'commander';
import { z } from 'zod';
import { inferType } from '../lang/infer';
import { PRIMITIVE_SETS, type PrimitiveSetName } from '../lang/primitives';
import { showProgram } from '../lang/program';
import { mentionsChar, showType } from '../lang/types';
import { Grammar } from '../search/grammar';
import { defaultWorkerCount, solveTasksParallel } from '../search/solve-parallel';
import type { SearchReport } from '../search/solve';
import { loadLibrary, type LoadedLibrary } from '../io/library-file';
import { descriptionWords } from '../recognition/recognition-model';
import { taskGrammar } from '../wake-sleep/wake-sleep';
import { readJsonFile, tasksFromJson, type LoadedTask } from '../io/task-file';

// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- the inferred zod type is the point
function flagNumber(flag: string, min: number, int: boolean) {
  const n = z.coerce.number({ error: `${flag} must be a number` }).min(min, `${flag} must be at least ${min}`);
  return int ? n.int(`${flag} must be a whole number`) : n;
}

export const SynthesisSolveOptionsSchema = z.strictObject({
  /** A task file `[{name, description?, examples: [{input, output}]}]`, or one task's bare example list `[{input, output}]`. */
  examples: z.string().min(1, 'give the task file with --examples'),
  /**
   * The task's description in words (set on every task of the file that has none). It conditions the search when the
   * library carries a language model (runs of laps-train / laps-test save one), as condition laps-test does.
   */
  description: z
    .string()
    .refine((d) => descriptionWords(d).length > 0, '--description has no words: describe the task (or leave the flag out)')
    .optional(),
  /** A run directory (its artifacts/library.json) or library file: the grammar to search with. */
  library: z.string().min(1).optional(),
  /** Primitive set of the uniform grammar used without --library (default, per task: text when its type mentions char, else list). */
  primitives: z.enum(Object.keys(PRIMITIVE_SETS) as [PrimitiveSetName, ...PrimitiveSetName[]]).optional(),
  /** Seconds of search per task. */
  timeout: flagNumber('--timeout', 0.01, false).default(10),
  /** Expanded nodes per task. */
  maxNodes: flagNumber('--max-nodes', 1, true).default(5_000_000),
  /** Programs printed per task. */
  top: flagNumber('--top', 1, true).default(3),
  /** Worker threads (tasks are spread over them; the budget is per task). */
  workers: flagNumber('--workers', 1, true).optional(),
  json: z.boolean().default(false),
});
export type SynthesisSolveOptions = z.input<typeof SynthesisSolveOptionsSchema>;

/** The grammar a task was searched with, and whether (and why not) its description shaped it. */
export interface SolvePrior {
  /** `library` (the --library grammar) or the primitive set of a uniform grammar. */
  readonly grammar: 'library' | PrimitiveSetName;
  /** The description's words the grammar was conditioned on (the library's language model), when it was. */
  readonly words?: readonly string[];
  /** Why the task's description could not be used, when it has one and was not. */
  readonly notice?: string;
}

export interface SynthesisSolveResult {
  readonly tasks: readonly LoadedTask[];
  readonly reports: readonly SearchReport[];
  /** Per task, the prior its search used. */
  readonly priors: readonly SolvePrior[];
  readonly text: string;
}

/** Tasks from `--examples`: a task file, or a bare example list taken as one task named after the file. */
export function readTasks(file: string, description?: string): LoadedTask[] {
  const json = readJsonFile(file);
  const bare = Array.isArray(json) && json.length > 0 && json.every((e) => typeof e === 'object' && e !== null && !('examples' in e) && 'output' in e);
  const entries = bare ? [{ name: path.basename(file).replace(/\.json$/i, ''), examples: json }] : json;
  const tasks = tasksFromJson(entries, file);
  if (description === undefined) return tasks;
  return tasks.map((t) => (t.descriptions.length > 0 ? t : { ...t, description, descriptions: [description] }));
}

/** The prior line of a task's report: which grammar, and whether the description's words conditioned it. */
function priorText(p: SolvePrior): string {
  const grammar = p.grammar === 'library' ? "the library's grammar" : `uniform grammar over the ${p.grammar} primitives`;
  return p.words !== undefined ? `${grammar} conditioned on the description's words: ${p.words.join(' ')}` : grammar;
}

/**
 * The prior of a task: the library's grammar conditioned on the task's words when the library has a language model
 * and the task a description — through `taskGrammar` of condition laps-test at test time, the code path of the
 * benchmark's condition (f) (no recognition model: the library carries none) — else the plain grammar, with a notice
 * when a description goes unused.
 */
function taskPrior(task: LoadedTask, library: LoadedLibrary | undefined, set: PrimitiveSetName): { prior: SolvePrior; grammar?: Grammar } {
  const words = descriptionWords(task.description);
  if (library === undefined) {
    const notice = words.length > 0 ? 'no --library: only a library with a language model (saved by a laps-train or laps-test run) turns words into a prior' : undefined;
    return { prior: { grammar: set, ...(notice ? { notice } : {}) } };
  }
  if (words.length === 0) return { prior: { grammar: 'library' } };
  if (library.language === undefined) {
    return { prior: { grammar: 'library', notice: `${library.file} has no language model (only runs of the LAPS conditions laps-train and laps-test save one)` } };
  }
  const grammar = taskGrammar('laps-test', library.grammar, undefined, library.language, task, 'test');
  return { prior: { grammar: 'library', words }, grammar };
}

function formatReport(task: LoadedTask, r: SearchReport, prior: SolvePrior, top: number): string {
  const lines = [`task ${task.name} : ${showType(task.request)}  (${task.examples.length} example${task.examples.length === 1 ? '' : 's'})`];
  if (task.descriptions.length > 0) lines.push(`  description: ${task.descriptions.join(' | ')}`);
  lines.push(`  prior: ${priorText(prior)}`);
  if (prior.notice !== undefined) lines.push(`  note: the description is not used: ${prior.notice}`);
  const spent = `${(r.elapsedMs / 1000).toFixed(2)} s, ${r.nodes} nodes, ${r.programs} programs checked, ${r.pruned} pruned, cost bound ${r.costBound.toFixed(1)} nats`;
  if (r.solutions.length === 0) {
    lines.push(`  no program found (stopped by ${r.stoppedBy === 'bound' ? 'the cost bound' : `the ${r.stoppedBy} budget`}; ${spent})`);
  } else {
    lines.push(`  solved (${spent})`);
    r.solutions.slice(0, top).forEach((s, i) => {
      lines.push(`  ${i + 1}. ${showProgram(s.program)}`);
      lines.push(`     type ${showType(inferType(s.program))}   description length ${s.descriptionLength.toFixed(2)} nats`);
    });
  }
  return lines.join('\n');
}

/**
 * `kt synthesis solve`: loads the tasks, builds the grammar (the library's, or a uniform one over a primitive
 * set) and searches each task within its own budget on worker threads. Bad input is a ConfigError (exit 2).
 */
export async function synthesisSolve(input: SynthesisSolveOptions): Promise<SynthesisSolveResult> {
  const o = SynthesisSolveOptionsSchema.parse(input);
  if (o.library !== undefined && o.primitives !== undefined) throw new ConfigError('--primitives and --library exclude each other: the library names its primitives');
  const tasks = readTasks(o.examples, o.description);
  // One grammar per group of tasks: the library's for all, or a uniform one over each task's primitive set; a task
  // whose description conditions the library's grammar has a group of its own.
  const groups = new Map<string, { grammar: () => Grammar; indices: number[] }>();
  const library = o.library !== undefined ? loadLibrary(o.library) : undefined;
  const priors = tasks.map((t, i): SolvePrior => {
    const set: PrimitiveSetName = o.primitives ?? (mentionsChar(t.request) ? 'text' : 'list');
    const { prior, grammar: conditioned } = taskPrior(t, library, set);
    const key = conditioned !== undefined ? `task ${i}` : prior.grammar;
    const g = groups.get(key) ?? { grammar: (): Grammar => conditioned ?? library?.grammar ?? Grammar.uniform(PRIMITIVE_SETS[set]()), indices: [] };
    g.indices.push(i);
    groups.set(key, g);
    return prior;
  });
  const reports: SearchReport[] = new Array<SearchReport>(tasks.length);
  const budget = { timeoutMs: o.timeout * 1000, maxNodes: o.maxNodes, maxSolutions: o.top };
  for (const { grammar, indices } of groups.values()) {
    const found = await solveTasksParallel(
      indices.map((i) => tasks[i]!),
      grammar(),
      budget,
      { workers: o.workers ?? defaultWorkerCount() },
    );
    found.forEach((r, k) => (reports[indices[k]!] = r));
  }
  const text = o.json
    ? `${JSON.stringify(
        reports.map((r, i) => ({
          task: r.task,
          type: showType(tasks[i]!.request),
          prior: { ...priors[i]!, text: priorText(priors[i]!) },
          solutions: r.solutions.map((s) => ({ program: showProgram(s.program), type: showType(inferType(s.program)), descriptionLength: s.descriptionLength })),
          nodes: r.nodes,
          programs: r.programs,
          pruned: r.pruned,
          elapsedMs: r.elapsedMs,
          costBound: r.costBound,
          stoppedBy: r.stoppedBy,
        })),
        null,
        1,
      )}\n`
    : `${reports.map((r, i) => formatReport(tasks[i]!, r, priors[i]!, o.top)).join('\n\n')}\n${reports.filter((r) => r.solutions.length > 0).length}/${reports.length} tasks solved\n`;
  return { tasks, reports, priors, text };
}

/** The `kt synthesis` command group (created once, shared by the plugin's subcommands). */
export function synthesisCommandGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'synthesis') ?? program.command('synthesis').description('program synthesis from input/output examples (synthesis plugin)');
}

/** `kt synthesis solve --examples FILE [--description TEXT] [--library RUN_DIR] [--timeout S] [--top K] [--json]`. */
export const synthesisSolveContribution: CliContribution = {
  configure(program: unknown): void {
    synthesisCommandGroup(program as Command)
      .command('solve')
      .description('search for programs that fit input/output examples; prints the best programs, their types and description lengths')
      .addHelpText(
        'after',
        '\nThe task file is JSON: [{"name": "...", "description": "...", "examples": [{"input": ..., "output": ...}]}]\n' +
          '(or one task\'s bare example list [{"input": ..., "output": ...}]; "inputs": [...] for several arguments).\n' +
          'Values are ints, booleans, strings and lists. Bad input exits with code 2.',
      )
      .requiredOption('--examples <file>', 'task file (JSON)')
      .option('--description <text>', "the task in words (for tasks of the file that have none); conditions the search when the library has a language model (a laps-train or laps-test run's)")
      .option('--library <dir>', 'run directory or library.json with a learned grammar')
      .option('--primitives <set>', 'primitive set without --library: list, text, or recursion (list + fix1); default per task: text when its type mentions char, else list')
      .option('--timeout <seconds>', 'search time per task', '10')
      .option('--max-nodes <n>', 'expanded search nodes per task', '5000000')
      .option('--top <k>', 'programs printed per task', '3')
      .option('--workers <n>', `worker threads (default ${defaultWorkerCount()})`)
      .option('--json', 'print JSON', false)
      .action(async (opts: Record<string, unknown>, cmd: Command) => {
        const result = await synthesisSolve(opts as SynthesisSolveOptions);
        const out = cmd.configureOutput().writeOut ?? ((s: string): void => void process.stdout.write(s));
        out(result.text);
      });
  },
};
