import { MtDataError } from '../data/mt-data-error';

/**
 * Checks a corpus against its reference streams (`refs[k][i]` = reference k of segment i, sacreBLEU's layout)
 * and returns the references of each segment. As in sacreBLEU 2.6, an empty reference string is a reference
 * (of length 0), not a missing one.
 */
export function segmentReferences(hyps: readonly string[], refs: readonly (readonly string[])[]): string[][] {
  if (refs.length === 0) throw new MtDataError('no reference stream given');
  refs.forEach((stream, k) => {
    if (stream.length !== hyps.length) {
      throw new MtDataError(`reference stream ${k + 1} has ${stream.length} segments, the hypotheses have ${hyps.length}`);
    }
  });
  return hyps.map((_, i) => refs.map((stream) => stream[i] as string));
}

/** sacreBLEU's nrefs signature field. */
export function referenceCountLabel(perSegment: readonly (readonly string[])[]): string {
  return String(perSegment[0]?.length ?? 0);
}
