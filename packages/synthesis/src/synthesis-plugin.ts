import * as fs from 'fs';
import * as path from 'path';
import type { KtPlugin } from '@kt/core';
import { SYNTHESIS_PLUGIN, SynthesisConfigSchema } from './config-schema';
import { synthesisModule } from './synthesis-module';

/** The package root (one level above `src/` or `dist/`). */
const packageRoot = path.resolve(__dirname, '..');

function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** The synthesis task family; `kt` finds it through `"kt": { "plugin": "synthesisPlugin" }` in package.json. */
export const synthesisPlugin: KtPlugin = {
  name: SYNTHESIS_PLUGIN,
  version: packageVersion(),
  description: "inductive program synthesis: typed DSL, guided enumeration, library learning, language-guided search (DreamCoder, LAPS)",
  configSchema: SynthesisConfigSchema,
  module: synthesisModule,
  configsDir: path.join(packageRoot, 'configs'),
};
