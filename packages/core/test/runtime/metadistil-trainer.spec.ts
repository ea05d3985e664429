import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { TrainSchema, TeacherUpdateSchema, type TeacherUpdateConfig } from '../../src/config/experiment-schema';
import type { StepContext, TaskRun } from '../../src/contracts/task';
import { latestCheckpoint } from '../../src/runtime/checkpoint';
import { ConfigError } from '../../src/runtime/errors';
import { createMemoryLogger } from '../../src/runtime/logger';
import { createOptimizer, learningRateAt, setLearningRate } from '../../src/runtime/optimization';
import { buildContainer, PluginRegistry } from '../../src/runtime/plugin-registry';
import { readRunConfig, resolveExperimentConfig, runExperiment } from '../../src/runtime/run-experiment';
import { loadTensors } from '../../src/runtime/tensor-file';
import { Trainer } from '../../src/runtime/trainer';
import { carveQuizSplit } from '../../src/runtime/quiz-split';
import { metaTeacherGradients } from '../../src/runtime/teacher-update';
import { Rng } from '../../src/runtime/rng';
import { sequenceNll } from '../../src/divergence/sequence-nll';
import { forwardKl } from '../../src/divergence/forward-kl';
import { LinearModel, toyPlugin } from '../fixtures/toy-plugin';

const registry = new PluginRegistry([{ plugin: toyPlugin, from: 'test' }]);
const container = buildContainer([toyPlugin]);
const created: string[] = [];
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-meta-'));
  created.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of created.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const FEATURES = 4;
const CLASSES = 3;

/** A KD problem on a linear teacher and learner, built by hand so a test can watch every loss call. */
function linearRun(options: { trainableTeacher: boolean; quiz: boolean; onLoss?: (kind: 'kd' | 'quiz', ctx: StepContext) => void }): TaskRun & { learner: LinearModel; teacher: LinearModel } {
  const rng = Rng.fromSeed(11);
  const x = tf.tensor2d(rng.normals(32 * FEATURES), [32, FEATURES]);
  const xq = tf.tensor2d(rng.normals(8 * FEATURES), [8, FEATURES]);
  const yq = tf.tensor1d(Array.from({ length: 8 }, () => rng.int(CLASSES)), 'int32');
  const learner = new LinearModel('learner', FEATURES, CLASSES, 5);
  const teacher = new LinearModel('teacher', FEATURES, CLASSES, 6, options.trainableTeacher);
  return {
    learner,
    teacher,
    stepsPerEpoch: 4,
    loss(ctx) {
      options.onLoss?.('kd', ctx);
      const xb = x.slice([(ctx.step % 4) * 8, 0], [8, FEATURES]);
      // A random per-step input noise drawn from ctx.rng: every evaluation in a step must draw the same.
      const noise = tf.tensor2d(ctx.rng.normals(8 * FEATURES, 0.1), [8, FEATURES]);
      const xn = tf.add(xb, noise) as tf.Tensor2D;
      return forwardKl(teacher.logits(xn), learner.logits(xn)) as tf.Scalar;
    },
    quizLoss: options.quiz
      ? (ctx): tf.Scalar => {
          options.onLoss?.('quiz', ctx);
          return sequenceNll(learner.logits(xq), yq) as tf.Scalar;
        }
      : undefined,
    evaluate: async () => ({}),
    dispose() {
      tf.dispose([x, xq, yq]);
      learner.dispose();
      teacher.dispose();
    },
  };
}

function weightsOf(model: LinearModel): Float32Array {
  return Float32Array.from([...model.w.dataSync(), ...model.b.dataSync()]);
}

const train = TrainSchema.parse({ steps: 6, lr: 0.05, seed: 4 });
const meta = (extra: Record<string, unknown> = {}): TeacherUpdateConfig => TeacherUpdateSchema.parse({ strategy: 'metadistil', lr: 0.01, ...extra });

