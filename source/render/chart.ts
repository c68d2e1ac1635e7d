/**
 * A time-series chart in block characters, for the charts under a short table: one column per
 * second (the newest at the right), a bar per column in eighths of a line, a title line with the
 * latest value and the peak, a y axis labelled in the series' unit (its peak, half of it and 0) and
 * an x axis with ticks at round seconds. Pure: values in, lines of text out, each exactly `width`
 * cells.
 *
 * It collapses as the room shrinks: below 5 lines it is one line, the title, the latest value and
 * the peak, and a sparkline; narrower than 8 cells it is nothing. Wider than the history, it keeps one column per
 * second and leaves the left blank; narrower, each column is the peak of the seconds it stands for
 * (sparkline.ts: downsampleMax), so a one-second spike survives.
 */
import { downsampleMax, renderSparkline } from './sparkline.js';

const EIGHTHS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

export interface ChartInput {
  /** What the chart shows, e.g. `ops/s` or `p99`. */
  title: string;
  /** One value per second, oldest first (NaN or negative: no value). */
  values: ArrayLike<number>;
  /** A value as the y axis writes it: `1.2K/s`, `4.1ms`. */
  format: (v: number) => string;
  /** The label of a tick at column time `agoSec` seconds before the newest (e.g. `-30s`). */
  tick?: (agoSec: number) => string;
}

/** The lines of a chart of `width` × `height` cells (fewer lines when it collapses). */
export function renderChart(input: ChartInput, width: number, height: number): string[] {
  if (width < 8 || height < 1) return [];
  const points = Array.from(input.values, (v) => (v > 0 ? v : 0));
  let peak = 0;
  for (const v of points) if (v > peak) peak = v;
  const last = points.length > 0 ? points[points.length - 1] : 0;
  if (height < 5) {
    const head = `${input.title} ${input.format(last)} (peak ${input.format(peak)}) `;
    const room = Math.max(0, width - head.length);
    return [fitLine(head + renderSparkline(points, room, peak), width)];
  }
  const labels = [input.format(peak), input.format(peak / 2), '0'];
  const labelWidth = Math.min(Math.max(...labels.map((l) => l.length)), Math.floor(width / 3));
  const plotWidth = width - labelWidth - 1;
  const plotRows = height - 3; // the title, the x axis and its labels
  const cols = downsampleMax(points, plotWidth);
  const pad = plotWidth - cols.length;
  const lines = [
    fitLine(`${input.title}: ${input.format(last)} now, peak ${input.format(peak)}`, width),
  ];
  for (let r = 0; r < plotRows; r++) {
    // row r from the top covers eighths [(plotRows − r − 1)·8, (plotRows − r)·8)
    const floor = (plotRows - r - 1) * 8;
    let bar = ' '.repeat(pad);
    for (const v of cols) {
      const eighths = peak > 0 ? Math.round((v / peak) * plotRows * 8) : 0;
      // a value above 0 shows at least one eighth
      const e = v > 0 && eighths === 0 ? 1 : eighths;
      bar += EIGHTHS[Math.max(0, Math.min(8, e - floor))];
    }
    const label =
      r === 0
        ? labels[0]
        : r === plotRows - 1
          ? labels[2]
          : r === Math.floor((plotRows - 1) / 2) && plotRows >= 5
            ? labels[1]
            : '';
    const axis = label === '' ? '│' : '┤';
    lines.push(fitLine(label.padStart(labelWidth).slice(-labelWidth) + axis + bar, width));
  }
  lines.push(...xAxis(input, labelWidth, plotWidth, points.length, width));
  return lines;
}

