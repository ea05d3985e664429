import * as fs from 'fs';
import type { ConfigIssue } from '@kt/core';
import { valueFromJson } from '../lang/json-values';
import { PRIMITIVE_SETS, type PrimitiveSetName } from '../lang/primitives';
import type { Primitive } from '../lang/program';
import { mentionsChar, parseType } from '../lang/types';
import { loadTaskFile } from '../io/task-file';
import type { ProgramTask } from '../search/solve';
import type { SuiteConfig } from '../config-schema';
import { listFunctionsSuite } from './list-suite';
import type { SuiteTask } from './suite-task';
import { textEditingSuite } from './text-suite';

/** The tasks of a wake–sleep run and the primitives its search starts from. */
export interface LoadedSuite {
  /** `list`, `text`, or the train file's path. */
  readonly name: string;
  readonly train: readonly ProgramTask[];
  readonly test: readonly ProgramTask[];
  readonly primitiveSet: PrimitiveSetName;
  readonly primitives: readonly Primitive[];
}

/** A suite task as a search task (its first description is the one the LAPS conditions read). */
export function suiteProgramTask(t: SuiteTask): ProgramTask {
  return {
    name: t.name,
    request: parseType(t.type),
    description: t.descriptions[0],
    examples: t.examples.map((e) => ({ inputs: e.inputs.map(valueFromJson), output: valueFromJson(e.output) })),
  };
}

/** At most `n` items spread evenly over `items` (all of them when `n` is undefined or not smaller). */
export function spread<T>(items: readonly T[], n: number | undefined): T[] {
  if (n === undefined || n >= items.length) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}

/** Loads the configured suite; a task file that cannot be read or is malformed is a ConfigError naming the place. */
export function loadSuite(cfg: SuiteConfig): LoadedSuite {
  let name: string;
  let train: ProgramTask[];
  let test: ProgramTask[];
  let set: PrimitiveSetName;
  if (cfg.name !== undefined) {
    const suite = cfg.name === 'list' ? listFunctionsSuite() : textEditingSuite();
    name = cfg.name;
    train = suite.train.map(suiteProgramTask);
    test = suite.test.map(suiteProgramTask);
    set = cfg.primitives ?? suite.primitives;
  } else {
    name = cfg.trainFile!;
    train = loadTaskFile(cfg.trainFile!);
    test = cfg.testFile === undefined ? [] : loadTaskFile(cfg.testFile);
    set = cfg.primitives ?? ([...train, ...test].some((t) => mentionsChar(t.request)) ? 'text' : 'list');
  }
  return { name, train: spread(train, cfg.maxTrain), test: spread(test, cfg.maxTest), primitiveSet: set, primitives: PRIMITIVE_SETS[set]() };
}

/** The suite's files that do not exist (what `kt validate` can say without reading them). */
export function suiteIssues(cfg: SuiteConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const key of ['trainFile', 'testFile'] as const) {
    const file = cfg[key];
    if (file !== undefined && !fs.existsSync(file)) issues.push({ path: `suite.${key}`, message: `${file}: no such file` });
  }
  return issues;
}
