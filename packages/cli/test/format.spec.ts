import { formatDuration, formatMetrics, formatNumber, formatTable, formatTimestamp } from '../src/format';

describe('formatTable', () => {
  it('pads columns to the widest cell and draws a rule under the header', () => {
    const text = formatTable(['name', 'n'], [
      ['a', '1'],
      ['long-name', '22'],
    ]);
    expect(text.split('\n')).toEqual(['name       n', '---------  --', 'a          1', 'long-name  22', '']);
  });
});

describe('formatNumber', () => {
  it.each([
    [3, '3'],
    [0.123456, '0.1235'],
    [-2.5, '-2.5000'],
    [1.5e-7, '1.500e-7'],
    [123456.7, '1.235e+5'],
    [Number.NaN, 'NaN'],
    [undefined, '-'],
  ])('%p -> %p', (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });
});

describe('formatMetrics / formatDuration / formatTimestamp', () => {
  it('shows at most `limit` metrics and marks the rest', () => {
    expect(formatMetrics({ a: 1, b: 0.5, c: 2, d: 3 }, 2)).toBe('a=1 b=0.5000 …');
    expect(formatMetrics(undefined)).toBe('-');
  });
  it('formats durations in s, m and h', () => {
    expect(formatDuration(2.25)).toBe('2.3s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(7260)).toBe('2h01m');
  });
  it('formats a timestamp as local YYYY-MM-DD HH:MM', () => {
    expect(formatTimestamp('2025-03-04T05:06:07.000Z')).toMatch(/^2025-03-0\d \d\d:\d\d$/);
    expect(formatTimestamp(undefined)).toBe('-');
  });
});
