import type { Value } from '../lang/interpreter';
import { parseProgram } from '../lang/parse-program';
import { allPrimitives } from '../lang/primitives';
import { showProgram } from '../lang/program';
import { parseType, showType } from '../lang/types';
import type { GrammarJson } from './grammar';
import type { SearchBudget, SearchReport, ProgramTask } from './solve';

/** Tasks, reports and grammars as structured-clone data for worker_threads (types and programs as text). */
export interface WireTask {
  readonly name: string;
  readonly request: string;
  readonly examples: readonly { readonly inputs: readonly Value[]; readonly output: Value }[];
  readonly description?: string;
}

export interface WireReport extends Omit<SearchReport, 'solutions'> {
  readonly solutions: readonly { readonly program: string; readonly logPrior: number }[];
}

export interface WorkerSetup {
  readonly grammar: GrammarJson;
  readonly budget: SearchBudget;
}

export interface WorkerRequest {
  readonly id: number;
  readonly task: WireTask;
}

export interface WorkerResponse {
  readonly id: number;
  readonly report?: WireReport;
  readonly error?: string;
}

export function toWireTask(t: ProgramTask): WireTask {
  return { name: t.name, request: showType(t.request), examples: t.examples, description: t.description };
}

export function fromWireTask(t: WireTask): ProgramTask {
  return { name: t.name, request: parseType(t.request), examples: t.examples, description: t.description };
}

export function toWireReport(r: SearchReport): WireReport {
  return { ...r, solutions: r.solutions.map((s) => ({ program: showProgram(s.program), logPrior: s.logPrior })) };
}

export function fromWireReport(r: WireReport): SearchReport {
  const prims = allPrimitives();
  return { ...r, solutions: r.solutions.map((s) => ({ program: parseProgram(s.program, prims), logPrior: s.logPrior, descriptionLength: -s.logPrior })) };
}
