import * as fs from 'fs';
import * as path from 'path';
import type { KtPlugin } from '@kt/core';
import { FINETUNE_PLUGIN, FinetuneConfigSchema } from './config-schema';
import { finetuneModule } from './finetune-module';

/** The package root (one level above `src/` or `dist/`). */
const packageRoot = path.resolve(__dirname, '..');

function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** The finetune task family; `kt` finds it through `"kt": { "plugin": "finetunePlugin" }` in package.json. */
export const finetunePlugin: KtPlugin = {
  name: FINETUNE_PLUGIN,
  version: packageVersion(),
  description: "fine-tuning regularised by the pre-trained starting point (L2-SP, AT, DELTA, BSS, TRED)",
  configSchema: FinetuneConfigSchema,
  module: finetuneModule,
  configsDir: path.join(packageRoot, 'configs'),
};
