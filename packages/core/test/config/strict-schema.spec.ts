import { z } from 'zod';
import { findNonStrictObjects } from '../../src/config/strict-schema';
import { TrainSchema, TransferSchema, defineExperimentSchema } from '../../src/config/experiment-schema';

describe('findNonStrictObjects', () => {
  it('passes strict objects and finds a plain z.object at the root', () => {
    expect(findNonStrictObjects(z.strictObject({ a: z.number() }))).toEqual([]);
    expect(findNonStrictObjects(z.object({ a: z.number() }).strict())).toEqual([]);
    expect(findNonStrictObjects(z.object({ a: z.number() }))).toEqual(['(root)']);
    expect(findNonStrictObjects(z.looseObject({ a: z.number() }))).toEqual(['(root)']);
    expect(findNonStrictObjects(z.strictObject({}).catchall(z.string()))).toEqual(['(root)']);
  });

  it('finds a nested z.object behind defaults, optionals, arrays, unions, records, pipes, refinements and lazy', () => {
    const loose = z.object({ hidden: z.array(z.int()) });
    const mlp = z.object({ kind: z.literal('mlp'), hiden: z.int() });
    const cnn = z.strictObject({ kind: z.literal('cnn') });
    const schema = z.strictObject({
      learner: z.strictObject({ model: z.discriminatedUnion('kind', [mlp, cnn]).default({ kind: 'cnn' }) }),
      a: loose.optional(),
      b: z.array(loose.nullable()),
      c: z.union([z.string(), loose]),
      d: z.record(z.string(), loose.readonly()),
      e: z.string().transform((s) => s.length).pipe(z.number()),
      f: z.preprocess((v) => v, loose),
      g: loose.refine(() => true, 'never mind'),
      h: z.lazy(() => loose),
      i: z.tuple([z.number(), loose]),
      j: z.intersection(z.strictObject({ x: z.number() }), loose),
      k: loose.prefault({ hidden: [] }).catch({ hidden: [] }),
    });
    expect(findNonStrictObjects(schema).sort()).toEqual(
      [
        'learner.model(kind=mlp)',
        'a',
        'b[]',
        'c(option 2)',
        'd{}',
        'f',
        'g',
        'h',
        'i[1]',
        'j',
        'k',
      ].sort(),
    );
  });

  it('visits a recursive lazy schema once and reports nothing when it is strict', () => {
    interface Node {
      children: Node[];
    }
    const node: z.ZodType<Node> = z.lazy(() => z.strictObject({ children: z.array(node) }));
    expect(findNonStrictObjects(node)).toEqual([]);
  });

  it("core's own config schemas are strict (an experiment schema built from them too)", () => {
    expect(findNonStrictObjects(TransferSchema)).toEqual([]);
    expect(findNonStrictObjects(TrainSchema)).toEqual([]);
    expect(findNonStrictObjects(defineExperimentSchema('toy', ['a'], { extra: z.strictObject({ n: z.number() }) }))).toEqual([]);
  });
});
