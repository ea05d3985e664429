export { synthesisPlugin } from './synthesis-plugin';
export { synthesisModule } from './synthesis-module';
export {
  SYNTHESIS_PLUGIN,
  SYNTHESIS_TASKS,
  SynthesisConfigSchema,
  SuiteSchema,
  SearchSchema,
  RecognitionSchema,
  LibrarySchema,
  LanguageSchema,
  type SuiteConfig,
  type SynthesisConfig,
  type SynthesisTaskName,
} from './config-schema';
export { SYNTHESIS_TASK_BY_NAME, SYNTHESIS_TASK_LIST } from './tasks/synthesis-tasks';
export { wakeSleepTask, wakeSleepIssues, learnedPrimitives, WAKE_SLEEP_METRICS, type LearnedPrimitive, type SolvedProgramsJson } from './tasks/wake-sleep-task';
export { synthesisReportContribution } from './report/synthesis-report-contribution';
export { loadSuite, suiteIssues, suiteProgramTask, spread, type LoadedSuite } from './suites/load-suite';

// The language: types, programs, inference, primitives, interpreter.
export * from './lang/types';
export * from './lang/program';
export { inferType, inferWith, checksAgainst, TypeInferenceError } from './lang/infer';
export { parseProgram, invented, ProgramSyntaxError } from './lang/parse-program';
export {
  runProgram,
  evaluateOpen,
  Evaluator,
  currentEvaluator,
  RuntimeFault,
  StepLimitExceeded,
  valuesEqual,
  valueKey,
  DEFAULT_MAX_STEPS,
  MAX_LIST_LENGTH,
  type Value,
} from './lang/interpreter';
export { listPrimitives, textPrimitives, recursionPrimitives, allPrimitives, DELIMITERS, PRIMITIVE_SETS, type PrimitiveSetName } from './lang/primitives';
export { jsonType, valueFromJson, valueToJson, showValue, ValueTypeError } from './lang/json-values';

// Search: grammar, enumeration, solving.
export { Grammar, ROOT_PARENT, bigramKey, callableKey, derive, descriptionLength, etaExpand, type Candidate, type ChoiceUse, type Derivation, type GrammarJson } from './search/grammar';
export { enumerateWindow, enumerateByCost, SearchStopped, type EnumerationOptions, type EnumerationStats, type ProgramSink } from './search/enumerate';
export { solveTask, fitsExamples, type Example, type ProgramTask, type SearchBudget, type Solution, type SearchReport } from './search/solve';
export { fitGrammar, type Frontier, type FitOptions } from './search/fit-grammar';
export { solveTasksParallel, defaultWorkerCount, type ParallelOptions } from './search/solve-parallel';
export { sampleProgram, type SampleOptions, type SampledProgram } from './search/sample-program';

// Library learning.
export {
  compress,
  languageLikelihood,
  proposeFragments,
  rewriteWith,
  frontiersDescriptionLength,
  type CompressOptions,
  type CompressionResult,
  type CompressionLanguage,
  type CompressionStep,
  type Fragment,
} from './library/compress';

// Files and the command line.
export {
  loadTaskFile,
  tasksFromJson,
  inferTaskType,
  parseJsonText,
  jsonErrorOffset,
  readJsonFile,
  TaskFileSchema,
  TaskFileEntrySchema,
  type TaskFileEntry,
  type LoadedTask,
} from './io/task-file';
export { saveLibrary, loadLibrary, LIBRARY_FILE, LIBRARY_FORMAT, LibraryFileSchema, LanguageModelFileSchema, type LibraryFileJson, type LoadedLibrary } from './io/library-file';
export {
  synthesisSolve,
  synthesisSolveContribution,
  synthesisCommandGroup,
  readTasks,
  SynthesisSolveOptionsSchema,
  type SynthesisSolveOptions,
  type SynthesisSolveResult,
  type SolvePrior,
} from './cli/solve-command';

// Task suites (issue #16 §4).
export {
  buildTask,
  buildSuite,
  splitByFamily,
  stableHash,
  exampleCaps,
  MAX_SAME_OUTPUT_SHARE,
  MIN_EXAMPLES,
  MAX_EXAMPLES,
  type JsonValue,
  type SuiteExample,
  type SuiteTask,
  type TaskSpec,
  type TaskSuite,
} from './suites/suite-task';
export { listFunctionsSuite, listSuiteSpecs, LIST_SUITE_SEED, LIST_SUITE_TEST_SIZE } from './suites/list-suite';
export { textEditingSuite, textSuiteSpecs, TEXT_SUITE_SEED, TEXT_SUITE_TEST_SIZE } from './suites/text-suite';
export { suiteTaskFileEntries, writeTaskFile } from './suites/suite-file';

// LAPS language model (issue #16 §3).
export { tokenizeDescription, stemWord } from './language/tokenize';
export { programTokens, replaceTokenSequence } from './language/program-tokens';
export { IbmModel1, NULL_TOKEN, type Model1Json, type Model1Options, type Model1Training, type ParallelPair } from './language/ibm-model1';
export {
  trainTranslationModel,
  scoreAbstraction,
  languageLogLikelihood,
  primitivePrior,
  type AbstractionScore,
  type LanguageProgramPair,
  type PriorOptions,
  type TranslationModel,
  type TranslationTraining,
} from './language/translation-model';
export { conditionGrammar } from './language/condition-grammar';

// Learning: recognition model and the wake–sleep loop.
export {
  RecognitionModel,
  encodeTask,
  descriptionWords,
  choiceBatchArrays,
  taskBatchArrays,
  CHAR_BUCKETS,
  WORD_BUCKETS,
  MAX_ARGUMENTS,
  MAX_EXAMPLE_CHARS,
  CLOSED,
  type ChoiceBatch,
  type ChoiceBatchArrays,
  type TaskBatchArrays,
  type ChoicePoint,
  type PreparedExample,
  type EncodedTask,
  type RecognitionExample,
  type RecognitionOptions,
  type RecognitionTrainOptions,
} from './recognition/recognition-model';
export {
  runWakeSleep,
  dream,
  abstractionSleep,
  conditionParts,
  inventionsOf,
  iterationMetrics,
  languagePairs,
  recognitionExamples,
  searchTasks,
  taskGrammar,
  type ConditionParts,
  type SearchPhase,
  NO_LANGUAGE_MODEL,
  WAKE_SLEEP_CONDITIONS,
  WAKE_SLEEP_STATE_FILE,
  type LanguageModel,
  type WakeSleepCondition,
  type WakeSleepOptions,
  type IterationMetrics,
  type WakeSleepResult,
} from './wake-sleep/wake-sleep';
export { ibmLanguageModel, ibmLanguageModelFromJson, type IbmLanguageModel, type IbmLanguageModelJson, type IbmLanguageModelOptions } from './language/ibm-language-model';
