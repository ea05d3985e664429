import * as path from 'path';

/** /work/shared/data or $KT_SHARED_DATA: the repository root's ../shared/data. */
export function sharedDataDir(): string {
  return process.env.KT_SHARED_DATA ?? path.resolve(__dirname, '../../../..', '../shared/data');
}
