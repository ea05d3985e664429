import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The shared reference data folder: $KT_SHARED_DATA or <repo root>/../shared/data. */
export const SHARED_DATA = process.env['KT_SHARED_DATA'] ?? path.resolve(__dirname, '../../../..', '../shared/data');
export const MULTI30K_DIR = path.join(SHARED_DATA, 'multi30k');

/** `describe`, or `describe.skip` with a message when Multi30k is absent. */
export function describeWithMulti30k(name: string, fn: () => void): void {
  if (existsSync(path.join(MULTI30K_DIR, 'val.en.gz'))) {
    describe(name, fn);
  } else {
    console.warn(`skipping "${name}": Multi30k not found at ${MULTI30K_DIR} (set KT_SHARED_DATA)`);
    describe.skip(name, fn);
  }
}
