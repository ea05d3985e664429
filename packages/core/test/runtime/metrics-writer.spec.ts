import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createMemoryLogger } from '../../src/runtime/logger';
import { MetricsWriter } from '../../src/runtime/metrics-writer';

const created: string[] = [];
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-metrics-'));
  created.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of created.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('MetricsWriter.truncateAfter (on resume)', () => {
  it('keeps lines up to the step, drops later ones, and moves unreadable lines to metrics.jsonl.corrupt with a warning', () => {
    const dir = tmp();
    const file = path.join(dir, 'metrics.jsonl');
    const lines = [
      '{"step":1,"split":"train","loss":1}',
      'garbage',
      '{"step":2,"split":"train","loss":0.9}',
      '',
      '{"split":"train","loss":0.8}',
      '[1,2]',
      '{"step":3,"split":"val","acc":0.5}',
      '{"step":4,"split":"train","loss":0.7}',
      '{"step":5,"split":"tra',
    ];
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    fs.writeFileSync(`${file}.corrupt`, 'from an earlier resume\n');
    const log = createMemoryLogger();
    const result = new MetricsWriter(dir, 1, log).truncateAfter(3);
    expect(result).toEqual({ dropped: 1, corruptLines: [2, 5, 6, 9] });
    expect(fs.readFileSync(file, 'utf8')).toBe(`${[lines[0], lines[2], lines[6]].join('\n')}\n`);
    expect(fs.readFileSync(`${file}.corrupt`, 'utf8')).toBe(`from an earlier resume\n${[lines[1], lines[4], lines[5], lines[8]].join('\n')}\n`);
    expect(log.lines).toEqual([`warning: ${file}: 4 unreadable lines (lines 2, 5, 6, 9) moved to metrics.jsonl.corrupt`]);
  });

  it('says nothing and writes no .corrupt file when every line is readable', () => {
    const dir = tmp();
    const file = path.join(dir, 'metrics.jsonl');
    fs.writeFileSync(file, '{"step":1}\n{"step":2}\n');
    const log = createMemoryLogger();
    expect(new MetricsWriter(dir, 1, log).truncateAfter(1)).toEqual({ dropped: 1, corruptLines: [] });
    expect(log.lines).toEqual([]);
    expect(fs.existsSync(`${file}.corrupt`)).toBe(false);
  });
});
