import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '@kt/core';
import { reportCommand, ReportOptionsSchema } from '../../src/commands/report-command';
import { buildReportData, meanStd } from '../../src/report/report-data';
import { escapeHtml, groupStyle, REPORT_PALETTE, renderReportHtml } from '../../src/report/report-html';
import { readRun, withUniqueIds } from '../../src/run-reader';
import { removeTmpDirs, tmpDir } from '../helpers';
import { fakeContainer, writeFakeRun } from './report-fixtures';

afterAll(removeTmpDirs);

describe('kt report', () => {
  it('groups seeds of one setting, with mean ± std curves, config differences and final metrics', () => {
    const parent = tmpDir();
    const dirs = [
      writeFakeRun(parent, { name: 'fwd-s1', divergence: 'forward', seed: 1, scale: 10 }),
      writeFakeRun(parent, { name: 'fwd-s2', divergence: 'forward', seed: 2, scale: 20 }),
      writeFakeRun(parent, { name: 'bwd-s1', divergence: 'backward', seed: 1, scale: 5 }),
    ];
    const data = buildReportData(dirs.map(readRun), fakeContainer());
    expect(data.groups).toEqual([
      { label: 'transfer.divergence=forward', runs: ['fwd-s1', 'fwd-s2'] },
      { label: 'transfer.divergence=backward', runs: ['bwd-s1'] },
    ]);
    expect(data.configDiff.map((d) => d.key)).toEqual(['train.seed', 'transfer.divergence']);
    expect(data.configDiff[1]!.values).toEqual(['forward', 'forward', 'backward']);
    expect(data.charts.map((c) => c.title)).toEqual(['train.loss', 'val.bleu', 'val.chrf']);
    const loss = data.charts[0]!;
    expect(loss.steps).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
    const fwd = loss.series[0]!;
    // step 5: losses 10/5 = 2 and 20/5 = 4: mean 3, sample std sqrt(2)
    expect(fwd.runs).toBe(2);
    expect(fwd.mean[0]).toBeCloseTo(3, 10);
    expect(fwd.hi![0]! - fwd.mean[0]!).toBeCloseTo(Math.SQRT2, 10);
    expect(fwd.mean[0]! - fwd.lo![0]!).toBeCloseTo(Math.SQRT2, 10);
    expect(loss.series[1]).toEqual({ group: 'transfer.divergence=backward', mean: [1, 0.5, 5 / 15, 0.25, 0.2, 5 / 30, 5 / 35, 0.125], runs: 1 });
    // val curves exist only at eval steps; the event line is no curve
    expect(data.charts[1]!.steps).toEqual([10, 20, 30, 40]);
    expect(data.metricNames).toEqual(['val.bleu', 'val.chrf', 'test.bleu']);
    expect(data.groupMetrics).toHaveLength(1);
    expect(data.groupMetrics[0]!.stats['val.bleu']).toEqual(meanStd([31, 32]));
    expect(data.runs[0]!.sections[0]!.title).toBe('Samples');
    expect(fwd.ragged).toBeUndefined();
  });

  it('marks a line whose runs stopped at different steps: past the shorter run, the mean is of the others', () => {
    const parent = tmpDir();
    const dirs = [
      writeFakeRun(parent, { name: 'fwd-s1', divergence: 'forward', seed: 1, scale: 10 }),
      writeFakeRun(parent, { name: 'fwd-s2', divergence: 'forward', seed: 2, scale: 20, stoppedAt: 20 }),
    ];
    const loss = buildReportData(dirs.map(readRun), undefined).charts[0]!;
    const fwd = loss.series[0]!;
    expect(fwd.ragged).toBe(true);
    const at30 = loss.steps.indexOf(30);
    expect(fwd.mean[at30]).toBeCloseTo(10 / 30, 10);
    expect(fwd.hi![at30]).toBeCloseTo(fwd.mean[at30]!, 10);
  });

  it('writes one self-contained page: uPlot inlined, no external resources, plugin text escaped', () => {
    const parent = tmpDir();
    const a = writeFakeRun(parent, { name: 'a', divergence: 'forward', seed: 1, scale: 10 });
    writeFakeRun(parent, { name: 'b', divergence: 'backward', seed: 1, scale: 10 });
    const out = path.join(parent, 'out', 'r.html');
    const result = reportCommand([a, 'b'], ReportOptionsSchema.parse({ out, dir: parent }), parent, fakeContainer());
    expect(result).toEqual({ file: out, runs: 2, charts: 3 });
    const html = fs.readFileSync(out, 'utf8');
    expect(html).toContain('uPlot');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/cdn/);
    expect(html).toContain(escapeHtml('hello <b>a</b>'));
    expect(html).not.toContain('<b>a</b>');
    expect(html).toContain('<td>transfer.divergence</td><td>forward</td><td>backward</td>');
  });

  it('reads a sweep directory through its manifest, and refuses a missing run or a directory as --out', () => {
    const parent = tmpDir();
    const sweep = path.join(parent, 'sweep');
    writeFakeRun(path.join(sweep, 'cell-a'), { name: 'seed-1', divergence: 'forward', seed: 1, scale: 10 });
    fs.writeFileSync(
      path.join(sweep, 'sweep.json'),
      JSON.stringify({ version: 1, config: '/x.yaml', sets: [], grid: [{ key: 'transfer.divergence', values: ['forward'] }], seeds: [1, 2], cells: [{ id: 'cell-a', overrides: [], runs: [{ seed: 1, runDir: 'cell-a/seed-1' }, { seed: 2, runDir: 'cell-a/seed-2' }] }] }),
    );
    const result = reportCommand([sweep], ReportOptionsSchema.parse({ out: path.join(parent, 's.html') }), parent);
    expect(result.runs).toBe(1);
    expect(() => reportCommand(['nope'], ReportOptionsSchema.parse({ dir: parent }), parent)).toThrow(ConfigError);
    expect(() => reportCommand([sweep], ReportOptionsSchema.parse({ out: parent }), parent)).toThrow(/is a directory/);
  });

  it('tells apart runs of one name in different sweeps: each keeps its own curves (ids gain the parent name)', () => {
    const parent = tmpDir();
    const a = writeFakeRun(path.join(parent, 'sweep-a'), { name: 'lr=0.1__seed-1', divergence: 'forward', seed: 1, scale: 10 });
    const b = writeFakeRun(path.join(parent, 'sweep-b'), { name: 'lr=0.1__seed-1', divergence: 'backward', seed: 1, scale: 40 });
    const c = writeFakeRun(path.join(parent, 'sweep-b'), { name: 'other', divergence: 'backward', seed: 2, scale: 40 });
    const records = withUniqueIds([a, b, c].map(readRun));
    expect(records.map((r) => r.id)).toEqual(['sweep-a/lr=0.1__seed-1', 'sweep-b/lr=0.1__seed-1', 'other']);
    const data = buildReportData(records, undefined);
    const loss = data.charts.find((ch) => ch.title === 'train.loss')!;
    expect(loss.series.map((s) => [s.group, s.mean[0]])).toEqual([
      ['transfer.divergence=forward', 2],
      ['transfer.divergence=backward', 8],
    ]);
    // the page written by the command reads the same way
    const result = reportCommand([a, b], ReportOptionsSchema.parse({ out: path.join(parent, 'r.html') }), parent);
    expect(result.runs).toBe(2);
    const html = fs.readFileSync(result.file, 'utf8');
    expect(html).toContain('sweep-a/lr=0.1__seed-1');
    expect(html).toContain('sweep-b/lr=0.1__seed-1');
  });

  it('renders a run without metrics or a finished summary', () => {
    const parent = tmpDir();
    const dir = path.join(parent, 'empty');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'config.json'), '{"name":"e","plugin":"x","task":"t"}');
    const html = renderReportHtml(buildReportData([readRun(dir)], undefined));
    expect(html).toContain('no metrics.jsonl lines');
    expect(html).toContain('one run: nothing to compare');
  });
});

