import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { metaTeacherUpdate, type MetaTeacherUpdateConfig, type TeacherUpdateConfig, type TrainConfig } from '../config/experiment-schema';
import type { Metrics } from '../contracts/metric';
import type { Prepared, StepContext, TaskRun } from '../contracts/task';
import { checkpointName, latestCheckpoint, readCheckpoint, writeCheckpoint, type TrainerState } from './checkpoint';
import { CheckpointError, ConfigError, NonFiniteLossError, RunInterruptedError } from './errors';
import type { Logger } from './logger';
import { clipByGlobalNorm, createOptimizer, learningRateAt, optimizerState, restoreOptimizerState, setLearningRate } from './optimization';
import { Rng } from './rng';
import { RunawayLossMonitor } from './runaway-loss-monitor';
import { disposeMap } from './tensor-file';
import { checkBackwardDifferentiable, metaTeacherGradients } from './teacher-update';
import { KT_VERSION } from './version';

export interface StepInfo {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  lr: number;
  stepsPerSecond: number;
  reports: Record<string, number>;
}

/** Observers of a training loop: progress, metric files, custom hooks. */
export interface TrainerCallback {
  onStepEnd?(info: StepInfo): void;
  onEvaluate?(step: number, split: 'val' | 'test', metrics: Metrics): void;
  onCheckpoint?(step: number, dir: string): void;
  /** A problem worth a user's attention that does not stop the run (`kind` e.g. 'runaway-loss'); already logged by the trainer. */
  onWarning?(step: number, kind: string, message: string): void;
  onEnd?(result: TrainResult): void;
}

export interface TrainerOptions {
  run: TaskRun;
  train: TrainConfig;
  /** How the teacher learns (`config.teacherUpdate`); absent = fixed. */
  teacherUpdate?: TeacherUpdateConfig;
  /** Checkpoints go to `<dir>/checkpoints`; without it nothing is written. */
  dir?: string;
  configHash?: string;
  log: Logger;
  callbacks?: TrainerCallback[];
  /** Continue from the latest checkpoint in `dir`. */
  resume?: boolean;
  /** Polled between steps: when true, the trainer checkpoints and returns `interrupted`. */
  shouldStop?: () => boolean;
}

export interface TrainResult {
  status: 'completed' | 'stopped-early' | 'interrupted';
  steps: number;
  totalSteps: number;
  lastLoss: number;
  bestMetric?: number;
  val?: Metrics;
  trainSeconds: number;
  /** Warnings raised during training (also logged and passed to onWarning). */
  warnings: string[];
}

function totalStepsOf(train: TrainConfig, stepsPerEpoch: number): number {
  if (train.steps !== undefined) return train.steps;
  return Math.max(1, Math.ceil((train.epochs ?? 1) * stepsPerEpoch));
}

function isBetter(value: number, best: number | undefined, mode: 'max' | 'min'): boolean {
  if (best === undefined) return true;
  return mode === 'max' ? value > best : value < best;
}

/**
 * The training loop shared by every task: per-step seeded randomness, gradient clipping,
 * learning-rate schedule, evaluation, early stopping (best weights restored at the end),
 * atomic checkpoints every N steps and on interruption, and exact resumption.
 */
export class Trainer {
  private readonly learnerOptimizer: tf.Optimizer;
  private readonly teacherOptimizer?: tf.Optimizer;
  private readonly totalSteps: number;
  /** The MetaDistil settings, or undefined when the teacher is fixed. */
  private readonly meta?: MetaTeacherUpdateConfig;
  /** Second order: the learner's backward pass was checked differentiable (once per trainer). */
  private secondOrderChecked = false;

  constructor(private readonly options: TrainerOptions) {
    const { run } = options;
    this.meta = metaTeacherUpdate(options);
    if (this.meta) {
      const needs = `teacherUpdate.strategy ${this.meta.strategy} needs`;
      if (!run.teacher) throw new ConfigError(`${needs} a teacher, and this task has none (is transfer.alpha 1?)`);
      if (!run.teacher.trainable) throw new ConfigError(`${needs} a trainable teacher; this task keeps its teacher frozen`);
      if (!run.quizLoss) throw new ConfigError(`${needs} a quiz split; this task does not provide one (TaskRun.quizLoss)`);
    }
    this.learnerOptimizer = createOptimizer(options.train);
    if (this.meta) this.teacherOptimizer = createOptimizer(this.meta);
    else if (run.teacher?.trainable && run.teacherLoss) this.teacherOptimizer = createOptimizer(options.train);
    this.totalSteps = totalStepsOf(options.train, run.stepsPerEpoch);
  }

  get steps(): number {
    return this.totalSteps;
  }

  private get checkpointsDir(): string | undefined {
    return this.options.dir ? path.join(this.options.dir, 'checkpoints') : undefined;
  }

