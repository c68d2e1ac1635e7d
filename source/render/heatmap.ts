/**
 * The latency heatmap, drawn: time across (one column per second, the newest at the right),
 * latency up (one band per power of two of a microsecond, or several per band when they do not
 * fit, labelled with the band's lower bound), each cell shaded by how many operations of that
 * second took that long: ░ ▒ ▓ █ in four steps of a log scale up to the busiest cell, and in
 * colour where there is colour. Under it the time axis (ticks at round seconds, labelled by the
 * caller, e.g. replay's clock) and a legend of the shades. Pure: a Heatmap (model/heatmap.ts) in,
 * lines of coloured runs out, each exactly `width` cells.
 */
import type { Heatmap } from '../model/heatmap.js';
import { groupBounds } from '../model/latencyGroups.js';
import { formatCount, formatLatencyNs } from '../format.js';

/** A piece of a line in one colour (the UI's Segment has the same shape). */
export interface Run {
  text: string;
  color?: string;
  dim?: boolean;
}

export const HEAT_SHADES = ['░', '▒', '▓', '█'] as const;
const HEAT_COLORS = ['blue', 'cyan', 'yellow', 'red'] as const;
/** Cells of the y labels (`1.02ms`, `<1µs`), then the axis. */
const LABEL_WIDTH = 6;
/** Lines under the plot: the axis, its labels, the legend. */
const FOOT = 3;
/** Empty bands added for the height go up to this group's (1.05 s to 2.1 s), no further. */
const PAD_UP_TO = 21;
/** At most this many lines per band when there is room to spare. */
const MAX_LINES_PER_BAND = 3;

/** The columns (seconds) the plot of a heatmap `width` cells wide has. */
export function heatmapColumns(width: number): number {
  return Math.max(0, width - LABEL_WIDTH - 1);
}

export interface HeatmapDrawOptions {
  color: boolean;
  /** The label of the tick at Unix second `sec` (e.g. replay's clock, `0:30`); '' for none. */
  tick: (sec: number) => string;
  /** Ticks fall on multiples of their step counted from this second (default 0). */
  originSec?: number;
}

/** A band's lower bound as its label: `<1µs`, `2µs`, `512µs`, `1.02ms`, `131ms`, `1.05s`. */
export function bandLabel(group: number): string {
  const [low, high] = groupBounds(group);
  if (low === 0) return `<${high / 1000}µs`;
  return low < 1e6 ? `${low / 1000}µs` : formatLatencyNs(low);
}

/** The four upper bounds of the shades: the busiest cell's count to the powers ¼, ½, ¾, 1. */
export function shadeBounds(max: number): number[] {
  return [0.25, 0.5, 0.75, 1].map((p) => Math.max(1, max ** p));
}

/** The shade of a count (−1: none, empty cell). */
export function shadeOf(count: number, bounds: readonly number[]): number {
  if (!(count > 0)) return -1;
  for (let i = 0; i < bounds.length - 1; i++) if (count <= bounds[i]) return i;
  return bounds.length - 1;
}

/**
 * The bands, bottom up, each a list of groups (absolute: latencyGroups.ts): several per band when
 * they do not fit; when there is room, up to three lines a band, and empty groups below and above
 * those with counts, for the whole height.
 */
export function bandsOf(h: Heatmap, rows: number): { bands: number[][]; lines: number } {
  const per = Math.max(1, Math.ceil(h.groups / rows));
  let lo = h.loGroup;
  let hi = h.loGroup + h.groups - 1;
  const count = () => Math.ceil((hi - lo + 1) / per);
  const lines = Math.max(1, Math.min(MAX_LINES_PER_BAND, Math.floor(rows / count())));
  // room for more bands at this height: widen the range, a group below, then one above, … down
  // to <1µs and up to 1 s (further only where there are counts)
  const top = Math.max(hi, PAD_UP_TO);
  for (let below = true; per === 1 && count() < Math.floor(rows / lines); below = !below) {
    if (below && lo > 0) lo--;
    else if (hi < top) hi++;
    else if (lo > 0) lo--;
    else break;
  }
  const bands: number[][] = [];
  for (let g = lo; g <= hi; g += per) {
    const band: number[] = [];
    for (let k = g; k < Math.min(hi + 1, g + per); k++) band.push(k);
    bands.push(band);
  }
  return { bands, lines };
}

