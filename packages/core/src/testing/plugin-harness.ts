import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { Container } from 'inversify';
import type { BaseExperimentConfig } from '../config/experiment-schema';
import { applyOverrides, readConfigFile, type RawConfig } from '../config/load-config';
import type { KtPlugin } from '../contracts/plugin';
import { createMemoryLogger, type Logger } from '../runtime/logger';
import { buildContainer, PluginRegistry } from '../runtime/plugin-registry';
import { resolveExperimentConfig, runExperiment, type RunExperimentOptions, type RunOutcome } from '../runtime/run-experiment';
import { tempDirs } from './temp-dirs';

/** What {@link PluginHarness.run} takes besides the config: every `runExperiment` option, each with a test default. */
export type HarnessRunOptions = Partial<Omit<RunExperimentOptions, 'config' | 'container'>>;

/** A run's outcome and the lines its memory logger kept (none when the caller passed a logger without `lines`). */
export interface HarnessRun extends RunOutcome {
  log: string[];
}

/** One plugin, composed as the CLI composes it, with temp directories that outlive no test file. */
export interface PluginHarness {
  readonly plugin: KtPlugin;
  readonly registry: PluginRegistry;
  readonly container: Container;
  /** The plugin's shipped configs folder (`plugin.configsDir`). */
  readonly configsDir: string;
  /** The file names of the shipped configs (`*.yaml`), sorted. */
  shippedConfigs(): string[];
  /** A fresh temp directory, removed after the test file (or the describe block the harness was made in). */
  tmp(prefix?: string): string;
  /**
   * A raw config: a shipped config by file name (a relative name is read from `configsDir`, an absolute path as
   * it is) or a raw object (not changed), with `key=value` overrides applied.
   */
  raw(source: string | RawConfig, overrides?: readonly string[]): RawConfig;
  /** {@link raw}, resolved through the plugin's schema (errors name the file when `source` is one). */
  config(source: string | RawConfig, overrides?: readonly string[]): BaseExperimentConfig;
  /**
   * Runs `config` with the plugin's container. Defaults: a new temp `outDir` (unless `resumeDir` or `runDir` says
   * where the run is), a memory logger, the current tfjs backend (`tf.getBackend()`), no progress output.
   */
  run(config: BaseExperimentConfig, options?: HarnessRunOptions): Promise<HarnessRun>;
}

/**
 * The set-up every plugin spec repeats: a registry and a container holding `plugin` alone (`from` is the package
 * name the registry reports), temp directories removed in an `afterAll` it registers, shipped configs read with
 * overrides, and runs into a temp directory. Call it at the top level of a test file (or of a describe block).
 */
export function pluginHarness(plugin: KtPlugin, from: string): PluginHarness {
  const registry = new PluginRegistry([{ plugin, from }]);
  const container = buildContainer([plugin]);
  const tmp = tempDirs(`kt-${plugin.name}-`);
  const configsDir = (): string => {
    if (plugin.configsDir === undefined) throw new Error(`plugin ${plugin.name} ships no configs (configsDir is not set)`);
    return plugin.configsDir;
  };
  const raw = (source: string | RawConfig, overrides: readonly string[] = []): RawConfig => {
    const base = typeof source === 'string' ? readConfigFile(path.isAbsolute(source) ? source : path.join(configsDir(), source)) : source;
    return overrides.length === 0 ? base : applyOverrides(base, overrides);
  };
  return {
    plugin,
    registry,
    container,
    get configsDir(): string {
      return configsDir();
    },
    shippedConfigs: () =>
      fs
        .readdirSync(configsDir())
        .filter((f) => f.endsWith('.yaml'))
        .sort(),
    tmp,
    raw,
    config: (source, overrides) => resolveExperimentConfig(raw(source, overrides), registry, typeof source === 'string' ? source : undefined),
    async run(config, options = {}) {
      const log: Logger & { lines?: string[] } = options.log ?? createMemoryLogger();
      const fresh = options.resumeDir === undefined && options.runDir === undefined;
      const outDir = options.outDir ?? (fresh ? tmp() : undefined);
      const outcome = await runExperiment({ backend: tf.getBackend(), progress: false, ...options, outDir, config, container, log });
      return { ...outcome, log: log.lines ?? [] };
    },
  };
}