  private async snapshot(state: TrainerState): Promise<Map<string, Map<string, tf.Tensor>>> {
    const { run } = this.options;
    const groups = new Map<string, Map<string, tf.Tensor>>();
    groups.set('learner', run.learner.getWeights());
    groups.set('learner-optimizer', await optimizerState(this.learnerOptimizer));
    if (run.teacher?.trainable) groups.set('teacher', run.teacher.getWeights());
    if (this.teacherOptimizer) groups.set('teacher-optimizer', await optimizerState(this.teacherOptimizer));
    void state;
    return groups;
  }

  private async checkpoint(name: string, state: TrainerState): Promise<string | undefined> {
    const dir = this.checkpointsDir;
    if (!dir) return undefined;
    const groups = await this.snapshot(state);
    try {
      const out = writeCheckpoint(dir, name, { state, groups });
      for (const cb of this.options.callbacks ?? []) cb.onCheckpoint?.(state.step, out);
      return out;
    } finally {
      // Weights are copies; optimizer slots are its own variables plus fresh tensors (the iteration count).
      for (const m of groups.values()) for (const t of m.values()) if (!(t instanceof tf.Variable)) t.dispose();
    }
  }

  private async restore(dir: string): Promise<TrainerState> {
    const { run } = this.options;
    const contents = readCheckpoint(dir, this.options.configHash ?? '');
    try {
      const learner = contents.groups.get('learner');
      if (!learner) throw new CheckpointError(`checkpoint ${dir} has no learner weights`);
      run.learner.setWeights(learner);
      const teacher = contents.groups.get('teacher');
      if (teacher && run.teacher) run.teacher.setWeights(teacher);
      const lo = contents.groups.get('learner-optimizer');
      if (lo && lo.size > 0) await restoreOptimizerState(this.learnerOptimizer, lo);
      const to = contents.groups.get('teacher-optimizer');
      if (to && to.size > 0 && this.teacherOptimizer) await restoreOptimizerState(this.teacherOptimizer, to);
    } finally {
      for (const m of contents.groups.values()) disposeMap(m);
    }
    return contents.state;
  }

  private stepContext(step: number, reports: Record<string, number>, rng = Rng.derive(this.options.train.seed, step)): StepContext {
    return {
      step,
      epoch: Math.floor(step / Math.max(1, this.options.run.stepsPerEpoch)),
      rng,
      report: (name, value) => {
        reports[name] = value;
      },
    };
  }

  /** One optimizer update on `vars` of the scalar `f`; returns the loss value (NaN-checked by the caller). */
  private update(optimizer: tf.Optimizer, vars: tf.Variable[], f: () => tf.Scalar): number {
    const { value, grads } = tf.variableGrads(f, vars);
    const loss = value.dataSync()[0]!;
    value.dispose();
    if (!Number.isFinite(loss)) {
      disposeMap(new Map(Object.entries(grads)));
      return loss;
    }
    this.apply(optimizer, grads);
    return loss;
  }

  /** Clips (train.gradClip) and applies `grads`, disposing them. */
  private apply(optimizer: tf.Optimizer, grads: tf.NamedTensorMap): void {
    let applied = grads;
    if (this.options.train.gradClip !== undefined) {
      applied = clipByGlobalNorm(grads, this.options.train.gradClip).grads;
      disposeMap(new Map(Object.entries(grads)));
    }
    optimizer.applyGradients(applied);
    disposeMap(new Map(Object.entries(applied)));
  }

