import { z } from 'zod';
import type { CliIo } from './cli-io';
import type { PluginCatalog } from './plugin-catalog';

/** What every command's action gets from the composition root. */
export interface CommandContext {
  io: CliIo;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Plugins discovered at start-up (workspace, installed `@kt/*`, KT_PLUGINS). */
  catalog: PluginCatalog;
  /** Gives the process a non-zero exit code without raising an error (e.g. an interrupted run). */
  setExitCode(code: number): void;
}

/** Options every command accepts (defined once on the program). */
export const globalOptionsShape = {
  debug: z.boolean().default(false),
};

/** Commander option parser collecting a repeatable option into a list. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** True when KT_DEBUG asks for debug output. */
export function debugFromEnv(env: NodeJS.ProcessEnv): boolean {
  const v = (env['KT_DEBUG'] ?? '').trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}
