import * as path from 'path';
import { Rng } from '@kt/core';
import { tempDirs } from '@kt/core/testing';
import {
  arrow,
  buildTask,
  canonicalType,
  descriptionLength,
  Grammar,
  PRIMITIVE_SETS,
  exampleCaps,
  inferType,
  jsonType,
  listFunctionsSuite,
  listSuiteSpecs,
  loadTaskFile,
  parseProgram,
  parseType,
  runProgram,
  showType,
  splitByFamily,
  textEditingSuite,
  textSuiteSpecs,
  TypeContext,
  valueFromJson,
  valuesEqual,
  writeTaskFile,
  MAX_EXAMPLES,
  MIN_EXAMPLES,
  type JsonValue,
  type SuiteTask,
  type TaskSpec,
  type TaskSuite,
} from '../../src';

const suites: [string, () => TaskSuite, number, [number, number, number]][] = [
  ['list-functions', () => listFunctionsSuite(), 50, [207, 155, 52]],
  ['text-editing', () => textEditingSuite(), 55, [181, 125, 56]],
];

describe.each(suites)('suite %s', (_name, make, testSize, stated) => {
  const suite = make();

  it('has the sizes its documentation states (tasks, train, test)', () => {
    expect([suite.tasks.length, suite.train.length, suite.test.length]).toEqual(stated);
  });

  it('builds with other seeds too, every family whole on one side', () => {
    for (let seed = 0; seed < 12; seed++) {
      const other = suite.name === 'list-functions' ? listFunctionsSuite(seed) : textEditingSuite(seed);
      expect(other.tasks.length).toBe(stated[0]);
      expect(other.test.length).toBeGreaterThanOrEqual(testSize);
    }
  });

  it('has at least 150 tasks with unique names, 5–10 examples and 1–3 descriptions each', () => {
    expect(suite.tasks.length).toBeGreaterThanOrEqual(150);
    expect(new Set(suite.tasks.map((t) => t.name)).size).toBe(suite.tasks.length);
    for (const t of suite.tasks) {
      expect(t.examples.length).toBeGreaterThanOrEqual(MIN_EXAMPLES);
      expect(t.examples.length).toBeLessThanOrEqual(MAX_EXAMPLES);
      expect(t.descriptions.length).toBeGreaterThanOrEqual(1);
      expect(t.descriptions.length).toBeLessThanOrEqual(3);
      for (const d of t.descriptions) expect(d.trim().split(/\s+/).length).toBeGreaterThanOrEqual(2);
      // Distinct inputs, and not one output for all of them.
      expect(new Set(t.examples.map((e) => JSON.stringify(e.inputs))).size).toBe(t.examples.length);
      expect(new Set(t.examples.map((e) => JSON.stringify(e.output))).size).toBeGreaterThan(1);
      // Informative: no output dominates, and most one-argument examples change their input.
      const caps = exampleCaps(t.examples.length);
      const counts = new Map<string, number>();
      for (const e of t.examples) counts.set(JSON.stringify(e.output), (counts.get(JSON.stringify(e.output)) ?? 0) + 1);
      expect(Math.max(...counts.values())).toBeLessThanOrEqual(caps.sameOutput);
      const unchanged = t.examples.filter((e) => e.inputs.length === 1 && JSON.stringify(e.inputs[0]) === JSON.stringify(e.output)).length;
      expect(unchanged).toBeLessThanOrEqual(caps.unchanged);
    }
  });

  it('types every example of a task as the task declares', () => {
    for (const t of suite.tasks) {
      const declared = parseType(t.type);
      t.examples.forEach((e, i) => {
        const ctx = new TypeContext();
        const request = ctx.instantiate(declared);
        const got = arrow(...e.inputs.map((x, k) => jsonType(x, ctx, `inputs[${k}]`)), jsonType(e.output, ctx, 'output'));
        if (!ctx.unify(request, got)) throw new Error(`${t.name} example ${i + 1}: ${showType(canonicalType(ctx.apply(got)))} is not ${t.type}`);
      });
    }
  });

  it('splits train/test by family, deterministically, with the stated test size', () => {
    expect(suite.train.length + suite.test.length).toBe(suite.tasks.length);
    expect(suite.test.length).toBeGreaterThanOrEqual(testSize);
    expect(suite.test.length).toBeLessThan(testSize + 8);
    const trainFamilies = new Set(suite.train.map((t) => t.family));
    for (const t of suite.test) expect(trainFamilies.has(t.family)).toBe(false);
    const again = make();
    expect(again.test.map((t) => t.name)).toEqual(suite.test.map((t) => t.name));
    expect(again.tasks).toEqual(suite.tasks);
  });

  it('changes the examples and the split with the seed', () => {
    const other = suite.name === 'list-functions' ? listFunctionsSuite(7) : textEditingSuite(7);
    expect(other.tasks.map((t) => t.name)).toEqual(suite.tasks.map((t) => t.name));
    expect(other.tasks.map((t) => JSON.stringify(t.examples))).not.toEqual(suite.tasks.map((t) => JSON.stringify(t.examples)));
    expect(other.test.map((t) => t.name)).not.toEqual(suite.test.map((t) => t.name));
  });

  it("writes every reference program with the suite's primitive set, within reach of a uniform grammar", () => {
    const grammar = Grammar.uniform(PRIMITIVE_SETS[suite.primitives]());
    const lengths = suite.tasks.filter((t) => t.program !== undefined).map((t) => descriptionLength(grammar, parseType(t.type), parseProgram(t.program!)));
    for (const [i, dl] of lengths.entries()) if (!Number.isFinite(dl)) throw new Error(`task ${suite.tasks.filter((t) => t.program !== undefined)[i]!.name}: the program is not in the ${suite.primitives} set`);
    // Most are short: at most 20 nats under the uniform grammar for 70 % of them or more.
    expect(lengths.filter((d) => d <= 20).length).toBeGreaterThanOrEqual(0.7 * lengths.length);
  });

  it('gives reference programs of the DSL that agree with the examples and have the declared type', () => {
    const withProgram = suite.tasks.filter((t): t is SuiteTask & { program: string } => t.program !== undefined);
    expect(withProgram.length).toBeGreaterThanOrEqual(40);
    for (const t of withProgram) {
      const p = parseProgram(t.program);
      const ctx = new TypeContext();
      const declared = ctx.instantiate(parseType(t.type));
      if (!ctx.unify(declared, ctx.instantiate(inferType(p)))) throw new Error(`${t.name}: ${t.program} has type ${showType(inferType(p))}, not ${t.type}`);
      t.examples.forEach((e, i) => {
        const out = runProgram(p, e.inputs.map(valueFromJson));
        if (!valuesEqual(out, valueFromJson(e.output))) throw new Error(`${t.name} example ${i + 1}: ${t.program} gives ${JSON.stringify(out)}, expected ${JSON.stringify(e.output)}`);
      });
    }
  });

  describe('as a task file', () => {
    const tmp = tempDirs('kt-suites-');
    let dir = '';
    beforeAll(() => {
      dir = tmp();
    });

    it('writes a file that loadTaskFile reads back with the same tasks, descriptions and types', () => {
      const file = path.join(dir, `${suite.name}.json`);
      writeTaskFile(file, suite.tasks);
      const loaded = loadTaskFile(file);
      expect(loaded.map((t) => t.name)).toEqual(suite.tasks.map((t) => t.name));
      loaded.forEach((l, i) => {
        const t = suite.tasks[i]!;
        expect(l.descriptions).toEqual(t.descriptions);
        expect(showType(l.request)).toBe(showType(canonicalType(parseType(t.type))));
        expect(l.examples.length).toBe(t.examples.length);
        l.examples.forEach((e, k) => {
          expect(e.inputs.length).toBe(t.examples[k]!.inputs.length);
          expect(valuesEqual(e.output, valueFromJson(t.examples[k]!.output))).toBe(true);
        });
      });
    });
  });
});