  /**
   * MetaDistil's teacher update at `step` (0-based): the teacher's gradient of the learner's quiz loss after a
   * pilot SGD step on the KD loss (plus the task's `teacherLoss`, if any), applied with the teacher's
   * optimizer. The learner's variables are back at θ, bit for bit, when it returns. `replay()` gives each
   * loss evaluation a step context whose rng starts from the same state (same dropout masks).
   */
  private metaUpdate(meta: MetaTeacherUpdateConfig, step: number, lr: number, replay: () => StepContext, prepared: Prepared, reports: Record<string, number>): void {
    const { run } = this.options;
    const teacherVars = run.teacher!.trainableVariables();
    const learnerVars = run.learner.trainableVariables();
    if (meta.strategy === 'metadistil' && !this.secondOrderChecked) {
      // A gradient computed off the tape would silently drop its part of the meta-gradient: refuse instead.
      const check = checkBackwardDifferentiable(learnerVars, () => run.loss(replay(), prepared));
      if (!check.ok) {
        throw new ConfigError(
          "teacherUpdate.strategy metadistil: the learner's backward pass cannot be differentiated again on this backend " +
            "(an op computes its gradient outside the tape, e.g. a fused kernel or a JS gradient that ignores core's runComposite: " +
            `${check.reason}); use teacherUpdate.strategy metadistil-first-order`,
        );
      }
      this.secondOrderChecked = true;
    }
    const result = metaTeacherGradients({
      learnerVars,
      teacherVars,
      kdLoss: () => run.loss(replay(), prepared),
      quizLoss: () => run.quizLoss!(replay(), prepared),
      pilotLr: meta.pilotLr ?? lr,
      order: meta.strategy === 'metadistil' ? 'second' : 'first',
    });
    const grads = result.grads;
    try {
      if (!Number.isFinite(result.quizLoss)) throw new NonFiniteLossError(step + 1, result.quizLoss);
      reports['quiz_loss'] = result.quizLoss;
      if (run.teacherLoss) {
        const extra = tf.variableGrads(() => run.teacherLoss!(replay(), prepared), teacherVars);
        const tl = extra.value.dataSync()[0]!;
        extra.value.dispose();
        for (const [name, g] of Object.entries(extra.grads)) {
          const sum = grads[name] ? tf.add(grads[name]!, g) : tf.clone(g);
          grads[name]?.dispose();
          g.dispose();
          grads[name] = sum;
        }
        if (!Number.isFinite(tl)) throw new NonFiniteLossError(step + 1, tl);
        reports['teacher_loss'] = tl;
      }
    } catch (err) {
      disposeMap(new Map(Object.entries(grads)));
      throw err;
    }
    setLearningRate(this.teacherOptimizer!, meta.lr);
    this.apply(this.teacherOptimizer!, grads);
  }

  async fit(): Promise<TrainResult> {
    const { run, train, log } = this.options;
    const callbacks = this.options.callbacks ?? [];
    const es = train.earlyStopping;
    let state: TrainerState = {
      step: 0,
      configHash: this.options.configHash ?? '',
      evalsSinceBest: 0,
      elapsedSeconds: 0,
      ktVersion: KT_VERSION,
    };
    if (this.options.resume && this.checkpointsDir) {
      const dir = latestCheckpoint(this.checkpointsDir);
      if (dir) {
        state = await this.restore(dir);
        log.info(`resumed from ${dir} after step ${state.step}; continuing with step ${state.step + 1}`);
      } else {
        log.info('no checkpoint to resume from; starting at step 1');
      }
    }
    const learnerVars = run.learner.trainableVariables();
    const teacherVars = run.teacher?.trainable ? run.teacher.trainableVariables() : [];
    const started = Date.now() - state.elapsedSeconds * 1000;
    let lastLoss = Number.NaN;
    let lastVal: Metrics | undefined;
    let status: TrainResult['status'] = 'completed';
    const warnings: string[] = [];
    const runaway = new RunawayLossMonitor();
    let windowStart = Date.now();
    let windowSteps = 0;

    const saveBest = async (): Promise<void> => {
      if (this.checkpointsDir) await this.checkpoint('best', { ...state });
    };
    const evaluate = async (step: number): Promise<boolean> => {
      const metrics = await run.evaluate('val');
      lastVal = metrics;
      for (const cb of callbacks) cb.onEvaluate?.(step, 'val', metrics);
      if (!es) return false;
      const value = metrics[es.metric];
      if (value === undefined) {
        throw new ConfigError(`train.earlyStopping.metric "${es.metric}" is not reported; the task reports: ${Object.keys(metrics).join(', ')}`);
      }
      if (isBetter(value, state.bestMetric, es.mode)) {
        state.bestMetric = value;
        state.evalsSinceBest = 0;
        await saveBest();
        return false;
      }
      state.evalsSinceBest += 1;
      return state.evalsSinceBest >= es.patience;
    };

    // A stop requested inside the task's own work (TaskContext.shouldStop) ends the run `interrupted`; other errors propagate.
    const interrupted = (err: unknown, hint = ''): 'interrupted' => {
      if (!(err instanceof RunInterruptedError)) throw err;
      log.info(`${err.message}${hint}`);
      return 'interrupted';
    };

    let lastCheckpointStep = -1;
    if (train.evalAtStart === true && state.step === 0) {
      try {
        await evaluate(0);
      } catch (err) {
        // Stopped inside this validation: checkpointed at step 0 below; a resumed run evaluates again.
        status = interrupted(err);
      }
    }
    for (let step = state.step; status !== 'interrupted' && step < this.totalSteps; step++) {
      // Let signal handlers (Ctrl-C) and timers run between steps.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.options.shouldStop?.()) {
        status = 'interrupted';
        break;
      }
      const reports: Record<string, number> = {};
      const ctx = this.stepContext(step, reports);
      let prepared: Prepared;
      try {
        prepared = run.prepareStep ? await run.prepareStep(ctx) : undefined;
      } catch (err) {
        // Stopped inside the step's preparation: the step is not taken.
        status = interrupted(err);
        break;
      }
      const lr = learningRateAt(train, step, this.totalSteps);
      setLearningRate(this.learnerOptimizer, lr);
      try {
        const meta = this.meta;
        let learnerCtx = ctx;
        if (meta) {
          // Every loss evaluation of this step (pilot, meta-gradient, real step) draws the same numbers.
          const rngState = ctx.rng.getState();
          const replay = (): StepContext => this.stepContext(step, reports, Rng.fromState(rngState));
          if (step % meta.every === 0) this.metaUpdate(meta, step, lr, replay, prepared, reports);
          // The pilot update: the learner's real step from the restored θ, with the updated teacher.
          learnerCtx = replay();
        }
        lastLoss = this.update(this.learnerOptimizer, learnerVars, () => run.loss(learnerCtx, prepared));
        // Users read steps counted from 1 (progress, metrics, checkpoints): this is step number step + 1.
        if (!Number.isFinite(lastLoss)) throw new NonFiniteLossError(step + 1, lastLoss);
        if (!this.meta && this.teacherOptimizer && run.teacherLoss) {
          setLearningRate(this.teacherOptimizer, lr);
          const tl = this.update(this.teacherOptimizer, teacherVars, () => run.teacherLoss!(ctx, prepared));
          if (!Number.isFinite(tl)) throw new NonFiniteLossError(step + 1, tl);
          reports['teacher_loss'] = tl;
        }
      } finally {
        disposePrepared(prepared);
      }
      state.step = step + 1;
      windowSteps += 1;
      const now = Date.now();
      const rate = windowSteps / Math.max(1e-3, (now - windowStart) / 1000);
      if (now - windowStart > 5000) {
        windowStart = now;
        windowSteps = 0;
      }
      state.elapsedSeconds = (now - started) / 1000;
      const info: StepInfo = { step: state.step, totalSteps: this.totalSteps, epoch: ctx.epoch, loss: lastLoss, lr, stepsPerSecond: rate, reports };
      for (const cb of callbacks) cb.onStepEnd?.(info);
      const warning = runaway.observe(state.step, lastLoss);
      if (warning !== undefined) {
        for (const cb of callbacks) cb.onWarning?.(state.step, 'runaway-loss', warning);
        log.warn(warning);
        warnings.push(warning);
      }

      let stop = false;
      if (train.evalEvery !== undefined && state.step % train.evalEvery === 0 && state.step < this.totalSteps) {
        try {
          stop = await evaluate(state.step);
        } catch (err) {
          // Stopped inside a validation: the step is checkpointed below; a resumed run continues with the next
          // step (this validation is not redone).
          status = interrupted(err);
          break;
        }
      }
      if (train.checkpointEvery !== undefined && state.step % train.checkpointEvery === 0) {
        await this.checkpoint(checkpointName(state.step), { ...state });
        lastCheckpointStep = state.step;
      }
      if (stop) {
        status = 'stopped-early';
        log.info(`early stopping at step ${state.step}: ${es!.metric} did not improve for ${es!.patience} evaluations`);
        break;
      }
    }