/** The heatmap in at most `height` lines of `width` cells (none when it has no room at all). */
export function renderHeatmap(
  h: Heatmap,
  width: number,
  height: number,
  opts: HeatmapDrawOptions,
): Run[][] {
  const plotRows = height - FOOT;
  const cols = Math.min(h.columns, heatmapColumns(width));
  if (plotRows < 1 || cols < 1) return [];
  if (h.groups === 0) {
    return [
      [{ text: pad(`no operation with a latency in the last ${h.columns} s`, width), dim: true }],
    ];
  }
  const { bands, lines } = bandsOf(h, plotRows);
  // the cells of a band: the sum of its groups, per column
  const skip = h.columns - cols;
  const at = (c: number, g: number): number => {
    const k = g - h.loGroup;
    return k >= 0 && k < h.groups ? h.counts[skip + c][k] : 0;
  };
  const cells = bands.map((band) =>
    Array.from({ length: cols }, (_, c) => band.reduce((n, g) => n + at(c, g), 0)),
  );
  let max = 0;
  for (const row of cells) for (const v of row) if (v > max) max = v;
  const bounds = shadeBounds(max);
  const out: Run[][] = [];
  for (let b = bands.length - 1; b >= 0; b--) {
    const runs = cellRuns(cells[b], bounds, opts.color);
    for (let l = 0; l < lines; l++) {
      const label = l === lines - 1 ? bandLabel(bands[b][0]) : '';
      out.push([
        { text: `${label.padStart(LABEL_WIDTH)}${label ? '┤' : '│'}`, dim: true },
        ...runs,
        { text: ' '.repeat(width - LABEL_WIDTH - 1 - cols) },
      ]);
    }
  }
  const firstSec = h.endSec - cols + 1;
  out.push(...timeAxis(firstSec, cols, width, opts));
  out.push(legend(bounds, width, opts.color));
  return out;
}

/** A band's cells as runs of one shade each. */
function cellRuns(values: readonly number[], bounds: readonly number[], color: boolean): Run[] {
  const runs: Run[] = [];
  let cur = -2;
  let text = '';
  const flush = () => {
    if (text === '') return;
    runs.push(cur < 0 || !color ? { text } : { text, color: HEAT_COLORS[cur] });
  };
  for (const v of values) {
    const s = shadeOf(v, bounds);
    if (s !== cur) {
      flush();
      cur = s;
      text = '';
    }
    text += s < 0 ? ' ' : HEAT_SHADES[s];
  }
  flush();
  return runs;
}

/** The time axis and its labels: ticks at round seconds, as far apart as their labels need. */
function timeAxis(
  firstSec: number,
  cols: number,
  width: number,
  opts: HeatmapDrawOptions,
): Run[][] {
  const origin = opts.originSec ?? 0;
  const lastSec = firstSec + cols - 1;
  const longest = Math.max(opts.tick(firstSec).length, opts.tick(lastSec).length);
  const step = [5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].find((s) => s >= longest + 2) ?? 3600;
  const axis = new Array<string>(cols).fill('─');
  const text = new Array<string>(cols).fill(' ');
  for (let c = 0; c < cols; c++) {
    const sec = firstSec + c;
    if ((((sec - origin) % step) + step) % step !== 0) continue;
    const label = opts.tick(sec);
    if (label === '') continue;
    axis[c] = '┬';
    const at = c - Math.floor(label.length / 2);
    if (at < 0 || at + label.length > cols) continue;
    if (text.slice(Math.max(0, at - 1), at + label.length + 1).some((ch) => ch !== ' ')) continue;
    for (let i = 0; i < label.length; i++) text[at + i] = label[i];
  }
  const lead = ' '.repeat(LABEL_WIDTH);
  return [
    [{ text: pad(`${lead}└${axis.join('')}`, width), dim: true }],
    [{ text: pad(`${lead} ${text.join('')}`, width), dim: true }],
  ];
}

/** What the shades stand for: operations in one second in one band. */
function legend(bounds: readonly number[], width: number, color: boolean): Run[] {
  const runs: Run[] = [{ text: ' operations a second in a band: ', dim: true }];
  let low = 1;
  bounds.forEach((bound, i) => {
    // the whole counts of this shade: (the bound before, this bound]
    const hi = i === bounds.length - 1 ? Math.ceil(bound) : Math.floor(bound);
    if (hi < low) return;
    const range = hi === low ? formatCount(low) : `${formatCount(low)}-${formatCount(hi)}`;
    runs.push(color ? { text: HEAT_SHADES[i], color: HEAT_COLORS[i] } : { text: HEAT_SHADES[i] });
    runs.push({ text: ` ${range}  ` });
    low = hi + 1;
  });
  return cut(runs, width);
}

/** Runs cut or padded to exactly `width` cells. */
function cut(runs: readonly Run[], width: number): Run[] {
  const out: Run[] = [];
  let left = width;
  for (const r of runs) {
    if (left <= 0) break;
    const chars = Array.from(r.text);
    const text = chars.length <= left ? r.text : chars.slice(0, left).join('');
    out.push({ ...r, text });
    left -= Array.from(text).length;
  }
  if (left > 0) out.push({ text: ' '.repeat(left) });
  return out;
}

const pad = (text: string, width: number): string => {
  const chars = Array.from(text);
  return chars.length >= width
    ? chars.slice(0, width).join('')
    : text + ' '.repeat(width - chars.length);
};