describe('Trainer with teacherUpdate', () => {
  it('fixed (absent or explicit) is bit-identical to the plain KD loop: optimizer, lr schedule, one gradient per step', async () => {
    const reference = linearRun({ trainableTeacher: false, quiz: false });
    const optimizer = createOptimizer(train);
    const vars = reference.learner.trainableVariables();
    for (let step = 0; step < 6; step++) {
      setLearningRate(optimizer, learningRateAt(train, step, 6));
      const ctx: StepContext = { step, epoch: Math.floor(step / 4), rng: Rng.derive(train.seed, step), report: () => undefined };
      const { value, grads } = tf.variableGrads(() => reference.loss(ctx, undefined), vars);
      optimizer.applyGradients(grads);
      tf.dispose([value, ...Object.values(grads)]);
    }
    const expected = weightsOf(reference.learner);
    optimizer.dispose();
    reference.dispose();
    for (const teacherUpdate of [undefined, TeacherUpdateSchema.parse({ strategy: 'fixed' })]) {
      const run = linearRun({ trainableTeacher: false, quiz: true });
      const trainer = new Trainer({ run, train, teacherUpdate, log: createMemoryLogger() });
      await trainer.fit();
      expect(weightsOf(run.learner)).toEqual(expected);
      trainer.dispose();
      run.dispose();
    }
  });

  it.each(['metadistil', 'metadistil-first-order'] as const)(
    '%s: the learner is exactly back at θ (and the teacher already updated) when its real step starts',
    async (strategy) => {
      const seen: { kind: 'kd' | 'quiz'; step: number; learner: Float32Array; teacher: Float32Array; noise: number }[] = [];
      const run = linearRun({
        trainableTeacher: true,
        quiz: true,
        onLoss: (kind, ctx) => {
          // Copies, read outside any tape math; the rng state is peeked by drawing from a copy.
          seen.push({ kind, step: ctx.step, learner: weightsOf(run.learner), teacher: weightsOf(run.teacher), noise: Rng.fromState(ctx.rng.getState()).next() });
        },
      });
      const counts: number[] = [];
      const trainer = new Trainer({
        run,
        train: { ...train, steps: 3 },
        teacherUpdate: meta({ strategy }),
        log: createMemoryLogger(),
        callbacks: [{ onStepEnd: () => void counts.push(tf.memory().numTensors) }],
      });
      let previousEnd: Float32Array | undefined;
      await trainer.fit();
      for (let step = 0; step < 3; step++) {
        const calls = seen.filter((s) => s.step === step);
        const kd = calls.filter((s) => s.kind === 'kd');
        const quiz = calls.filter((s) => s.kind === 'quiz');
        expect(quiz.length).toBe(1);
        const theta = kd[0]!.learner;
        if (previousEnd) expect(theta).not.toEqual(previousEnd);
        // θ' differs from θ (the pilot step moved it) ...
        expect(quiz[0]!.learner).not.toEqual(theta);
        // ... and the KD evaluations at θ, the real step's (the last) included, see θ bit for bit, with the
        // same noise (the first-order strategy also evaluates at θ ± εv in between).
        const atTheta = strategy === 'metadistil' ? kd : [kd[0]!, kd.at(-1)!];
        // Second order: pilot, meta-gradient, real step (+ the differentiability check's two at the first step).
        expect(kd.length).toBe(strategy === 'metadistil' ? (step === 0 ? 5 : 3) : 4);
        for (const call of atTheta) expect(call.learner).toEqual(theta);
        for (const call of kd) expect(call.noise).toBe(kd[0]!.noise);
        // The real step runs with the updated teacher (the pilot update).
        expect(kd.at(-1)!.teacher).not.toEqual(kd[0]!.teacher);
        previousEnd = theta;
      }
      // No tensor leaks across meta steps (the optimizers' slots exist from the first step on).
      expect(counts).toEqual([counts[0], counts[0], counts[0]]);
      trainer.dispose();
      run.dispose();
    },
  );

  it("adds the task's teacherLoss gradient to the meta-gradient (one SGD teacher step checked by hand)", async () => {
    const build = (): ReturnType<typeof linearRun> => {
      const r = linearRun({ trainableTeacher: true, quiz: true });
      const anchor = tf.tensor2d(Rng.fromSeed(3).normals(FEATURES * CLASSES), [FEATURES, CLASSES]);
      return { ...r, teacherLoss: () => tf.sum(tf.square(tf.sub(r.teacher.w, anchor))) as tf.Scalar, dispose: () => (anchor.dispose(), r.dispose()) };
    };
    const lr = 0.01;
    // Expected: φ − lr · (∇φ L_q(θ'(φ)) + ∇φ teacherLoss), at step 0 with the trainer's rng and η = the learner's lr.
    const ref = build();
    const rngState = Rng.derive(train.seed, 0).getState();
    const ctx = (): StepContext => ({ step: 0, epoch: 0, rng: Rng.fromState(rngState), report: () => undefined });
    const tv = ref.teacher.trainableVariables();
    const metaGrads = metaTeacherGradients({ learnerVars: ref.learner.trainableVariables(), teacherVars: tv, kdLoss: () => ref.loss(ctx(), undefined), quizLoss: () => ref.quizLoss!(ctx(), undefined), pilotLr: train.lr, order: 'second' });
    const tl = tf.variableGrads(() => ref.teacherLoss!(ctx(), undefined), tv);
    const expected = tf.tidy(() => tv.map((v) => tf.sub(v, tf.mul(tf.add(metaGrads.grads[v.name]!, tl.grads[v.name] ?? tf.zerosLike(v)), lr)).dataSync()));
    tf.dispose([tl.value, ...Object.values(tl.grads), ...Object.values(metaGrads.grads)]);
    ref.dispose();
    const run = build();
    const reports: Record<string, number>[] = [];
    const trainer = new Trainer({ run, train: { ...train, steps: 1 }, teacherUpdate: meta({ optimizer: 'sgd', lr }), log: createMemoryLogger(), callbacks: [{ onStepEnd: (i) => void reports.push(i.reports) }] });
    await trainer.fit();
    run.teacher.trainableVariables().forEach((v, i) => {
      const got = v.dataSync();
      for (let k = 0; k < got.length; k++) expect(got[k]).toBeCloseTo(expected[i]![k]!, 6);
    });
    expect(typeof reports[0]!['teacher_loss']).toBe('number');
    expect(typeof reports[0]!['quiz_loss']).toBe('number');
    trainer.dispose();
    run.dispose();
  });

  it('updates the teacher only every N steps', async () => {
    const seen: { step: number; teacher: Float32Array }[] = [];
    const run = linearRun({ trainableTeacher: true, quiz: true, onLoss: (kind, ctx) => void (kind === 'kd' && seen.push({ step: ctx.step, teacher: weightsOf(run.teacher) })) });
    const trainer = new Trainer({ run, train: { ...train, steps: 4 }, teacherUpdate: meta({ every: 2 }), log: createMemoryLogger() });
    await trainer.fit();
    const first = (s: number): Float32Array => seen.find((c) => c.step === s)!.teacher;
    expect(first(1)).not.toEqual(first(0)); // updated at step 0 (1-based 1)
    expect(first(2)).toEqual(first(1)); // not at step 1
    expect(first(3)).not.toEqual(first(2)); // updated at step 2
    trainer.dispose();
    run.dispose();
  });

  it('refuses second order when the learner computes a gradient off the tape, pointing at the first-order strategy', async () => {
    const run = linearRun({ trainableTeacher: true, quiz: true });
    const offTape = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const h = args[0] as tf.Tensor;
      return { value: tf.clone(h), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.tensor((Array.isArray(dy) ? dy[0]! : dy).dataSync(), h.shape) };
    }) as unknown as (h: tf.Tensor) => tf.Tensor2D;
    const plain = run.loss.bind(run);
    const offTapeRun: TaskRun = { ...run, loss: (ctx, p) => tf.mul(offTape(tf.reshape(plain(ctx, p), [1, 1])), 1).reshape([]) as tf.Scalar };
    const trainer = new Trainer({ run: offTapeRun, train: { ...train, steps: 2 }, teacherUpdate: meta(), log: createMemoryLogger() });
    await expect(trainer.fit()).rejects.toThrow(/cannot be differentiated again.*metadistil-first-order/);
    trainer.dispose();
    const first = new Trainer({ run: offTapeRun, train: { ...train, steps: 2 }, teacherUpdate: meta({ strategy: 'metadistil-first-order' }), log: createMemoryLogger() });
    await expect(first.fit()).resolves.toMatchObject({ status: 'completed' });
    first.dispose();
    run.dispose();
  });

  it('refuses a frozen teacher or a task without a quiz split with a ConfigError naming teacherUpdate', () => {
    const frozen = linearRun({ trainableTeacher: false, quiz: true });
    expect(() => new Trainer({ run: frozen, train, teacherUpdate: meta(), log: createMemoryLogger() })).toThrow(ConfigError);
    expect(() => new Trainer({ run: frozen, train, teacherUpdate: meta(), log: createMemoryLogger() })).toThrow(/teacherUpdate.strategy metadistil needs a trainable teacher/);
    frozen.dispose();
    const noQuiz = linearRun({ trainableTeacher: true, quiz: false });
    expect(() => new Trainer({ run: noQuiz, train, teacherUpdate: meta(), log: createMemoryLogger() })).toThrow(/needs a quiz split/);
    noQuiz.dispose();
  });
});