    state.elapsedSeconds = (Date.now() - started) / 1000;
    if (lastCheckpointStep !== state.step) await this.checkpoint(checkpointName(state.step), { ...state });
    if (status === 'interrupted') {
      log.info(`interrupted at step ${state.step}; resume with --resume`);
    } else {
      if (status === 'completed' && (es || train.evalEvery !== undefined)) {
        try {
          await evaluate(state.step);
        } catch (err) {
          // The last step is checkpointed: a resumed run redoes this validation.
          status = interrupted(err, '; resume with --resume');
        }
      }
      if (status !== 'interrupted' && es && this.checkpointsDir && fs.existsSync(path.join(this.checkpointsDir, 'best'))) {
        await this.restore(path.join(this.checkpointsDir, 'best'));
        lastVal = await run.evaluate('val');
        log.info(`restored the best weights (${es.metric} = ${state.bestMetric})`);
      }
    }
    const result: TrainResult = {
      status,
      steps: state.step,
      totalSteps: this.totalSteps,
      lastLoss,
      bestMetric: state.bestMetric,
      val: lastVal,
      trainSeconds: state.elapsedSeconds,
      warnings,
    };
    for (const cb of callbacks) cb.onEnd?.(result);
    return result;
  }

  dispose(): void {
    this.learnerOptimizer.dispose();
    this.teacherOptimizer?.dispose();
  }
}

function disposePrepared(prepared: unknown): void {
  if (prepared && typeof prepared === 'object' && typeof (prepared as { dispose?: unknown }).dispose === 'function') {
    (prepared as { dispose: () => void }).dispose();
  }
}
