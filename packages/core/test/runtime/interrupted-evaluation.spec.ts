import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ContainerModule } from 'inversify';
import { defineExperimentSchema } from '../../src/config/experiment-schema';
import type { KtPlugin } from '../../src/contracts/plugin';
import { Task, type TaskContext, type TaskRun } from '../../src/contracts/task';
import { RunInterruptedError } from '../../src/runtime/errors';
import { createMemoryLogger } from '../../src/runtime/logger';
import { buildContainer, PluginRegistry } from '../../src/runtime/plugin-registry';
import { resolveExperimentConfig, runExperiment } from '../../src/runtime/run-experiment';
import { asLearner } from '../../src/contracts/model';

// A task whose evaluation is a long loop that polls TaskContext.shouldStop between pieces of work (as
// kg's filtered ranking does): a stop requested inside it ends the run `interrupted`, and --resume redoes it.
const SlowSchema = defineExperimentSchema('slow', ['fit'], {});
type SlowConfig = ReturnType<typeof SlowSchema.parse>;

/** What the test controls: when the stop is requested (inside which evaluation), and what ran. */
const probe = { stopIn: '' as '' | 'val' | 'test' | 'prepare', stopped: false, evaluations: [] as string[] };

function makeRun(ctx: TaskContext<SlowConfig>): TaskRun {
  const w = tf.variable(tf.scalar(0), true, 'slow/w');
  const stopRequested = (): boolean => ctx.shouldStop?.() ?? false;
  const work = async (label: string): Promise<void> => {
    for (let piece = 0; piece < 5; piece++) {
      if (piece === 2 && probe.stopIn === label) probe.stopped = true;
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (stopRequested()) throw new RunInterruptedError(`stopped in the ${label} work at piece ${piece}`);
    }
  };
  return {
    learner: asLearner({ trainableVariables: () => [w], getWeights: () => new Map([['w', w]]), setWeights: (m) => w.assign(m.get('w') as tf.Scalar), parameterCount: () => 1, dispose: () => w.dispose() }),
    stepsPerEpoch: 1,
    prepareStep: async (step) => {
      if (step.step === 6) await work('prepare');
      return undefined;
    },
    loss: () => tf.square(tf.sub(w, 1)) as tf.Scalar,
    evaluate: async (split) => {
      await work(split);
      probe.evaluations.push(split);
      return { w: w.dataSync()[0]! };
    },
    dispose: () => w.dispose(),
  };
}

const slowTask: Task<SlowConfig> = { plugin: 'slow', name: 'fit', description: 'a scalar fit with a long, interruptible evaluation', metrics: ['w'], create: async (ctx) => makeRun(ctx) };
const slowPlugin: KtPlugin = {
  name: 'slow',
  version: '0.0.0',
  description: 'test plugin',
  configSchema: SlowSchema,
  module: new ContainerModule(({ bind }) => void bind<Task>(Task).toConstantValue(slowTask as unknown as Task)),
};
const registry = new PluginRegistry([{ plugin: slowPlugin, from: 'test' }]);
const container = buildContainer([slowPlugin]);
const config = resolveExperimentConfig({ plugin: 'slow', task: 'fit', name: 'slow', train: { steps: 10, lr: 0.1, evalEvery: 4, seed: 1 } }, registry);

const created: string[] = [];
afterAll(() => {
  for (const d of created.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => {
  probe.stopIn = '';
  probe.stopped = false;
  probe.evaluations = [];
});

async function run(resumeDir?: string, cfg = config): Promise<Awaited<ReturnType<typeof runExperiment>>> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-slow-'));
  created.push(outDir);
  return runExperiment({ config: cfg, container, log: createMemoryLogger(), backend: 'cpu', outDir, progress: false, shouldStop: () => probe.stopped, ...(resumeDir ? { resumeDir } : {}) });
}

describe("a stop requested inside a task's own long work (TaskContext.shouldStop)", () => {
  it('inside the test evaluation: interrupted, training checkpointed; --resume redoes only the evaluation and completes', async () => {
    const full = await run();
    expect(full.summary.status).toBe('completed');
    probe.evaluations = [];
    probe.stopIn = 'test';
    const stopped = await run();
    expect(stopped.summary.status).toBe('interrupted');
    expect(stopped.summary.steps).toBe(10);
    expect(stopped.summary.test).toBeUndefined();
    expect(probe.evaluations).not.toContain('test');
    expect(JSON.parse(fs.readFileSync(path.join(stopped.runDir, 'checkpoints', 'latest.json'), 'utf8')).step).toBe(10);
    probe.stopIn = '';
    probe.stopped = false;
    probe.evaluations = [];
    const resumed = await run(stopped.runDir);
    expect(resumed.summary.status).toBe('completed');
    expect(resumed.summary.test).toEqual(full.summary.test);
    expect(probe.evaluations).toEqual(['val', 'test']);
  });

  it('inside a validation mid-training: interrupted after that step (checkpointed); --resume continues to the same end', async () => {
    const full = await run();
    probe.evaluations = [];
    probe.stopIn = 'val';
    const stopped = await run();
    expect(stopped.summary.status).toBe('interrupted');
    expect(probe.evaluations).toEqual([]); // the validation was cut short, not finished
    expect(stopped.summary.steps).toBe(4);
    expect(JSON.parse(fs.readFileSync(path.join(stopped.runDir, 'checkpoints', 'latest.json'), 'utf8')).step).toBe(4);
    probe.stopIn = '';
    probe.stopped = false;
    const resumed = await run(stopped.runDir);
    expect(resumed.summary.status).toBe('completed');
    expect(resumed.summary.test).toEqual(full.summary.test);
  });

  it('inside the validation before the first step (train.evalAtStart): interrupted at step 0; --resume evaluates the start again and completes', async () => {
    const atStart = resolveExperimentConfig({ plugin: 'slow', task: 'fit', name: 'slow', train: { steps: 10, lr: 0.1, evalEvery: 4, evalAtStart: true, seed: 1 } }, registry);
    const full = await run(undefined, atStart);
    expect(probe.evaluations).toEqual(['val', 'val', 'val', 'val', 'test']); // start, 4, 8, end
    probe.evaluations = [];
    probe.stopIn = 'val';
    const stopped = await run(undefined, atStart);
    expect(stopped.summary.status).toBe('interrupted');
    expect(stopped.summary.steps).toBe(0);
    expect(probe.evaluations).toEqual([]);
    expect(JSON.parse(fs.readFileSync(path.join(stopped.runDir, 'checkpoints', 'latest.json'), 'utf8')).step).toBe(0);
    probe.stopIn = '';
    probe.stopped = false;
    const resumed = await run(stopped.runDir, atStart);
    expect(resumed.summary.status).toBe('completed');
    expect(probe.evaluations).toEqual(['val', 'val', 'val', 'val', 'test']);
    expect(resumed.summary.test).toEqual(full.summary.test);
  });

  it("inside a step's preparation: interrupted before that step; --resume takes it and completes", async () => {
    const full = await run();
    probe.stopIn = 'prepare';
    const stopped = await run();
    expect(stopped.summary.status).toBe('interrupted');
    expect(stopped.summary.steps).toBe(6);
    probe.stopIn = '';
    probe.stopped = false;
    const resumed = await run(stopped.runDir);
    expect(resumed.summary.status).toBe('completed');
    expect(resumed.summary.steps).toBe(10);
    expect(resumed.summary.test).toEqual(full.summary.test);
  });
});