describe('suite construction', () => {
  it('rejects a generator that cannot give informative examples', () => {
    const spec = { name: 'constant', family: 'constant', type: 'list(int) -> int', descriptions: ['always zero'], draw: (rng: Rng) => [[rng.int(10)]], run: () => 0 };
    expect(() => buildTask(spec, 1)).toThrow(/constant/);
  });

  it('keeps families whole and reaches the requested test size', () => {
    const tasks = listSuiteSpecs()
      .slice(0, 40)
      .map((s) => buildTask(s, 3));
    const { train, test } = splitByFamily(tasks, 12, 5);
    expect(test.length).toBeGreaterThanOrEqual(12);
    const fam = new Set(test.map((t) => t.family));
    for (const t of train) expect(fam.has(t.family)).toBe(false);
    expect(splitByFamily(tasks, 12, 5).test.map((t) => t.name)).toEqual(test.map((t) => t.name));
  });

  it.each([
    ['list-functions', listSuiteSpecs],
    ['text-editing', textSuiteSpecs],
  ])('%s: no two families hold the same function (a test task is never a copy of a train task)', (_name, specs) => {
    const all = specs();
    const pools = all.map((s) => {
      const rng = Rng.fromSeed(1);
      return Array.from({ length: 40 }, () => s.draw(rng));
    });
    const call = (s: TaskSpec, x: JsonValue[]): string | undefined => {
      try {
        const v = (s.run as (...a: JsonValue[]) => JsonValue)(...x);
        return v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? undefined : JSON.stringify(v);
      } catch {
        return undefined;
      }
    };
    const copies: string[] = [];
    for (let i = 0; i < all.length; i++)
      for (let j = i + 1; j < all.length; j++) {
        const [a, b] = [all[i]!, all[j]!];
        if (a.type !== b.type || a.family === b.family) continue;
        // Equal wherever both are defined, on the inputs of both tasks.
        let both = 0;
        let same = true;
        for (const x of [...pools[i]!, ...pools[j]!]) {
          const [u, v] = [call(a, x), call(b, x)];
          if (u === undefined || v === undefined) continue;
          both++;
          if (u !== v) {
            same = false;
            break;
          }
        }
        if (same && both >= 10) copies.push(`${a.name} (${a.family}) = ${b.name} (${b.family})`);
      }
    expect(copies).toEqual([]);
  });

  it('every spec has a family with a name', () => {
    for (const s of [...listSuiteSpecs(), ...textSuiteSpecs()]) {
      expect(s.family.length).toBeGreaterThan(0);
      expect(s.name).toMatch(/^[a-z0-9][a-z0-9-]*$/);
    }
  });
});
