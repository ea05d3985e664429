/**
 * The worker_threads entry of solveTasksParallel: rebuilds the grammar once, then solves the tasks it is sent
 * one at a time and posts back each report with programs as S-expressions.
 */
import { parentPort, workerData } from 'worker_threads';
import { Grammar } from './grammar';
import { fromWireTask, toWireReport, type WorkerRequest, type WorkerSetup } from './wire';
import { solveTask } from './solve';

const setup = workerData as WorkerSetup;
const grammar = Grammar.fromJson(setup.grammar);

parentPort?.on('message', (msg: WorkerRequest) => {
  try {
    const report = solveTask(fromWireTask(msg.task), grammar, setup.budget);
    parentPort?.postMessage({ id: msg.id, report: toWireReport(report) });
  } catch (e) {
    parentPort?.postMessage({ id: msg.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
});