describe('kt report line styles', () => {
  it('tells 30 settings apart by colour and dash, the palette first', () => {
    const styles = Array.from({ length: 31 }, (_, i) => groupStyle(i));
    expect(new Set(styles.slice(0, 30).map((s) => `${s.color} ${s.dash.join(',')}`)).size).toBe(30);
    expect(styles.slice(0, REPORT_PALETTE.length).map((s) => s.color)).toEqual(REPORT_PALETTE);
    expect(styles.slice(0, REPORT_PALETTE.length).every((s) => s.dash.length === 0 && s.marker === 'solid')).toBe(true);
    expect(styles[REPORT_PALETTE.length]).toEqual({ color: REPORT_PALETTE[0], dash: [8, 4], marker: 'dashed' });
    expect(styles[30]).toEqual(styles[0]);
  });
});

describe('kt report groups', () => {
  it('names a setting by its config name when too many fields set it apart', () => {
    const parent = tmpDir();
    const a = writeFakeRun(parent, { name: 'a', divergence: 'forward', seed: 1, scale: 10 });
    const b = writeFakeRun(parent, { name: 'b', divergence: 'backward', seed: 1, scale: 10 });
    const edit = (dir: string, extra: Record<string, unknown>): void => {
      const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, ...extra }));
    };
    edit(a, { model: { layers: 1, heads: 2, dim: 32 } });
    edit(b, { name: 'other', model: { layers: 2, heads: 4, dim: 64 } });
    const data = buildReportData([readRun(a), readRun(b)], undefined);
    expect(data.groups.map((g) => g.label)).toEqual(['fake-mt', 'other']);
    // three fields or fewer: named by them
    edit(b, { model: { layers: 1, heads: 2, dim: 32 } });
    expect(buildReportData([readRun(a), readRun(b)], undefined).groups.map((g) => g.label)).toEqual(['transfer.divergence=forward', 'transfer.divergence=backward']);
  });

  it('a block present in some settings is named by its differing fields, and settings of one config name by what sets them apart', () => {
    // the MetaDistil benchmark's four settings: two configs, each run with an override
    const parent = tmpDir();
    const edit = (dir: string, extra: Record<string, unknown>): string => {
      const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, ...extra }));
      return dir;
    };
    const meta = (strategy: string): Record<string, unknown> => ({ name: 'meta', teacherUpdate: { strategy, optimizer: 'adam', lr: 0.00002, every: 1, quizFraction: 0.1 } });
    const none = edit(writeFakeRun(parent, { name: 'none', divergence: 'forward', seed: 1, scale: 10 }), { name: 'kd', alpha: 1 });
    const fixed = edit(writeFakeRun(parent, { name: 'fixed', divergence: 'forward', seed: 1, scale: 10 }), { name: 'kd', alpha: 0.5 });
    const second = edit(writeFakeRun(parent, { name: 'second', divergence: 'forward', seed: 1, scale: 10 }), { ...meta('metadistil'), alpha: 0.5 });
    const first = edit(writeFakeRun(parent, { name: 'first', divergence: 'forward', seed: 1, scale: 10 }), { ...meta('metadistil-first-order'), alpha: 0.5 });
    const labels = buildReportData([none, fixed, second, first].map(readRun), undefined).groups.map((g) => g.label);
    expect(labels).toEqual([
      'alpha=1 teacherUpdate.strategy=-',
      'alpha=0.5 teacherUpdate.strategy=-',
      'alpha=0.5 teacherUpdate.strategy=metadistil',
      'alpha=0.5 teacherUpdate.strategy=metadistil-first-order',
    ]);
    // too many fields apart: the config name, then what sets apart the settings that share it
    edit(second, { extra: { a: 1 }, more: 2 });
    const named = buildReportData([none, fixed, second, first].map(readRun), undefined).groups.map((g) => g.label);
    expect(named).toEqual(['kd alpha=1', 'kd alpha=0.5', 'meta extra={"a":1} more=2 teacherUpdate.strategy=metadistil', 'meta extra=- more=- teacherUpdate.strategy=metadistil-first-order']);
  });

  it('labels every setting the same way: by its run name when one setting’s differing fields are too long to show', () => {
    // the finetune bench's figure runs: scratch and plain fine-tuning differ from the others in three fields, short for
    // them (`regularisers=[{"name":"none","weight":0}]`) but not for a regulariser with its settings
    const parent = tmpDir();
    const run = (name: string, init: string, regulariser: Record<string, unknown>, temperature = 1): string => {
      const dir = writeFakeRun(parent, { name, divergence: 'forward', seed: 1, scale: 10 });
      const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, name, init, regularisers: [regulariser], transfer: { divergence: 'forward', temperature } }));
      return dir;
    };
    const dirs = [
      run('scratch', 'scratch', { name: 'none', weight: 0 }),
      run('none', 'pretrained', { name: 'none', weight: 0 }),
      run('tred-weight-0.001', 'pretrained', { name: 'tred', weight: 0.001, mmd: 1, mi: 0, reconstruction: 1, classification: 1, steps: 200, lr: 0.01 }),
      run('kd-weight-0.1', 'pretrained', { name: 'kd', weight: 0.1, from: 'logits' }, 2),
    ];
    expect(buildReportData(dirs.map(readRun), undefined).groups.map((g) => g.label)).toEqual(['scratch', 'none', 'tred-weight-0.001', 'kd-weight-0.1']);
  });

  it('a setting whose seeds carry their own names is named by the part of the names they share', () => {
    // as the mt-kd study names its runs: <start>.<mode>.lr<rate>.s<seed>, settings apart in many fields
    const parent = tmpDir();
    const run = (name: string, divergence: string, seed: number, model: Record<string, unknown>): string => {
      const dir = writeFakeRun(parent, { name, divergence, seed, scale: 10 * seed });
      const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, name, model }));
      return dir;
    };
    const wide = { layers: 2, heads: 4, dim: 64, ffn: 128 };
    const dirs = [
      run('scratch.none.lr0.005.s0', 'forward', 1, {}),
      run('scratch.none.lr0.005.s1', 'forward', 2, {}),
      run('scratch.word-backward.lr0.01.s0', 'backward', 1, wide),
      run('scratch.word-backward.lr0.01.s1', 'backward', 2, wide),
      run('lonely', 'forward', 1, wide),
    ];
    expect(buildReportData(dirs.map(readRun), undefined).groups).toEqual([
      { label: 'scratch.none.lr0.005', runs: ['scratch.none.lr0.005.s0', 'scratch.none.lr0.005.s1'] },
      { label: 'scratch.word-backward.lr0.01', runs: ['scratch.word-backward.lr0.01.s0', 'scratch.word-backward.lr0.01.s1'] },
      { label: 'lonely', runs: ['lonely'] },
    ]);
  });

  it('--seed-fields: runs differing only in train.seed and the fields a seed also sets are seeds of one setting', () => {
    // as the finetune bench runs them: seed s sets train.seed and which examples are labelled (data.target.sampleSeed)
    const parent = tmpDir();
    const run = (name: string, divergence: string, seed: number): string => {
      const dir = writeFakeRun(parent, { name, divergence, seed, scale: 10 * seed });
      const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, data: { target: { labelsPerClass: 10, sampleSeed: seed } } }));
      return dir;
    };
    const dirs = [run('f1', 'forward', 1), run('f2', 'forward', 2), run('b1', 'backward', 1), run('b2', 'backward', 2)];
    const apart = buildReportData(dirs.map(readRun), undefined);
    expect(apart.groups).toHaveLength(4);
    const options = ReportOptionsSchema.parse({ out: path.join(parent, 'r.html'), seedFields: 'data.target.sampleSeed' });
    expect(options.seedFields).toEqual(['data.target.sampleSeed']);
    const data = buildReportData(dirs.map(readRun), undefined, 'seeds', options.seedFields);
    expect(data.groups).toEqual([
      { label: 'transfer.divergence=forward', runs: ['f1', 'f2'] },
      { label: 'transfer.divergence=backward', runs: ['b1', 'b2'] },
    ]);
    expect(data.charts[0]!.series.map((s) => s.runs)).toEqual([2, 2]);
    expect(reportCommand(dirs, options, parent).runs).toBe(4);
    expect(() => ReportOptionsSchema.parse({ seedFields: 'data..sampleSeed' })).toThrow(/comma-separated dotted config fields/);
  });
});
