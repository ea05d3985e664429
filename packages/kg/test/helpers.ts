import * as fs from 'fs';
import * as path from 'path';
import { tempDirs } from '@kt/core/testing';

/** Temp directories of the test file that imports this module, removed after it (core's tempDirs registers the afterAll). */
const tmpDir = tempDirs('kt-kg-');

/** Writes `files` (name → content) into a new temp directory. */
export function writeFiles(files: Record<string, string>): string {
  const dir = tmpDir();
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** The shared data folder ($KT_SHARED_DATA, or ../shared/data beside the repository or its worktree parent); undefined (with a warning) when absent. */
export function sharedData(sub: string): string | undefined {
  const candidates = [
    process.env['KT_SHARED_DATA'],
    path.resolve(__dirname, '../../../../shared/data'),
    path.resolve(__dirname, '../../../../../shared/data'),
  ].filter((d): d is string => d !== undefined);
  for (const dir of candidates) if (fs.existsSync(path.join(dir, sub))) return path.join(dir, sub);
  console.warn(`skipped: ${sub} not found under ${candidates.join(' or ')} (set KT_SHARED_DATA to the shared data folder)`);
  return undefined;
}
