import { MtDataError, readTextLines, syntheticPairs } from '../../src/data';
import {
  BOS_ID,
  BpeTokenizer,
  EOS_ID,
  PAD_ID,
  UNK_ID,
  assertVocabularyMatches,
  preTokenize,
  trainBpe,
  trainBpeForPairs,
} from '../../src/tokenizer';
import * as path from 'node:path';
import { MULTI30K_DIR, describeWithMulti30k } from '../data/shared-data';

const CLASSIC = [
  ...Array(5).fill('low'),
  ...Array(2).fill('lower'),
  ...Array(6).fill('newest'),
  ...Array(3).fill('widest'),
] as string[];

describe('pre-tokenisation', () => {
  it('splits punctuation off and marks the end of whitespace chunks', () => {
    expect(preTokenize("A man's hat.")).toEqual([
      { text: 'A', final: true },
      { text: 'man', final: false },
      { text: "'", final: false },
      { text: 's', final: true },
      { text: 'hat', final: false },
      { text: '.', final: true },
    ]);
  });
});

describe('trainBpe', () => {
  it('learns the merges of the classic example with deterministic tie-breaking', () => {
    const tok = trainBpe(CLASSIC, { numMerges: 8 });
    expect(tok.toJSON().merges).toEqual([
      ['e', 's'], // 9, ties with (s, t</w>); 'e' < 's'
      ['es', 't</w>'],
      ['l', 'o'],
      ['e', 'w'], // 6, ties with (n,e) and (w,est</w>)
      ['ew', 'est</w>'],
      ['n', 'ewest</w>'],
      ['lo', 'w</w>'],
      ['d', 'est</w>'], // 3, ties with (i,d) and (w,i)
    ]);
    expect(tok.tokenize('lowest newest')).toEqual(['lo', 'w', 'est</w>', 'newest</w>']);
  });

  it('has the special tokens at fixed ids', () => {
    const tok = trainBpe(CLASSIC, { numMerges: 3 });
    expect([PAD_ID, BOS_ID, EOS_ID, UNK_ID]).toEqual([0, 1, 2, 3]);
    expect([0, 1, 2, 3].map((i) => tok.idToToken(i))).toEqual(['<pad>', '<s>', '</s>', '<unk>']);
    const low = tok.encode('low');
    expect(low.length).toBeGreaterThan(0);
    expect(low.every((id) => id > UNK_ID)).toBe(true);
    expect(tok.encode('low', { addBos: true, addEos: true })).toEqual([BOS_ID, ...low, EOS_ID]);
  });

  it('round-trips text through encode/decode, unknown characters become <unk>', () => {
    const pairs = syntheticPairs({ n: 1500, seed: 4 });
    const tok = trainBpe(pairs.map((p) => p.tgt), { vocabSize: 600 });
    expect(tok.vocabSize).toBeLessThanOrEqual(600);
    for (const p of syntheticPairs({ n: 200, seed: 99 })) {
      expect(tok.decode(tok.encode(p.tgt, { addBos: true, addEos: true }))).toBe(p.tgt);
    }
    const ids = tok.encode('lo Ω .');
    expect(ids).toContain(UNK_ID);
    expect(tok.decode(ids)).toBe('lo <unk> .');
    expect(tok.decode([...tok.encode('lo .'), EOS_ID, ...tok.encode('la'), PAD_ID])).toBe('lo .');
  });

  it('does not depend on the order of the training texts', () => {
    const texts = syntheticPairs({ n: 800, seed: 5 }).map((p) => p.src);
    const a = trainBpe(texts, { numMerges: 300 });
    const b = trainBpe([...texts].reverse(), { numMerges: 300 });
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(b.fingerprint()).toBe(a.fingerprint());
  });

  it('saves and restores with toJSON/fromJSON, and checks fingerprints', () => {
    const texts = syntheticPairs({ n: 500, seed: 6 }).map((p) => p.src);
    const tok = trainBpe(texts, { numMerges: 200 });
    const restored = BpeTokenizer.fromJSON(JSON.parse(JSON.stringify(tok)));
    expect(restored.fingerprint()).toBe(tok.fingerprint());
    for (const t of texts.slice(0, 50)) expect(restored.encode(t)).toEqual(tok.encode(t));
    expect(() => assertVocabularyMatches(tok.fingerprint(), restored, 'teacher')).not.toThrow();
    const other = trainBpe(texts, { numMerges: 199 });
    expect(other.fingerprint()).not.toBe(tok.fingerprint());
    expect(() => assertVocabularyMatches(tok.fingerprint(), other, 'teacher')).toThrow(/vocabulary mismatch: the teacher/);
    expect(() => BpeTokenizer.fromJSON({ type: 'bpe', version: 1, lowercase: false, vocab: ['x'], merges: [] })).toThrow(
      MtDataError,
    );
    expect(() => BpeTokenizer.fromJSON({ type: 'wordpiece' })).toThrow(/invalid BPE tokenizer JSON/);
  });

  it('trains joint or separate vocabularies for sentence pairs', () => {
    const pairs = syntheticPairs({ n: 600, seed: 8 });
    const joint = trainBpeForPairs(pairs, { joint: true, numMerges: 200 });
    expect(joint.src).toBe(joint.tgt);
    const separate = trainBpeForPairs(pairs, { joint: false, numMerges: 200 });
    expect(separate.src.fingerprint()).not.toBe(separate.tgt.fingerprint());
    expect(separate.src.decode(separate.src.encode(pairs[0]!.src))).toBe(pairs[0]!.src);
  });
});

describeWithMulti30k('BPE on Multi30k', () => {
  it('learns 8000 merges on the English training side and round-trips it', async () => {
    const en = await readTextLines(path.join(MULTI30K_DIR, 'train.en.gz'));
    const tok = trainBpe(en, { numMerges: 8000 });
    expect(tok.numMerges).toBe(8000);
    let tokens = 0;
    const mismatches: string[] = [];
    for (const s of en) {
      const ids = tok.encode(s);
      tokens += ids.length;
      if (tok.decode(ids) !== s.trim().split(/\s+/).join(' ')) mismatches.push(s);
    }
    expect(mismatches).toEqual([]);
    expect(tokens / en.length).toBeLessThan(16);
  }, 60000);
});
