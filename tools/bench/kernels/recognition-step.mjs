// The synthesis plugin's recognition-model training step, for the kernel benchmark: @kt/synthesis's RecognitionModel
// (embedding 32, hidden 64, description words on: the LAPS conditions' model) on one minibatch of 16 training pairs of
// the text-editing suite's grammar (45 productions + variable → 46 outputs): 12 train tasks of the suite with the
// program the suite gives for them (a solved task's frontier; with their descriptions) and 4 dreams sampled from the
// uniform grammar and run on train tasks' inputs (wake–sleep's dream sleep), as runWakeSleep pairs them; the unigram
// head (bigram: false: the reference has no bigram offsets). The step is what RecognitionModel.train does per
// minibatch: Adam (core's createOptimizer, lr 0.01) on nll — the encoded
// tasks → predicted unigram log-weights, masked to the choices open at each choice point of each program, and core's
// sequenceNll (cross-entropy = forward KL from the search posterior over the frontier, up to its entropy) averaged with
// weight 1 / (programs of the task). The batch's choice points are derived once (prepare), as train does.
// Needs the built packages: `npx nx run-many -t build -p @kt/core,@kt/synthesis`.
import * as tf from '@tensorflow/tfjs';
import { createOptimizer, Rng } from '@kt/core';
import * as synthesis from '@kt/synthesis';

export const RECOGNITION_STEP = { suite: 'text', frontiers: 12, dreams: 4, embedding: 32, hidden: 64, useWords: true, lr: 0.01, seed: 0 };

/** Tiny shapes for tests (same code paths). */
export const RECOGNITION_STEP_TINY = { ...RECOGNITION_STEP, frontiers: 3, dreams: 1, embedding: 8, hidden: 8 };

export function recognitionStepDescription(cfg = RECOGNITION_STEP) {
  return `RecognitionModel E${cfg.embedding} H${cfg.hidden}${cfg.useWords ? ' + words' : ''}, ${cfg.suite} suite grammar, batch ${cfg.frontiers} frontier tasks + ${cfg.dreams} dreams`;
}

const toTask = (t) => ({
  name: t.name,
  request: synthesis.parseType(t.type),
  description: (t.descriptions ?? [])[0],
  examples: t.examples.map((e) => ({ inputs: e.inputs.map((v) => synthesis.valueFromJson(v)), output: synthesis.valueFromJson(e.output) })),
});

/** The base grammar and the batch's training pairs (frontiers of suite tasks with a program, then dreams). */
function trainingPairs(cfg) {
  const suite = cfg.suite === 'list' ? synthesis.listFunctionsSuite() : synthesis.textEditingSuite();
  const grammar = synthesis.Grammar.uniform([...synthesis.PRIMITIVE_SETS[suite.primitives]().values()]);
  const solved = suite.train.filter((t) => t.program !== undefined);
  if (solved.length < cfg.frontiers) throw new Error(`recognition step: the ${cfg.suite} suite has ${solved.length} train tasks with a program, fewer than ${cfg.frontiers}`);
  const stride = Math.floor(solved.length / cfg.frontiers);
  const frontiers = Array.from({ length: cfg.frontiers }, (_, i) => solved[i * stride]).map((t) => ({ task: toTask(t), programs: [synthesis.parseProgram(t.program)] }));
  // dream() gives up after 5 attempts a dream (most sampled programs fault or are constant): ask for more, keep the first.
  const dreams = synthesis.dream(grammar, suite.train.map(toTask), 4 * cfg.dreams + 8, Rng.fromSeed(cfg.seed + 3)).slice(0, cfg.dreams);
  if (dreams.length < cfg.dreams) throw new Error(`recognition step: ${dreams.length} dreams of the ${cfg.dreams} asked`);
  return { grammar, pairs: [...frontiers, ...dreams] };
}

/**
 * The minibatch as the dense arrays RecognitionModel.nll builds its tensors from — @kt/synthesis's choiceBatchArrays,
 * the model's own batch builder — for reference/recognition_step.py: character ids [examples, chars], per-task example
 * averaging [tasks, examples], description bag [tasks, words], and per choice point its task, target, open-choice mask
 * and weight.
 */
function batchArrays(model, prepared) {
  const a = synthesis.choiceBatchArrays(prepared, model.outputs, { useWords: model.useWords });
  return [
    ['batch.chars', tf.tensor2d(a.chars, [a.examples, synthesis.MAX_EXAMPLE_CHARS], 'int32')],
    ['batch.pool', tf.tensor2d(a.pool, [a.tasks, a.examples])],
    ['batch.bag', tf.tensor2d(a.bag, [a.tasks, synthesis.WORD_BUCKETS])],
    ['batch.taskOf', tf.tensor1d(a.taskOf, 'int32')],
    ['batch.targets', tf.tensor1d(a.targets, 'int32')],
    ['batch.masks', tf.tensor2d(a.masks, [a.points, a.outputs])],
    ['batch.weights', tf.tensor1d(a.weights)],
  ];
}

/** Builds the model, the prepared minibatch and the optimizer on the current backend; step() → loss. */
export function recognitionTrainer(cfg = RECOGNITION_STEP) {
  const { grammar, pairs } = trainingPairs(cfg);
  const model = new synthesis.RecognitionModel(grammar.productions.length + 1, Rng.fromSeed(cfg.seed + 1), { embedding: cfg.embedding, hidden: cfg.hidden, useWords: cfg.useWords, bigram: false });
  const prepared = pairs.map((p) => model.prepare(grammar, p));
  const lost = prepared.findIndex((p) => p === undefined);
  if (lost >= 0) throw new Error(`recognition step: the grammar cannot derive the program of training pair ${lost}`);
  const opt = createOptimizer({ optimizer: 'adam', lr: cfg.lr });
  const vars = model.trainableVariables();
  const loss = () => model.nll(prepared);
  const choicePoints = prepared.reduce((n, p) => n + p.derivations.reduce((m, d) => m + d.length, 0), 0);
  const owned = [];
  return {
    optimizer: opt,
    evalLoss: () => tf.tidy(() => loss().dataSync()[0]),
    /** The model's weights (its stable names) and the batch as dense arrays, as reference/recognition_step.py reads them. */
    namedTensors() {
      const named = [...model.getWeights()].map(([name, t]) => [`model.${name}`, t]);
      named.push(...batchArrays(model, prepared));
      owned.push(...named.map(([, t]) => t));
      return named;
    },
    meta: { config: { ...cfg, outputs: model.outputs, tasks: prepared.length, choicePoints } },
    step() {
      const l = opt.minimize(loss, true, vars);
      const v = l.dataSync()[0];
      l.dispose();
      return v;
    },
    dispose() {
      opt.dispose();
      model.dispose();
      tf.dispose(owned);
    },
  };
}
