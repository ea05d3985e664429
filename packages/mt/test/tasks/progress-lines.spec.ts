import * as fs from 'fs';
import * as path from 'path';
import { configureProgress, createMemoryLogger, resetProgress, type RawConfig } from '@kt/core';
import { pluginHarness, useBackend } from '@kt/core/testing';
import { mtPlugin, syntheticPairs, translateRun } from '../../src';

jest.setTimeout(120_000);

const h = pluginHarness(mtPlugin, '@kt/mt');
useBackend('wasm');
const out = h.tmp('kt-mt-progress-');
afterEach(() => resetProgress());

const DATA = { source: 'synthetic', n: 40, evalN: 6, seed: 5, maxLen: 30 };

/** A tiny seq-kd run (its teacher trained first) with a validation pass every 2 steps. */
function seqKdRaw(): RawConfig {
  return {
    name: 'progress-seq-kd',
    plugin: 'mt',
    task: 'seq-kd',
    backend: 'wasm',
    data: DATA,
    tokenizer: { vocabSize: 60, minFrequency: 2 },
    teacher: { model: { dModel: 16, heads: 2, ffDim: 16, encoderLayers: 1, decoderLayers: 1, dropout: 0 }, train: { steps: 2, batchSize: 16, lr: 0.01, logEvery: 100 }, seed: 1 },
    learner: { model: { dModel: 16, heads: 2, ffDim: 16, encoderLayers: 1, decoderLayers: 1, dropout: 0 } },
    kd: { seqBeam: 2, maxSampleLen: 10 },
    decode: { beam: 1, maxLen: 10, batchSize: 4 },
    validation: { limit: 5 },
    train: { steps: 2, batchSize: 16, lr: 0.01, logEvery: 100, evalEvery: 2 },
  };
}

async function runLogged(): Promise<{ runDir: string; lines: string[] }> {
  const { runDir, log } = await h.run(h.config(seqKdRaw()), { outDir: out });
  return { runDir, lines: log };
}

/** `label done/total sentences …` lines of one label. */
function progressLines(lines: readonly string[], label: string): { done: number; total: number }[] {
  const re = new RegExp(`^${label.replace(/[()]/g, '\\$&')} (\\d+)/(\\d+) sentences .* sentences/s ETA `);
  return lines.flatMap((l) => {
    const m = re.exec(l);
    return m ? [{ done: Number(m[1]), total: Number(m[2]) }] : [];
  });
}

describe('mt progress outside training (plain lines when the output is no terminal)', () => {
  let runDir: string;
  let lines: string[];

  beforeAll(async () => {
    configureProgress({ mode: 'lines', lineIntervalMs: 60_000 });
    ({ runDir, lines } = await runLogged());
  });

  it("the teacher's translation of the training set for seq-kd ends with a line over every training source", () => {
    const teacher = progressLines(lines, 'teacher translation');
    expect(teacher).toHaveLength(1);
    const cached = JSON.parse(fs.readFileSync(path.join(out, '.cache', 'mt-seqkd', fs.readdirSync(path.join(out, '.cache', 'mt-seqkd'))[0]!, 'targets.json'), 'utf8')) as { targets: unknown[] };
    expect(teacher[0]).toEqual({ done: cached.targets.length, total: cached.targets.length });
  });

  it('validation decoding (validation.limit sentences) and test evaluation (the test set) each end with a complete line', () => {
    const val = progressLines(lines, 'eval val');
    expect(val.length).toBeGreaterThanOrEqual(1);
    for (const v of val) expect(v).toEqual({ done: 5, total: 5 });
    // The learner's test pass, and the teacher's own run (provisioned first) logs its test pass too.
    expect(progressLines(lines, 'eval test')).toContainEqual({ done: DATA.evalN, total: DATA.evalN });
    expect(fs.existsSync(path.join(runDir, 'artifacts', 'test.hyp.txt'))).toBe(true);
  });

  it('kt mt translate decoding reports through the logger it is given; progress off (--quiet) writes nothing', () => {
    const sources = syntheticPairs({ n: 7, seed: 9 }).map((p) => p.src);
    const log = createMemoryLogger();
    translateRun(runDir, sources, { batchSize: 2, progress: { label: 'translate', log } });
    expect(progressLines(log.lines, 'translate')).toEqual([{ done: 7, total: 7 }]);
    configureProgress({ mode: 'off' });
    const quiet = createMemoryLogger();
    translateRun(runDir, sources, { batchSize: 2, progress: { label: 'translate', log: quiet } });
    expect(quiet.lines).toEqual([]);
  });

  it('an interval of 0 writes a line per decoded batch, counting up to the total', () => {
    configureProgress({ mode: 'lines', lineIntervalMs: 0 });
    const log = createMemoryLogger();
    translateRun(runDir, syntheticPairs({ n: 7, seed: 9 }).map((p) => p.src), { batchSize: 2, progress: { label: 'translate', log } });
    expect(progressLines(log.lines, 'translate').map((l) => l.done)).toEqual([2, 4, 6, 7]);
  });
});
