import type { ContainerModule } from 'inversify';
import type { z } from 'zod';

/** A CLI contribution: a plugin adds subcommands (e.g. `kt mt score`) to the program it is given. */
export const CliContribution = Symbol('CliContribution');
export interface CliContribution {
  /** `program` is a commander `Command`; typed loosely so core does not depend on commander. */
  configure(program: unknown): void;
}

/**
 * A task family packaged for kt: an inversify module binding `Task`s (and `Metric`s,
 * `CliContribution`s), the zod schema of its experiment configs, and the configs it ships.
 */
export const KtPlugin = Symbol('KtPlugin');
export interface KtPlugin {
  /** Matches `config.plugin`. Lower-case, e.g. `mt`. */
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** The full experiment schema for this plugin: the base schema extended with `plugin: z.literal(name)`. */
  readonly configSchema: z.ZodType;
  readonly module: ContainerModule;
  /** Absolute path of the folder holding the plugin's ready-to-run configs, if any. */
  readonly configsDir?: string;
}