/** The x axis under the plot (ticks at round seconds before the newest) and the ticks' labels. */
function xAxis(
  input: ChartInput,
  labelWidth: number,
  plotWidth: number,
  seconds: number,
  width: number,
): string[] {
  const shown = Math.min(seconds, plotWidth);
  const perCol = seconds > plotWidth ? seconds / plotWidth : 1;
  const tick = input.tick ?? ((ago: number) => (ago === 0 ? 'now' : `-${ago}s`));
  // a step between ticks that leaves room for their labels
  const step = [5, 10, 15, 30, 60, 120, 300, 600].find((s) => s / perCol >= 8) ?? 600;
  const axis = new Array<string>(plotWidth).fill('─');
  const text = new Array<string>(plotWidth).fill(' ');
  for (let ago = 0; ago < seconds; ago += step) {
    const col = plotWidth - 1 - Math.floor(ago / perCol);
    if (col < plotWidth - shown) break;
    axis[col] = '┴';
    const label = tick(ago);
    const at = Math.max(0, Math.min(plotWidth - label.length, col - Math.floor(label.length / 2)));
    if (text.slice(at, at + label.length).some((c) => c !== ' ')) continue;
    if (at > 0 && text[at - 1] !== ' ') continue;
    for (let i = 0; i < label.length; i++) text[at + i] = label[i];
  }
  const lead = ' '.repeat(labelWidth);
  return [fitLine(`${lead}└${axis.join('')}`, width), fitLine(`${lead} ${text.join('')}`, width)];
}

/** A line of exactly `width` cells (every character here is one cell wide). */
function fitLine(text: string, width: number): string {
  const chars = Array.from(text);
  return chars.length >= width
    ? chars.slice(0, width).join('')
    : text + ' '.repeat(width - chars.length);
}

/** Rows of a series the charts under a table draw: operations a second and p99 latency. */
export interface ChartedSeries {
  readonly opsPerSec: ArrayLike<number>;
  readonly p99Ns: ArrayLike<number>;
}

/** Lines a chart under a table gets at the least (five of bars); with fewer, a line each. */
export const CHART_MIN_LINES = 8;
/** Width from which the two charts stand side by side. */
export const CHARTS_SIDE_BY_SIDE = 100;
/** Lines a chart takes at the most. */
const CHART_MAX_LINES = 24;

/**
 * How the two charts fit `lines` spare lines under a table `width` wide: side by side (wide
 * enough, and room for one chart), one above the other (room for two), or collapsed to a line
 * each (less room), or not at all (under 2 lines).
 */
export function chartsLayout(
  width: number,
  lines: number,
): { kind: 'side' | 'stacked' | 'lines' | 'none'; chartWidth: number; chartLines: number } {
  if (lines >= CHART_MIN_LINES && width >= CHARTS_SIDE_BY_SIDE)
    return {
      kind: 'side',
      chartWidth: Math.floor((width - 2) / 2),
      chartLines: Math.min(lines, CHART_MAX_LINES),
    };
  if (lines >= 2 * CHART_MIN_LINES)
    return {
      kind: 'stacked',
      chartWidth: width,
      chartLines: Math.min(Math.floor(lines / 2), CHART_MAX_LINES),
    };
  if (lines >= 2) return { kind: 'lines', chartWidth: width, chartLines: 1 };
  return { kind: 'none', chartWidth: 0, chartLines: 0 };
}

/**
 * The charts of a row's series (its name in the titles) in `lines` lines of `width` cells:
 * operations a second and p99, laid out by chartsLayout. `formatOps` and `formatNs` write the
 * y axes' units.
 */
export function renderCharts(
  series: ChartedSeries,
  name: string,
  width: number,
  lines: number,
  format: { ops: (v: number) => string; ns: (v: number) => string },
): string[] {
  const layout = chartsLayout(width, lines);
  if (layout.kind === 'none') return [];
  const ops = renderChart(
    { title: `ops/s ${name}`, values: series.opsPerSec, format: format.ops },
    layout.chartWidth,
    layout.chartLines,
  );
  const p99 = renderChart(
    { title: `p99 ${name}`, values: series.p99Ns, format: format.ns },
    layout.chartWidth,
    layout.chartLines,
  );
  if (layout.kind !== 'side') return [...ops, ...p99];
  const gap = ' '.repeat(width - 2 * layout.chartWidth);
  return ops.map((l, i) => l + gap + (p99[i] ?? ' '.repeat(layout.chartWidth)));
}
