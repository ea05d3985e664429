import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Browser } from 'playwright-core';
import { reportCommand, ReportOptionsSchema, reportWithPngs } from '../../src/commands/report-command';
import { REPORT_PALETTE } from '../../src/report/report-html';
import { findChromium } from '../../src/report/report-png';
import { removeTmpDirs, tmpDir } from '../helpers';
import { fakeContainer, writeFakeRun } from './report-fixtures';

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

describeWithBrowser('kt report in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });
  afterAll(async () => {
    await browser?.close();
    removeTmpDirs();
  });

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
    await page.goto(`file://${out}`);
    await page.waitForSelector('body[data-charts-rendered="3"]', { timeout: 10_000 });

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

    expect(fs.statSync(shot).size).toBeGreaterThan(10_000);
    expect(problems).toEqual([]);
    await context.close();
  });

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
