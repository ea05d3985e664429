import { Rng } from '@kt/core';
import type { PrimitiveSetName } from '../lang/primitives';

/** A value of the language as JSON: ints, booleans, strings (= list(char)) and lists. */
export type JsonValue = number | boolean | string | readonly JsonValue[];

/** One example of a suite task: the arguments in order and the output of the reference implementation. */
export interface SuiteExample {
  readonly inputs: readonly JsonValue[];
  readonly output: JsonValue;
}

/** A built task: examples produced by running the reference implementation on seeded random inputs. */
export interface SuiteTask {
  readonly name: string;
  /** Tasks of one family (e.g. `add-k` for k = 1 … 5) go to the same side of the train/test split. */
  readonly family: string;
  /** The function's type, e.g. `list(int) -> int`. */
  readonly type: string;
  /** 1–3 English descriptions. */
  readonly descriptions: readonly string[];
  readonly examples: readonly SuiteExample[];
  /** A program of kt's DSL that computes the task (given for a sample of tasks; tests run it on the examples). */
  readonly program?: string;
}

/** How to build a task: a reference implementation and a generator of its inputs. */
export interface TaskSpec {
  readonly name: string;
  readonly family: string;
  readonly type: string;
  readonly descriptions: readonly string[];
  /** Draws one argument list. */
  readonly draw: (rng: Rng) => JsonValue[];
  /** The reference implementation. */
  readonly run: (...args: never[]) => JsonValue;
  readonly program?: string;
}

/** A suite split into train and test task names. */
export interface TaskSuite {
  readonly name: string;
  /** The primitive set the suite's reference programs are written in (and search starts from). */
  readonly primitives: PrimitiveSetName;
  readonly seed: number;
  readonly tasks: readonly SuiteTask[];
  readonly train: readonly SuiteTask[];
  readonly test: readonly SuiteTask[];
}

export const MIN_EXAMPLES = 5;
export const MAX_EXAMPLES = 10;

/** FNV-1a of a string: a stable per-task key for `Rng.derive`, so one task's examples do not depend on the others. */
export function stableHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** At most this share of a task's examples may have the same output (a predicate true on 9 of 10 says little). */
export const MAX_SAME_OUTPUT_SHARE = 0.6;

/** The most examples of `count` that may share one output, and (one-argument tasks) leave the input unchanged. */
export function exampleCaps(count: number): { sameOutput: number; unchanged: number } {
  return { sameOutput: Math.ceil(MAX_SAME_OUTPUT_SHARE * count), unchanged: Math.floor(count / 2) };
}

/**
 * Builds a task from its spec: 5–10 examples (the count drawn from the task's own seeded stream, so one
 * task's examples do not depend on the others) with distinct inputs, informative as a set: a drawn input is
 * skipped when its output would make more than 60 % of the examples share one output, or (one-argument tasks)
 * more than half of them return their input unchanged — a filter that removes nothing, a predicate that is
 * always false. A spec whose generator cannot meet that is an error, not a silent degenerate task.
 */
export function buildTask(spec: TaskSpec, seed: number): SuiteTask {
  const rng = Rng.derive(seed, stableHash(spec.name));
  const count = MIN_EXAMPLES + rng.int(MAX_EXAMPLES - MIN_EXAMPLES + 1);
  const caps = exampleCaps(count);
  const run = spec.run as (...args: JsonValue[]) => JsonValue;
  const seen = new Set<string>();
  const sameOutput = new Map<string, number>();
  let unchanged = 0;
  const examples: SuiteExample[] = [];
  for (let tries = 0; examples.length < count && tries < count * 500; tries++) {
    const inputs = spec.draw(rng);
    const key = JSON.stringify(inputs);
    if (seen.has(key)) continue;
    const output = run(...inputs);
    const out = JSON.stringify(output);
    const isUnchanged = inputs.length === 1 && out === JSON.stringify(inputs[0]);
    if ((sameOutput.get(out) ?? 0) >= caps.sameOutput || (isUnchanged && unchanged >= caps.unchanged)) continue;
    seen.add(key);
    sameOutput.set(out, (sameOutput.get(out) ?? 0) + 1);
    if (isUnchanged) unchanged++;
    examples.push({ inputs, output });
  }
  if (examples.length < count) throw new Error(`task "${spec.name}": the input generator gives no ${count} distinct, informative examples`);
  return { name: spec.name, family: spec.family, type: spec.type, descriptions: spec.descriptions, examples, ...(spec.program === undefined ? {} : { program: spec.program }) };
}

/**
 * Splits tasks into train and test by family: families are shuffled with `Rng.fromSeed(seed)` and moved to
 * test, whole, until test holds at least `testSize` tasks. So `add-3` never sits in train while `add-4` is
 * in test: a test task is not a copy of a train task with another constant. Task order is kept.
 */
export function splitByFamily(tasks: readonly SuiteTask[], testSize: number, seed: number): { train: SuiteTask[]; test: SuiteTask[] } {
  const families = [...new Set(tasks.map((t) => t.family))];
  Rng.fromSeed(seed).shuffle(families);
  const size = new Map<string, number>();
  for (const t of tasks) size.set(t.family, (size.get(t.family) ?? 0) + 1);
  const testFamilies = new Set<string>();
  let n = 0;
  for (const f of families) {
    if (n >= testSize) break;
    // Skip a family that would overshoot by more than half of itself; a smaller one comes later.
    if (n + size.get(f)! > testSize + Math.floor(size.get(f)! / 2) && n > 0) continue;
    testFamilies.add(f);
    n += size.get(f)!;
  }
  return { train: tasks.filter((t) => !testFamilies.has(t.family)), test: tasks.filter((t) => testFamilies.has(t.family)) };
}

/** Builds every spec and splits the result (`testSize` tasks or a few more go to test). */
export function buildSuite(name: string, primitives: PrimitiveSetName, specs: readonly TaskSpec[], seed: number, testSize: number): TaskSuite {
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) throw new Error(`suite ${name}: task "${s.name}" appears twice`);
    names.add(s.name);
  }
  const tasks = specs.map((s) => buildTask(s, seed));
  return { name, primitives, seed, tasks, ...splitByFamily(tasks, testSize, seed) };
}

// Input generators shared by the suites.

/** A uniform integer in [lo, hi]. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

/** A list of length in [minLen, maxLen] with elements in [lo, hi]. */
export function randList(rng: Rng, minLen: number, maxLen: number, lo = 0, hi = 9): number[] {
  return Array.from({ length: randInt(rng, minLen, maxLen) }, () => randInt(rng, lo, hi));
}

/** One of `items`. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}
