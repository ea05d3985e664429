import { complexScorer } from './complex';
import { distmultScorer } from './distmult';
import type { KgScorer } from './kg-scorer';
import type { ModelKind, ModelSpec } from './model-spec';
import { rotateScorer } from './rotate';
import { transeScorer } from './transe';

/** Every model by kind: one entry per kind of the schema (checked by the compiler and a test). */
export const SCORERS: { readonly [K in ModelKind]: (spec: Extract<ModelSpec, { kind: K }>) => KgScorer } = {
  transe: (s) => transeScorer(s.dim, s.norm, s.gamma),
  rotate: (s) => rotateScorer(s.dim, s.gamma),
  distmult: (s) => distmultScorer(s.dim),
  complex: (s) => complexScorer(s.dim),
};

export function scorerOf(spec: ModelSpec): KgScorer {
  return (SCORERS[spec.kind] as (s: ModelSpec) => KgScorer)(spec);
}
