import { DEFAULT_MAX_STEPS, RuntimeFault, runProgram, valuesEqual, type Value } from '../lang/interpreter';
import { type Program } from '../lang/program';
import { argumentTypes, type Type } from '../lang/types';
import { enumerateWindow, SearchStopped, type EnumerationStats } from './enumerate';
import type { Grammar } from './grammar';

/** One input/output example: the program applied to `inputs` (in order) must give `output`. */
export interface Example {
  readonly inputs: readonly Value[];
  readonly output: Value;
}

/** A synthesis task: examples of a function of type `request`, optionally described in words. */
export interface ProgramTask {
  readonly name: string;
  readonly request: Type;
  readonly examples: readonly Example[];
  readonly description?: string;
}

/** The search budget of one task (the parallel solver applies it to each task separately). */
export interface SearchBudget {
  /** Wall-clock limit in ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Limit on expanded choice points (default 2 000 000). */
  readonly maxNodes?: number;
  /** Keep at most this many solutions, best first (default 5). */
  readonly maxSolutions?: number;
  /** Finish the cost window in which the first solution appears, then stop (default true). */
  readonly stopAfterFirstWindow?: boolean;
  /** Width of an iterative-deepening window in nats (default 1.5, as DreamCoder). */
  readonly increment?: number;
  /** Do not enumerate programs costlier than this (nats; default 40). */
  readonly maxCost?: number;
  /** Interpreter steps per example run (default DEFAULT_MAX_STEPS). */
  readonly stepBudget?: number;
  /** Observational-equivalence pruning of argument subterms (default true). */
  readonly observationalEquivalence?: boolean;
}

/** A program that fits every example. */
export interface Solution {
  readonly program: Program;
  /** log P(program | grammar, request), nats. */
  readonly logPrior: number;
  /** −logPrior: the program's description length under the grammar, nats. */
  readonly descriptionLength: number;
}

/** What a search found and what it spent. */
export interface SearchReport {
  readonly task: string;
  /** Best first (lowest description length). */
  readonly solutions: readonly Solution[];
  readonly nodes: number;
  readonly programs: number;
  readonly pruned: number;
  readonly elapsedMs: number;
  /** Upper cost bound (nats) of the last window searched. */
  readonly costBound: number;
  readonly stoppedBy: 'solved' | 'time' | 'nodes' | 'bound';
}

/** Whether `program` maps every example's inputs to its output (a runtime fault or step overrun is a miss). */
export function fitsExamples(program: Program, examples: readonly Example[], stepBudget = DEFAULT_MAX_STEPS): boolean {
  for (const ex of examples) {
    try {
      if (!valuesEqual(runProgram(program, ex.inputs, stepBudget), ex.output)) return false;
    } catch (e) {
      if (e instanceof RuntimeFault) return false;
      throw e;
    }
  }
  return true;
}

/**
 * Searches for programs that fit the task's examples, enumerating well-typed programs in decreasing prior
 * probability under `grammar` (iterative deepening on description length), within `budget`.
 */
export function solveTask(task: ProgramTask, grammar: Grammar, budget: SearchBudget = {}): SearchReport {
  const t0 = Date.now();
  const timeoutMs = budget.timeoutMs ?? 10_000;
  const maxSolutions = budget.maxSolutions ?? 5;
  const inc = budget.increment ?? 1.5;
  const maxCost = budget.maxCost ?? 40;
  const stepBudget = budget.stepBudget ?? DEFAULT_MAX_STEPS;
  const arity = argumentTypes(task.request).length;
  const examples = budget.observationalEquivalence === false ? undefined : task.examples.map((ex) => [...ex.inputs.slice(0, arity)].reverse());
  const options = { maxNodes: budget.maxNodes ?? 2_000_000, deadline: t0 + timeoutMs, examples, stepBudget };
  const stats: EnumerationStats = { nodes: 0, programs: 0, pruned: 0 };
  const solutions: Solution[] = [];
  let stoppedBy: SearchReport['stoppedBy'] = 'bound';
  let lower = 0;
  try {
    for (; lower < maxCost; lower += inc) {
      enumerateWindow(
        grammar,
        task.request,
        lower,
        lower + inc,
        (program, logPrior) => {
          if (fitsExamples(program, task.examples, stepBudget)) solutions.push({ program, logPrior, descriptionLength: -logPrior });
        },
        options,
        stats,
      );
      if (solutions.length >= maxSolutions || (solutions.length > 0 && budget.stopAfterFirstWindow !== false)) {
        stoppedBy = 'solved';
        break;
      }
    }
  } catch (e) {
    if (!(e instanceof SearchStopped)) throw e;
    stoppedBy = e.reason;
  }
  solutions.sort((a, b) => b.logPrior - a.logPrior);
  return {
    task: task.name,
    solutions: solutions.slice(0, maxSolutions),
    nodes: stats.nodes,
    programs: stats.programs,
    pruned: stats.pruned,
    elapsedMs: Date.now() - t0,
    costBound: Math.min(lower + inc, maxCost),
    stoppedBy,
  };
}
