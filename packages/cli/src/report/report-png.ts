import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, ensureDir } from '@kt/core';

/** The system browser kt report drives (Debian's `chromium`); env KT_CHROMIUM names another. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env['KT_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
  return candidates.find((c): c is string => c !== undefined && c !== '' && fs.existsSync(c));
}

/** A file name for a chart title: `val.bleu` → `val.bleu.png`. */
export function pngName(title: string): string {
  return `${title.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`;
}

interface PlaywrightCore {
  chromium: {
    launch(options: { executablePath: string; headless: boolean; args: string[] }): Promise<{
      newPage(options: { viewport: { width: number; height: number }; deviceScaleFactor: number }): Promise<{
        goto(url: string): Promise<unknown>;
        waitForSelector(selector: string, options: { timeout: number }): Promise<unknown>;
        $$(selector: string): Promise<{ getAttribute(name: string): Promise<string | null>; screenshot(options: { path: string }): Promise<unknown> }[]>;
      }>;
      close(): Promise<void>;
    }>;
  };
}

/**
 * Writes each learning-curve chart of a report page as `<outDir>/<chart title>.png`, drawn by the
 * system Chromium through playwright-core (the figures docs embed). Errors name what is missing.
 */
export async function writeChartPngs(htmlFile: string, charts: number, outDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const executablePath = findChromium(env);
  if (!executablePath) throw new ConfigError('--png needs a Chromium: install it (apt-get install -y chromium) or set KT_CHROMIUM to its path');
  let playwright: PlaywrightCore;
  try {
    playwright = require('playwright-core') as PlaywrightCore;
  } catch {
    throw new ConfigError('--png needs the playwright-core package (npm install playwright-core)');
  }
  ensureDir(outDir);
  const browser = await playwright.chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 2 });
    await page.goto(`file://${path.resolve(htmlFile)}`);
    await page.waitForSelector(`body[data-charts-rendered="${charts}"]`, { timeout: 30_000 });
    const files: string[] = [];
    for (const el of await page.$$('.chart')) {
      const file = path.join(outDir, pngName((await el.getAttribute('data-title')) ?? `chart-${files.length}`));
      await el.screenshot({ path: file });
      files.push(file);
    }
    return files;
  } finally {
    await browser.close();
  }
}
