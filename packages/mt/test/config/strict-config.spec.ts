import { findNonStrictObjects } from '@kt/core';
import { MtConfigSchema } from '../../src/config-schema';
import { BpeTokenizerJsonSchema } from '../../src/tokenizer';

describe('mt config: every object is strict', () => {
  it('MtConfigSchema has no object that drops unknown keys', () => {
    expect(findNonStrictObjects(MtConfigSchema)).toEqual([]);
  });

  it('the saved tokenizer format is strict too', () => {
    expect(findNonStrictObjects(BpeTokenizerJsonSchema)).toEqual([]);
  });

  it('a misspelt key is an error naming it', () => {
    const result = MtConfigSchema.safeParse({ plugin: 'mt', task: 'train', decode: { beams: 4 } });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['decode']);
    expect(result.error!.issues[0]!.message).toMatch(/beams/);
  });
});
