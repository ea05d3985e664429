import * as path from 'node:path';
import { MtDataError } from './mt-data-error';
import { readParallelFiles, type SentencePair } from './read-corpus';

export const MULTI30K_SPLITS = ['train', 'val', 'test_2016_flickr'] as const;
export const MULTI30K_LANGUAGES = ['de', 'en'] as const;
export type Multi30kSplit = (typeof MULTI30K_SPLITS)[number];
export type Multi30kLanguage = (typeof MULTI30K_LANGUAGES)[number];

export interface ParallelFilePaths {
  src: string;
  tgt: string;
}

/** Paths of a Multi30k (task 1) split laid out as `<root>/<split>.<lang>.gz`. */
export function multi30kFiles(root: string, split: string, src: string, tgt: string): ParallelFilePaths {
  if (!(MULTI30K_SPLITS as readonly string[]).includes(split)) {
    throw new MtDataError(`unknown Multi30k split "${split}"; valid splits: ${MULTI30K_SPLITS.join(', ')}`);
  }
  for (const lang of [src, tgt]) {
    if (!(MULTI30K_LANGUAGES as readonly string[]).includes(lang)) {
      throw new MtDataError(`unknown Multi30k language "${lang}"; valid languages: ${MULTI30K_LANGUAGES.join(', ')}`);
    }
  }
  if (src === tgt) throw new MtDataError(`Multi30k source and target language are both "${src}"`);
  return { src: path.join(root, `${split}.${src}.gz`), tgt: path.join(root, `${split}.${tgt}.gz`) };
}

/** Reads one Multi30k split as sentence pairs. */
export async function loadMulti30k(root: string, split: string, src: string, tgt: string): Promise<SentencePair[]> {
  const files = multi30kFiles(root, split, src, tgt);
  return readParallelFiles(files.src, files.tgt);
}