describe('teacherUpdate config', () => {
  it('is a strict union on strategy with defaults', () => {
    expect(TeacherUpdateSchema.parse({ strategy: 'metadistil' })).toEqual({ strategy: 'metadistil', optimizer: 'adam', lr: 1e-4, every: 1, quizFraction: 0.1 });
    expect(TeacherUpdateSchema.safeParse({ strategy: 'fixed', lr: 0.1 }).success).toBe(false);
    expect(TeacherUpdateSchema.safeParse({ strategy: 'metadistil', lrr: 0.1 }).success).toBe(false);
    expect(TeacherUpdateSchema.safeParse({ strategy: 'meta' }).success).toBe(false);
    expect(TeacherUpdateSchema.safeParse({ strategy: 'metadistil', quizFraction: 0.9 }).success).toBe(false);
  });

  it('an unknown field is an error naming its path through the experiment schema', () => {
    expect(() => resolveExperimentConfig({ plugin: 'toy', task: 'metadistil', teacherUpdate: { strategy: 'metadistil', evry: 2 } }, registry)).toThrow(/teacherUpdate/);
  });
});

describe('quiz split', () => {
  it('carves a seeded, disjoint, complete split of the training indices', () => {
    const a = carveQuizSplit(50, 0.1, 3);
    expect(a.quiz.length).toBe(5);
    expect([...a.train, ...a.quiz].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(carveQuizSplit(50, 0.1, 3)).toEqual(a);
    expect(carveQuizSplit(50, 0.1, 4).quiz).not.toEqual(a.quiz);
    expect(carveQuizSplit(2, 0.01, 0).quiz.length).toBe(1);
    expect(() => carveQuizSplit(1, 0.1, 0)).toThrow(RangeError);
  });
});

describe('MetaDistil runs through runExperiment', () => {
  const cfgOf = (strategy: string, train: Record<string, unknown> = {}): ReturnType<typeof resolveExperimentConfig> =>
    resolveExperimentConfig(
      { plugin: 'toy', task: 'metadistil', name: 'meta', data: { n: 40 }, teacherUpdate: { strategy, lr: 0.02, quizFraction: 0.2 }, train: { steps: 12, batchSize: 8, lr: 0.05, seed: 2, logEvery: 1, ...train } },
      registry,
    );
  const groups = (runDir: string): Record<string, number[]> => {
    const dir = latestCheckpoint(path.join(runDir, 'checkpoints'))!;
    const out: Record<string, number[]> = {};
    for (const g of ['learner', 'teacher', 'teacher-optimizer', 'learner-optimizer']) {
      const m = loadTensors(dir, g);
      out[g] = [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).flatMap(([, t]) => Array.from(t.dataSync()));
      for (const t of m.values()) t.dispose();
    }
    return out;
  };

  it.each(['metadistil', 'metadistil-first-order'])('%s: teacher weights and optimizer are checkpointed and resumed bit-exactly', async (strategy) => {
    const cfg = cfgOf(strategy, { checkpointEvery: 4 });
    const full = await runExperiment({ config: cfg, container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false });
    let steps = 0;
    const partial = await runExperiment({
      config: cfg, container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false,
      callbacks: [{ onStepEnd: () => void (steps += 1) }], shouldStop: () => steps >= 6,
    });
    expect(partial.summary.status).toBe('interrupted');
    const resumed = await runExperiment({ config: resolveExperimentConfig(readRunConfig(partial.runDir), registry), container, log: createMemoryLogger(), backend: 'cpu', resumeDir: partial.runDir, progress: false });
    expect(resumed.summary.status).toBe('completed');
    const a = groups(full.runDir);
    const b = groups(resumed.runDir);
    expect(a['teacher-optimizer']!.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
    const initial = new LinearModel('t0', 5, 3, 1234);
    const init = [...initial.b.dataSync(), ...initial.w.dataSync()];
    initial.dispose();
    expect(a['teacher']).not.toEqual(init); // the teacher moved
    const lines = fs.readFileSync(path.join(full.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => typeof l.quiz_loss === 'number').length).toBe(12);
  });

  it('a task without a trainable teacher fails with exit-2 ConfigError under metadistil', async () => {
    const cfg = resolveExperimentConfig({ plugin: 'toy', task: 'kd', teacherUpdate: { strategy: 'metadistil' }, train: { steps: 2 } }, registry);
    await expect(runExperiment({ config: cfg, container, log: createMemoryLogger(), backend: 'cpu', outDir: tmp(), progress: false })).rejects.toThrow(ConfigError);
  });
});
