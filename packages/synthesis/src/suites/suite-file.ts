import * as fs from 'fs';
import * as path from 'path';
import type { TaskFileEntry } from '../io/task-file';
import type { SuiteTask } from './suite-task';

/**
 * Suite tasks in the task-file format that `loadTaskFile` reads: `{ name, description, type, examples }`,
 * one-argument examples as `{ input, output }`, several arguments as `{ inputs, output }`. The declared type
 * keeps a task whose examples are all empty lists typed as the suite means it.
 */
export function suiteTaskFileEntries(tasks: readonly SuiteTask[]): TaskFileEntry[] {
  return tasks.map((t) => ({
    name: t.name,
    description: [...t.descriptions],
    type: t.type,
    examples: t.examples.map((e) => (e.inputs.length === 1 ? { input: e.inputs[0], output: e.output } : { inputs: [...e.inputs], output: e.output })),
  }));
}

/** Writes tasks as a task file (pretty JSON, one example per line); creates the directory. */
export function writeTaskFile(file: string, tasks: readonly SuiteTask[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const entries = suiteTaskFileEntries(tasks);
  const lines = entries.map((e) => {
    const { examples, ...head } = e;
    const body = examples.map((x) => `      ${JSON.stringify(x)}`).join(',\n');
    const fields = Object.entries(head).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
    return `  {\n${fields.join(',\n')},\n    "examples": [\n${body}\n    ]\n  }`;
  });
  fs.writeFileSync(file, `[\n${lines.join(',\n')}\n]\n`);
}
