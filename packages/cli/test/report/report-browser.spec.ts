import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { reportCommand, ReportOptionsSchema, reportWithPngs } from '../../src/commands/report-command';
import { buildReportData } from '../../src/report/report-data';
import { REPORT_PALETTE, renderReportHtml } from '../../src/report/report-html';
import { findChromium } from '../../src/report/report-png';
import { readRun } from '../../src/run-reader';
import { kt, removeTmpDirs, tinyDiSets, tmpDir, writeBarsCsv } from '../helpers';
import { fakeContainer, writeFakeRun } from './report-fixtures';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const executablePath = findChromium();
if (!executablePath) {
  console.warn('kt report browser test skipped: no chromium binary (apt-get install -y chromium, or set KT_CHROMIUM)');
}
const describeWithBrowser = executablePath ? describe : describe.skip;

/** The part of a DOM canvas the test reads (the test's tsconfig has no DOM types). */
interface Canvas2d {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}

function rgb(hex: string): [number, number, number] {
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

/** The part of the DOM the legend checks read (the test's tsconfig has no DOM types). */
interface DomElement {
  textContent: string | null;
  classList: { contains(name: string): boolean };
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  getBoundingClientRect(): { width: number; height: number };
}
declare function getComputedStyle(element: DomElement): { display: string; borderTopColor: string; borderTopStyle: string };

/** What a chart's legend shows: the label, marker colour and border style of each visible entry. */
interface LegendEntry {
  label: string;
  marker: string;
}

function legends(page: Page): Promise<LegendEntry[][]> {
  return page.$$eval('.chart', (charts) =>
    charts.map((chart) =>
      Array.from((chart as unknown as DomElement).querySelectorAll('.u-legend tr.u-series'))
        .filter((row) => getComputedStyle(row).display !== 'none')
        .map((row) => {
          const marker = getComputedStyle(row.querySelector('.u-marker')!);
          return { label: row.querySelector('.u-label')!.textContent ?? '', marker: `${marker.borderTopColor} ${marker.borderTopStyle}` };
        }),
    ),
  );
}

describeWithBrowser('kt report in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });
  afterAll(async () => {
    await browser?.close();
    removeTmpDirs();
  });

  /** Opens a report page offline and waits for its charts; `problems` collects console errors and warnings, page errors and network requests. */
  async function open(file: string, charts: number, timeoutMs = 10_000): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, offline: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`request: ${r.url()}`);
    });
    await page.goto(`file://${file}`);
    await page.waitForSelector(`body[data-charts-rendered="${charts}"]`, { timeout: timeoutMs });
    return { context, page, problems };
  }

  it('loads offline without console errors, draws every chart with its data, and is written to a screenshot', async () => {
    const parent = tmpDir('kt-report-browser-');
    const dirs = [
      writeFakeRun(parent, { name: 'fwd-s1', divergence: 'forward', seed: 1, scale: 10 }),
      writeFakeRun(parent, { name: 'fwd-s2', divergence: 'forward', seed: 2, scale: 20 }),
      writeFakeRun(parent, { name: 'bwd-s1', divergence: 'backward', seed: 1, scale: 5 }),
    ];
    const out = path.join(parent, 'report.html');
    const { charts } = reportCommand(dirs, ReportOptionsSchema.parse({ out }), parent, fakeContainer());
    expect(charts).toBe(3);

    const { context, page, problems } = await open(out, 3);

    const shot = path.join(process.env['KT_REPORT_SCREENSHOT_DIR'] ?? parent, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });

    // Every chart: a canvas with pixels of the first group's line colour (not only axes and grid).
    const [r, g, b] = rgb(REPORT_PALETTE[0]!);
    const counts = await page.$$eval(
      '.chart canvas',
      (canvases, color) =>
        canvases.map((c) => {
          const canvas = c as unknown as Canvas2d;
          const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          let n = 0;
          for (let i = 0; i < pixels.length; i += 4) if (Math.abs(pixels[i]! - color[0]) + Math.abs(pixels[i + 1]! - color[1]) + Math.abs(pixels[i + 2]! - color[2]) < 24 && pixels[i + 3]! > 200) n += 1;
          return n;
        }),
      [r, g, b] as const,
    );
    expect(counts).toHaveLength(3);
    for (const n of counts) expect(n).toBeGreaterThan(100);
    const titles = await page.$$eval('.chart .u-title', (els) => els.map((e) => e.textContent));
    expect(titles).toEqual(['train.loss', 'val.bleu', 'val.chrf']);
    expect(await page.textContent('body')).toContain('hello <b>fwd-s1</b>');
    // one legend entry per setting (the ± std band has none), each in its own colour
    for (const legend of await legends(page)) {
      expect(legend.map((e) => e.label)).toEqual(['transfer.divergence=forward (mean of 2)', 'transfer.divergence=backward']);
      expect(legend[0]!.marker).toBe(`rgb(${r}, ${g}, ${b}) solid`);
    }

    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('says when a line is the mean of fewer runs where one stopped earlier: under the chart, or in its legend entry', async () => {
    const parent = tmpDir('kt-report-ragged-');
    const dirs = ['a', 'b'].flatMap((d) => [1, 2].map((seed) => writeFakeRun(parent, { name: `${d}-s${seed}`, divergence: d, seed, scale: 10, ...(d === 'a' && seed === 2 ? { stoppedAt: 20 } : {}) })));
    const out = path.join(parent, 'report.html');
    fs.writeFileSync(out, renderReportHtml(buildReportData(dirs.map(readRun), undefined)));
    const { context, page, problems } = await open(out, 3);
    expect(await page.$$eval('.chart .chart-note', (els) => els.map((e) => e.textContent))).toEqual(
      Array(3).fill('each line: the mean of 2 runs (of fewer where a run stopped earlier), with a band of ± one standard deviation'),
    );
    expect(problems).toEqual([]);
    await context.close();

    // seed counts differ: no note, the legend entry says it instead
    const single = path.join(parent, 'single.html');
    fs.writeFileSync(single, renderReportHtml(buildReportData([...dirs.slice(0, 2), writeFakeRun(parent, { name: 'c-s1', divergence: 'c', seed: 1, scale: 10 })].map(readRun), undefined)));
    const second = await open(single, 3);
    for (const legend of await legends(second.page)) {
      expect(legend.map((e) => e.label)).toEqual(['transfer.divergence=a (mean of 2, fewer after a stop)', 'transfer.divergence=c']);
    }
    expect(await second.page.$$('.chart .chart-note')).toHaveLength(0);
    expect(second.problems).toEqual([]);
    await second.context.close();
  });

  it('with twelve settings of two seeds: one legend entry each, in columns, every line told apart, a band following its line', async () => {
    const parent = tmpDir('kt-report-legend-');
    const settings = Array.from({ length: 12 }, (_, i) => `g${String(i).padStart(2, '0')}`);
    const dirs = settings.flatMap((d, i) => [1, 2].map((seed) => writeFakeRun(parent, { name: `${d}-s${seed}`, divergence: d, seed, scale: 10 + i })));
    const out = path.join(parent, 'report.html');
    fs.writeFileSync(out, renderReportHtml(buildReportData(dirs.map(readRun), undefined)));
    const { context, page, problems } = await open(out, 3);
    await page.screenshot({ path: path.join(process.env['KT_REPORT_SCREENSHOT_DIR'] ?? parent, 'report-12.png'), fullPage: true });

    const all = await legends(page);
    expect(all).toHaveLength(3);
    for (const legend of all) {
      // every seed count the same: no "(mean of 2)" on each entry, one note under the chart instead
      expect(legend.map((e) => e.label)).toEqual(settings.map((d) => `transfer.divergence=${d}`));
      expect(new Set(legend.map((e) => e.marker)).size).toBe(12);
      // the palette has ten colours: the 11th and 12th settings are dashed
      expect(legend.slice(10).map((e) => e.marker.split(' ').at(-1))).toEqual(['dashed', 'dashed']);
    }
    expect(await page.$$eval('.chart .chart-note', (els) => els.map((e) => e.textContent))).toEqual(Array(3).fill('each line: the mean of 2 runs, with a band of ± one standard deviation'));
    // the legend is laid out in columns: shorter than the plot, and no wider than the chart
    const sizes = await page.$$eval('.chart', (charts) =>
      charts.map((chart) => {
        const c = chart as unknown as DomElement;
        return { legend: c.querySelector('.u-legend')!.getBoundingClientRect(), plot: c.querySelector('.u-wrap')!.getBoundingClientRect(), columns: c.querySelector('.u-legend tbody')!.classList.contains('kt-columns') };
      }),
    );
    for (const s of sizes) {
      expect(s.columns).toBe(true);
      expect(s.legend.height).toBeLessThan(s.plot.height / 2);
      expect(s.legend.width).toBeLessThanOrEqual(s.plot.width);
    }
    // hiding a setting from its legend entry hides its band too, and nothing else
    await page.click('#chart-0 .u-legend tr.u-series:nth-child(1) th');
    const off = await page.$$eval('#chart-0 .u-legend tr.u-series', (rows) => rows.map((r, i) => ((r as unknown as DomElement).classList.contains('u-off') ? i : -1)).filter((i) => i >= 0));
    expect(off).toEqual([0, 1, 2]);
    expect(problems).toEqual([]);
    await context.close();
  });

  // Real runs through the built binary (KT_BACKEND=cpu), as a user makes them; small networks on a loaded machine take minutes.
  it('renders a kg run and a deepinversion run made by kt run: predicted facts, metric tables and inlined image grids, offline, without console errors', async () => {
    const work = tmpDir('kt-report-plugins-');
    const runs = path.join(work, 'runs');
    const runDir = async (args: string[]): Promise<string> => {
      const r = await kt(['run', ...args, '--quiet', '--out', runs], { timeoutMs: 900_000 });
      const dir = /run directory: (\S+)/.exec(r.stdout + r.stderr)?.[1];
      if (r.code !== 0 || !dir) throw new Error(`kt run ${args[0]} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
      return dir;
    };
    const set = (...overrides: string[]): string[] => overrides.flatMap((o) => ['--set', o]);
    const kgRun = await runDir([
      path.join(REPO, 'packages', 'kg', 'configs', 'wordnet-distmult.yaml'),
      ...set('data.entities=300', 'model.dim=16', 'train.epochs=5', 'train.batchSize=256', 'train.evalEvery=1000', 'negatives.count=8', 'train.logEvery=1'),
    ]);
    const csv = writeBarsCsv(path.join(work, 'bars.csv'), 96);
    const diRun = await runDir([
      path.join(REPO, 'packages', 'deepinversion', 'configs', 'mnist-di.yaml'),
      ...tinyDiSets(csv, { rounds: 2 }),
    ]);
    const out = path.join(work, 'plugins.html');
    const report = await kt(['report', kgRun, diRun, '--out', out]);
    expect(report.stderr).toBe('');
    const charts = Number(/^report: .* \(2 runs, (\d+) charts?\)$/m.exec(report.stdout)?.[1]);
    expect(charts).toBeGreaterThan(0);

    const { context, page, problems } = await open(out, charts, 30_000);
    await page.screenshot({ path: path.join(process.env['KT_REPORT_SCREENSHOT_DIR'] ?? work, 'plugins.png'), fullPage: true });

    const headings = await page.$$eval('h3', (els) => els.map((e) => e.textContent));
    expect(headings).toEqual(expect.arrayContaining(['Test metrics', 'Test metrics per relation', 'Predicted facts (test)', 'Synthesized images per round', 'Distillation rounds']));
    // predicted facts: 10 test triples asked both ways, each with its answer's rank and 10 scored predictions
    const rows = page.locator('h3:text-is("Predicted facts (test)") + table tbody tr');
    const facts = await Promise.all(Array.from({ length: await rows.count() }, (_, i) => rows.nth(i).locator('td').allTextContents()));
    expect(facts).toHaveLength(20);
    for (const [query, , rank, top] of facts) {
      expect(query).toMatch(/^\(.+, _[a-z_]+, \?\)$|^\(\?, _[a-z_]+, .+\)$/);
      expect(rank).toMatch(/^\d+(\.\d)? of \d+$/);
      expect(top!.split(' · ')).toHaveLength(10);
    }
    // the rounds' grids: decoded by the browser at the size the task drew them (4 classes × (8 px × 2 + 1))
    const grids = await page.$$eval('.images img', (imgs) => imgs.map((i) => ({ ok: (i as unknown as { complete: boolean }).complete, height: (i as unknown as { naturalHeight: number }).naturalHeight })));
    expect(grids).toEqual([
      { ok: true, height: 4 * 17 },
      { ok: true, height: 4 * 17 },
    ]);
    expect(await page.$$eval('.images figcaption', (els) => els.map((e) => e.textContent?.split(':')[0]))).toEqual(['round 0', 'round 1']);
    expect(problems).toEqual([]);
    await context.close();
  }, 1_800_000);

  it('writes each chart as a PNG for docs (--png)', async () => {
    const parent = tmpDir('kt-report-png-');
    const dir = writeFakeRun(parent, { name: 'one', divergence: 'forward', seed: 1, scale: 10 });
    const result = await reportWithPngs([dir], ReportOptionsSchema.parse({ out: path.join(parent, 'r.html'), png: 'figures' }), parent, fakeContainer());
    expect(result.pngs?.map((f) => path.relative(parent, f))).toEqual(['figures/train.loss.png', 'figures/val.bleu.png', 'figures/val.chrf.png']);
    for (const f of result.pngs!) {
      const bytes = fs.readFileSync(f);
      expect(bytes.subarray(1, 4).toString()).toBe('PNG');
      expect(bytes.length).toBeGreaterThan(5_000);
    }
  });
});
