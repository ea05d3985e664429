import * as fs from 'fs';
import * as path from 'path';
import type { ReportBlock, ReportSection } from '@kt/core';
import { formatNumber } from '../format';
import type { ReportData } from './report-data';

/** Line colours of the groups, in order: matplotlib's tab10 (the browser test looks for the first one on the canvas). */
export const REPORT_PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];

/** Line dashes, one per round through the palette: the canvas pattern and the legend marker's CSS border style. */
const REPORT_DASHES: readonly { pattern: number[]; marker: string }[] = [
  { pattern: [], marker: 'solid' },
  { pattern: [8, 4], marker: 'dashed' },
  { pattern: [2, 3], marker: 'dotted' },
];

/** How one group's line is drawn. */
export interface GroupStyle {
  color: string;
  /** Canvas dash pattern (`[]`: solid). */
  dash: number[];
  /** CSS border style of its legend marker. */
  marker: string;
}

/**
 * The style of the i-th group (the report's group order, so a group looks the same in every chart): colour i mod 10,
 * dash ⌊i / 10⌋ mod 3. Up to 30 groups are told apart by colour and dash; past 30 the styles repeat.
 */
export function groupStyle(i: number): GroupStyle {
  const dash = REPORT_DASHES[Math.floor(i / REPORT_PALETTE.length) % REPORT_DASHES.length]!;
  return { color: REPORT_PALETTE[i % REPORT_PALETTE.length]!, dash: dash.pattern, marker: dash.marker };
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON safe inside a `<script>` element (no `</script>`, no `<!--`). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function table(headers: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

function block(b: ReportBlock): string {
  switch (b.kind) {
    case 'table':
      return `${table(b.headers, b.rows)}${b.caption ? `<p class="caption">${escapeHtml(b.caption)}</p>` : ''}`;
    case 'text':
      return `<p>${escapeHtml(b.text)}</p>`;
    case 'images':
      return `<div class="images">${b.images
        .filter((i) => /^data:image\/(png|jpeg|gif|svg\+xml);base64,[A-Za-z0-9+/=]+$/.test(i.dataUri))
        .map((i) => `<figure><img src="${i.dataUri}" alt="${escapeHtml(i.caption)}"><figcaption>${escapeHtml(i.caption)}</figcaption></figure>`)
        .join('')}</div>`;
  }
}

function section(s: ReportSection): string {
  return `<h3>${escapeHtml(s.title)}</h3>\n${s.blocks.map(block).join('\n')}`;
}

/** The uPlot build inlined into the page (so it opens offline). */
function uplotAssets(): { js: string; css: string } {
  const dist = path.dirname(require.resolve('uplot'));
  return { js: fs.readFileSync(path.join(dist, 'uPlot.iife.min.js'), 'utf8'), css: fs.readFileSync(path.join(dist, 'uPlot.min.css'), 'utf8') };
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; } h2 { font-size: 18px; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 32px; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; } th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.caption { color: #666; font-size: 12px; margin-top: 0; } .charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { border: 1px solid #eee; padding: 4px; } pre { background: #f8f8f8; padding: 8px; overflow: auto; font-size: 12px; }
.images figure { display: inline-block; margin: 4px; } .muted { color: #777; }
.chart .u-legend .kt-band { display: none; } .chart-note { color: #666; font-size: 12px; text-align: center; margin: 2px 0 4px; }
.chart .u-legend { font-size: 13px; } .chart .u-legend th { background: none; border: 0; padding: 1px 2px; font-weight: 500; }
.chart .u-legend tbody.kt-measure th { white-space: nowrap; }
.chart .u-legend tbody.kt-columns { display: grid; column-gap: 16px; justify-content: center; text-align: left; }
.chart .u-legend tbody.kt-columns tr { margin-right: 0; }`;

/**
 * The page's script: one uPlot chart per curve, a mean line per group and a ± std band for seeds. A band's two edge
 * series are left out of the legend (class kt-band, hidden by CSS) and shown or hidden with their group's line, so the
 * legend has one entry per group; a legend that would wrap is laid out in as many columns as its widest entry allows.
 */
const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('kt-report-data').textContent);
  function legendColumns(el, width) {
    var body = el.querySelector('.u-legend tbody');
    if (!body) return;
    var rows = Array.prototype.filter.call(body.querySelectorAll('tr.u-series'), function (r) { return getComputedStyle(r).display !== 'none'; });
    var gap = 16;
    body.classList.add('kt-measure');
    var widths = rows.map(function (r) { return Math.ceil(r.getBoundingClientRect().width); });
    body.classList.remove('kt-measure');
    var total = widths.reduce(function (a, b) { return a + b + gap; }, 0);
    if (rows.length < 2 || total <= width) return;
    var widest = Math.max.apply(null, widths);
    var columns = Math.max(1, Math.min(rows.length, Math.floor((width + gap) / (widest + gap))));
    body.classList.add('kt-columns');
    body.style.gridTemplateColumns = 'repeat(' + columns + ', minmax(0, max-content))';
  }
  data.charts.forEach(function (chart) {
    var el = document.getElementById(chart.id);
    var series = [{ label: 'step' }];
    var columns = [chart.steps];
    var bands = [];
    var bandOf = {};
    var markerOf = [null];
    var runs = chart.series.map(function (s) { return s.runs; });
    var sameRuns = runs.every(function (n) { return n === runs[0]; });
    // Bands overlap: fainter when more than three are drawn, so the lines stay readable.
    var many = chart.series.filter(function (s) { return s.lo && s.hi; }).length > 3;
    var edgeAlpha = many ? '40' : '55';
    var fillAlpha = many ? '1a' : '33';
    chart.series.forEach(function (s) {
      var style = data.styles[s.group];
      var color = style.color;
      series.push({ label: s.group + (s.runs > 1 && !sameRuns ? ' (mean of ' + s.runs + (s.ragged ? ', fewer after a stop' : '') + ')' : ''), stroke: color, width: 2, dash: style.dash, spanGaps: true, points: { show: chart.steps.length < 30 } });
      markerOf.push(style.marker);
      columns.push(s.mean);
      if (s.lo && s.hi) {
        var hi = columns.length;
        bandOf[hi - 1] = [hi, hi + 1];
        series.push({ label: s.group + ' +std', class: 'kt-band', stroke: color + edgeAlpha, width: 1, dash: [], spanGaps: true, points: { show: false } });
        columns.push(s.hi);
        series.push({ label: s.group + ' -std', class: 'kt-band', stroke: color + edgeAlpha, width: 1, dash: [], spanGaps: true, points: { show: false } });
        columns.push(s.lo);
        markerOf.push('solid', 'solid');
        bands.push({ series: [hi, hi + 1], fill: color + fillAlpha });
      }
    });
    var width = 520;
    var followBand = function (u, i, opts) {
      if (i === null || opts.show === undefined || !bandOf[i]) return;
      bandOf[i].forEach(function (b) { u.setSeries(b, { show: opts.show }, false); });
    };
    new uPlot({
      title: chart.title, width: width, height: 280, scales: { x: { time: false } }, axes: [{ label: 'step' }, {}], series: series, bands: bands,
      legend: { live: false, markers: { dash: function (u, i) { return markerOf[i]; } } },
      hooks: { setSeries: [followBand] },
    }, columns, el);
    legendColumns(el, width);
    if (sameRuns && runs[0] > 1) {
      var note = document.createElement('div');
      note.className = 'chart-note';
      var ragged = chart.series.some(function (s) { return s.ragged; });
      note.textContent = 'each line: the mean of ' + runs[0] + ' runs' + (ragged ? ' (of fewer where a run stopped earlier)' : '') + ', with a band of ± one standard deviation';
      el.appendChild(note);
    }
  });
  document.body.setAttribute('data-charts-rendered', String(data.charts.length));
})();`;

function metricCell(v: number | undefined): string {
  return formatNumber(v);
}

/** One self-contained HTML page (uPlot and the data inlined; no network access needed to view it). */
export function renderReportHtml(data: ReportData): string {
  const { js, css } = uplotAssets();
  const runsTable = table(
    ['run', 'setting', 'plugin/task', 'status', 'steps', 'seed'],
    data.runs.map((r) => [r.id, r.group, `${r.plugin}/${r.task}`, r.status, r.steps, r.seed]),
  );
  const diff =
    data.runs.length < 2
      ? '<p class="muted">one run: nothing to compare</p>'
      : data.configDiff.length === 0
        ? '<p class="muted">the runs have the same config</p>'
        : table(['field', ...data.runs.map((r) => r.id)], data.configDiff.map((d) => [d.key, ...d.values]));
  const metrics =
    data.metricNames.length === 0
      ? '<p class="muted">no final metrics (runs not finished?)</p>'
      : table(['run', ...data.metricNames], data.runs.map((r) => [r.id, ...data.metricNames.map((m) => metricCell(r.metrics[m]))]));
  const seeds =
    data.groupMetrics.length === 0
      ? ''
      : `<h3>Mean ± std over seeds</h3>${table(
          ['setting', 'runs', ...data.metricNames],
          data.groupMetrics.map((g) => [g.group, String(g.runs), ...data.metricNames.map((m) => (g.stats[m] ? `${formatNumber(g.stats[m].mean)} ± ${formatNumber(g.stats[m].std)}` : '-'))]),
        )}`;
  const charts =
    data.charts.length === 0 ? '<p class="muted">no metrics.jsonl lines</p>' : `<div class="charts">${data.charts.map((c) => `<div class="chart" id="${c.id}" data-title="${escapeHtml(c.title)}"></div>`).join('')}</div>`;
  const plugins = data.runs
    .filter((r) => r.sections.length > 0)
    .map((r) => `<h3 class="run">${escapeHtml(r.id)}</h3>\n${r.sections.map(section).join('\n')}`)
    .join('\n');
  const configs = data.runs
    .map((r) => `<details><summary>${escapeHtml(r.id)}</summary><pre>${escapeHtml(JSON.stringify(r.config ?? {}, undefined, 2))}</pre></details>`)
    .join('\n');
  const styles = Object.fromEntries(data.groups.map((g, i) => [g.label, groupStyle(i)]));
  const payload = { styles, charts: data.charts };
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(data.title)}</title>
<style>${css}</style><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(data.title)}</h1>
<h2>Runs</h2>
${runsTable}
<h2>Config differences</h2>
${diff}
<h2>Final metrics</h2>
${metrics}
${seeds}
<h2>Learning curves</h2>
${charts}
${plugins ? `<h2>Plugin sections</h2>\n${plugins}` : ''}
<h2>Resolved configs</h2>
${configs}
<script type="application/json" id="kt-report-data">${scriptJson(payload)}</script>
<script>${js.replace(/<\/script/gi, '<\\/script')}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
