import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { jestHook } from './jest-hooks';

/** Makes a fresh directory under the system temp folder, named `<prefix><random>`. */
export type TempDirs = (prefix?: string) => string;

/**
 * A temp-directory maker for one test file (or describe block): call it at the top level; every directory it makes
 * is removed (recursively) in an `afterAll` it registers.
 */
export function tempDirs(defaultPrefix = 'kt-test-'): TempDirs {
  const made: string[] = [];
  jestHook('afterAll')(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return (prefix = defaultPrefix) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
