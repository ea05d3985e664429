export type { Direction, KgScorer } from './kg-scorer';
export { broadcastAll } from './distance-all';
export { transeScorer } from './transe';
export { rotateScorer } from './rotate';
export { distmultScorer } from './distmult';
export { complexScorer } from './complex';
export { SCORERS, scorerOf } from './model-registry';
export { ModelSpecSchema, type ModelSpec, type ModelSpecInput, type ModelKind } from './model-spec';
export { KgModel, KG_MODEL_VERSION, type EntityRange } from './kg-model';
