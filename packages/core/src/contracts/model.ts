import type * as tf from '@tensorflow/tfjs';

/**
 * Anything with weights that kt trains, checkpoints or scores with. Weight names are stable across
 * processes so checkpoints written by one run load into another.
 */
export interface Model {
  readonly name: string;
  /** The variables an optimizer may update. */
  trainableVariables(): tf.Variable[];
  /** Copies of every weight (trainable or not) by a stable name; the caller owns and disposes them. */
  getWeights(): Map<string, tf.Tensor>;
  /** Assigns weights by name (does not take ownership); throws when a name or shape does not match. */
  setWeights(weights: Map<string, tf.Tensor>): void;
  parameterCount(): number;
  dispose(): void;
}

/** The model being taught: the distribution p_θ whose parameters θ train. */
export const Learner = Symbol('Learner');
export type Learner = Model;

/**
 * The model that teaches: the distribution q. Usually frozen; a trainable teacher learns from the learner's
 * feedback: MetaDistil through `teacherUpdate` and `TaskRun.quizLoss`, or a task's own `TaskRun.teacherLoss`.
 */
export const Teacher = Symbol('Teacher');
export interface Teacher extends Model {
  readonly trainable: boolean;
}

/** What a task's own model class provides: the weight methods of `Model`, without kt's naming or role. */
export type WeightedModel = Pick<Model, 'trainableVariables' | 'getWeights' | 'setWeights' | 'parameterCount' | 'dispose'>;

/** A task's model seen through kt's Model contract, still reachable as `.model` for the task's own code. */
export type Wrapped<M> = { readonly model: M };

function wrap<M extends WeightedModel>(model: M, name: string): Model & Wrapped<M> {
  return {
    model,
    name,
    trainableVariables: () => model.trainableVariables(),
    getWeights: () => model.getWeights(),
    setWeights: (w) => model.setWeights(w),
    parameterCount: () => model.parameterCount(),
    dispose: () => model.dispose(),
  };
}

/** The learner role: a task's model whose variables the trainer updates (p_θ). */
export function asLearner<M extends WeightedModel>(model: M, name = 'learner'): Learner & Wrapped<M> {
  return wrap(model, name);
}

/**
 * The teacher role: a task's model that scores or generates (q). Frozen unless `trainable` (MetaDistil's
 * teacher, `teacherUpdate`, learns from the learner's quiz loss; see `TaskRun.quizLoss`).
 */
export function asTeacher<M extends WeightedModel>(model: M, options: { name?: string; trainable?: boolean } = {}): Teacher & Wrapped<M> {
  return { ...wrap(model, options.name ?? 'teacher'), trainable: options.trainable ?? false };
}
