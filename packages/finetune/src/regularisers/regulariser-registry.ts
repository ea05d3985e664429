import type { ConfigIssue } from '@kt/core';
import type { FinetuneConfig } from '../config-schema';
import { atRegulariser } from './at-regulariser';
import { bssRegulariser } from './bss-regulariser';
import { deltaRegulariser } from './delta-regulariser';
import { kdRegulariser } from './kd-regulariser';
import { l2Regulariser } from './l2-regulariser';
import { l2SpRegulariser } from './l2-sp-regulariser';
import { noneRegulariser } from './none-regulariser';
import { tredRegulariser } from './tred-regulariser';
import type { Regulariser, RegulariserDefinition, RegulariserSetup } from './regulariser';
import { RegulariserSchema, type RegulariserConfig, type RegulariserConfigOf, type RegulariserName } from './regulariser-schema';

/** The registry: one explicit typed object, one line per regulariser (a name of the schema missing here is a compile error). */
export const REGULARISERS: { readonly [N in RegulariserName]: RegulariserDefinition<N> } = Object.freeze({
  none: noneRegulariser,
  l2: l2Regulariser,
  'l2-sp': l2SpRegulariser,
  at: atRegulariser,
  delta: deltaRegulariser,
  bss: bssRegulariser,
  tred: tredRegulariser,
  kd: kdRegulariser,
});

/** Every regulariser name, in the schema's order. */
export const REGULARISER_NAMES: readonly RegulariserName[] = RegulariserSchema.options.map((o) => o.shape.name.value);

function definitionOf<N extends RegulariserName>(cfg: RegulariserConfigOf<N>): RegulariserDefinition<N> {
  return REGULARISERS[cfg.name] as RegulariserDefinition<N>;
}

/** The problems of every `regularisers` entry (`regularisers.<i>.<field>`). */
export function regulariserIssues(config: FinetuneConfig): ConfigIssue[] {
  return config.regularisers.flatMap((cfg: RegulariserConfig, i) => definitionOf(cfg).issues(cfg as never, config, `regularisers.${i}`));
}

/** Builds every configured regulariser (in order); on an error, frees the ones already built. */
export function createRegularisers(config: FinetuneConfig, setup: RegulariserSetup): Regulariser[] {
  const built: Regulariser[] = [];
  try {
    for (const cfg of config.regularisers) built.push(definitionOf(cfg).create(cfg as never, setup));
    return built;
  } catch (err) {
    for (const r of built) r.dispose();
    throw err;
  }
}
