/**
 * Time-series charts: bars in eighths against the peak, the y axis in the series' unit, ticks at
 * round seconds with `now` at the right, a spike that survives a squeeze, and the collapse to one
 * line, then to nothing, as the room shrinks.
 */
import { describe, expect, it } from 'vitest';
import { chartsLayout, renderChart, renderCharts } from '../../source/render/chart.js';
import { formatLatencyNs, formatRate } from '../../source/format.js';

const ops = (values: number[]) => ({
  title: 'ops/s',
  values,
  format: (v: number) => formatRate(v),
});

describe('renderChart', () => {
  it('draws each second as a bar in eighths of the peak, labelled in units', () => {
    // 4 plot lines = 32 eighths; 80 is the peak
    const lines = renderChart(ops([0, 10, 20, 40, 80]), 20, 4 + 3);
    expect(lines).toHaveLength(7);
    for (const l of lines) expect([...l]).toHaveLength(20);
    expect(lines[0]).toBe('ops/s: 80/s now, pea');
    const plot = lines.slice(1, 5).map((l) => l.slice(l.length - 5));
    // 0 → nothing; 10 → 4 eighths; 20 → 8; 40 → 16; 80 → 32
    expect(plot).toEqual(['    █', '    █', '   ██', ' ▄███']);
    expect(lines.slice(1, 5).map((l) => l.slice(0, 6))).toEqual([
      '80/s┤ ',
      '    │ ',
      '    │ ',
      '   0┤ ',
    ]);
  });

  it('labels the middle of a tall axis, and ticks every 10 s up to now', () => {
    const values = Array.from({ length: 60 }, (_, i) => (i === 30 ? 120e6 : 100e3));
    const lines = renderChart({ title: 'p99', values, format: formatLatencyNs }, 70, 9 + 3);
    expect(lines[0]).toMatch(/^p99: 100µs now, peak 120ms/);
    expect(lines[1].startsWith(' 120ms┤')).toBe(true);
    expect(lines[5].startsWith('60.0ms┤')).toBe(true);
    expect(lines[9].startsWith('     0┤')).toBe(true);
    // the spike at 30 s before the newest, full height; the rest one eighth
    const col = 70 - 1 - 29;
    expect(lines.slice(1, 10).map((l) => l[col])).toEqual(Array(9).fill('█'));
    expect(lines[9][col + 1]).toBe('▁');
    const labels = lines[11];
    expect(labels.trimEnd().endsWith('now')).toBe(true);
    expect(labels).toContain('-10s');
    expect(labels).toContain('-50s');
    expect(lines[10][col - 1]).toBe('┴'); // −30 s: a tick
  });

  it('keeps a one-second spike when the history is wider than the chart', () => {
    const values = Array.from({ length: 300 }, (_, i) => (i === 123 ? 500 : 5));
    const lines = renderChart(ops(values), 40, 8);
    expect(lines.slice(1, 6).some((l) => l.includes('█'))).toBe(true);
    // each column is the peak of its seconds: exactly one reaches the top
    expect([...lines[1]].filter((c) => c === '█')).toHaveLength(1);
  });

  it('collapses to one line below 5 lines, and to nothing below 8 columns', () => {
    const lines = renderChart(ops([1, 2, 3, 50]), 40, 4);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ops\/s 50\/s \(peak 50\/s\) .*█ *$/);
    expect([...lines[0]]).toHaveLength(40);
    expect(renderChart(ops([1]), 7, 10)).toEqual([]);
    expect(renderChart(ops([1]), 40, 0)).toEqual([]);
  });
});

describe('renderCharts', () => {
  const series = {
    opsPerSec: Array.from({ length: 60 }, (_, i) => (i >= 30 && i < 45 ? 11 : 40)),
    p99Ns: Array.from({ length: 60 }, (_, i) => (i >= 30 && i < 45 ? 120e6 : 100e3)),
  };
  const format = { ops: (v: number) => formatRate(v), ns: formatLatencyNs };

  it('lays the two charts side by side when wide, stacked when tall, else a line each', () => {
    expect(chartsLayout(120, 30)).toEqual({ kind: 'side', chartWidth: 59, chartLines: 24 });
    expect(chartsLayout(80, 24)).toEqual({ kind: 'stacked', chartWidth: 80, chartLines: 12 });
    expect(chartsLayout(80, 15)).toEqual({ kind: 'lines', chartWidth: 80, chartLines: 1 });
    expect(chartsLayout(120, 7)).toEqual({ kind: 'lines', chartWidth: 120, chartLines: 1 });
    expect(chartsLayout(120, 4)).toEqual({ kind: 'lines', chartWidth: 120, chartLines: 1 });
    expect(chartsLayout(80, 1).kind).toBe('none');
  });

  it('draws ops/s and p99 of the row, each with its unit, in the room given', () => {
    const side = renderCharts(series, 'demo-net', 120, 12, format);
    expect(side).toHaveLength(12);
    for (const l of side) expect([...l]).toHaveLength(120);
    expect(side[0]).toMatch(
      /^ops\/s demo-net: 40\/s now, peak 40\/s +p99 demo-net: 100µs now, peak 120ms/,
    );
    // the p99 chart on the right: its 15 s spike fills its top line (60 s in 52 columns)
    expect(side[1].slice(61)).toMatch(/^ 120ms┤ *█{12,15} *$/);
    const stacked = renderCharts(series, 'x', 80, 16, format);
    expect(stacked).toHaveLength(16);
    expect(stacked[8]).toMatch(/^p99 x: /);
    const collapsed = renderCharts(series, 'x', 80, 3, format);
    expect(collapsed).toHaveLength(2);
    expect(collapsed[0]).toMatch(/^ops\/s x 40\/s \(peak 40\/s\) /);
    expect(collapsed[1]).toMatch(/^p99 x 100µs \(peak 120ms\) /);
  });
});
