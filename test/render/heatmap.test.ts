/**
 * The heatmap drawn from heatmaps made by hand: each cell where its second and band are, shaded
 * by its count, bands merged when they do not fit and padded when there is room, the time axis,
 * the legend, colour only when asked, every line the width asked.
 */
import { describe, expect, it } from 'vitest';
import type { Heatmap } from '../../source/model/heatmap.js';
import {
  bandLabel,
  bandsOf,
  HEAT_SHADES,
  heatmapColumns,
  renderHeatmap,
  shadeBounds,
  shadeOf,
  type Run,
} from '../../source/render/heatmap.js';

/** A heatmap of `columns` seconds ending at second 1000, with counts by [column][group]. */
function heatmap(loGroup: number, counts: number[][]): Heatmap {
  const groups = counts[0].length;
  return {
    key: 'total',
    endSec: 1000,
    columns: counts.length,
    loGroup,
    groups,
    counts: counts.map((c) => Float64Array.from(c)),
    total: counts.flat().reduce((a, b) => a + b, 0),
  };
}

const text = (line: Run[]) => line.map((r) => r.text).join('');
const tick = (sec: number) => String(sec - 990);
const width = (line: Run[]) => Array.from(text(line)).length;

describe('renderHeatmap', () => {
  it('puts each cell at its second and band, shaded by its count on a log scale', () => {
    // groups 3..5 (4-8 µs, 8-16 µs, 16-32 µs), 4 seconds; the busiest cell has 81
    const h = heatmap(3, [
      [81, 0, 0],
      [0, 3, 0],
      [0, 0, 9],
      [1, 27, 0],
    ]);
    const w = 80;
    const lines = renderHeatmap(h, w, 3 + 3, { color: false, tick });
    expect(lines.map((l) => text(l).slice(0, 7 + 4))).toEqual([
      '  16µs┤  ▒ ',
      '   8µs┤ ░ ▓',
      '   4µs┤█  ░',
      '      └───┬',
      '         10',
      ' operations',
    ]);
    for (const l of lines) expect(width(l)).toBe(w);
    // 81^(1/4) = 3: 1..3 ░, 4..9 ▒, 10..27 ▓, 28..81 █
    expect(shadeBounds(81)).toEqual([3, 9, 27, 81]);
    expect([1, 3, 4, 9, 10, 27, 28, 81].map((n) => shadeOf(n, shadeBounds(81)))).toEqual([
      0, 0, 1, 1, 2, 2, 3, 3,
    ]);
    expect(text(lines[5])).toContain(`${HEAT_SHADES[0]} 1-3  ${HEAT_SHADES[1]} 4-9`);
    expect(text(lines[5])).toContain(`${HEAT_SHADES[3]} 28-81`);
    expect(lines.flat().some((r) => r.color !== undefined)).toBe(false);
  });

  it('colours the shades only when colour is on', () => {
    const h = heatmap(1, [[1, 100]]);
    const lines = renderHeatmap(h, 20, 6, { color: true, tick });
    const colours = lines.flat().filter((r) => r.color !== undefined);
    expect(colours.map((r) => [r.text.trim()[0], r.color])).toContainEqual(['█', 'red']);
    expect(colours.map((r) => [r.text.trim()[0], r.color])).toContainEqual(['░', 'blue']);
  });

  it('sums groups into a band when they do not fit, labelled by its lower bound', () => {
    // 6 groups (0..5) in 3 lines: bands of 2
    const h = heatmap(0, [[1, 2, 4, 8, 16, 32]]);
    expect(bandsOf(h, 3)).toEqual({
      bands: [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
      lines: 1,
    });
    const lines = renderHeatmap(h, 8, 6, { color: false, tick }).map(text);
    expect(lines.slice(0, 3).map((l) => l.slice(0, 6).trim())).toEqual(['8µs', '2µs', '<1µs']);
    // the sums 3, 12, 48 against the busiest, 48
    const b = shadeBounds(48);
    expect(lines.slice(0, 3).map((l) => l[7])).toEqual(
      [48, 12, 3].map((n) => HEAT_SHADES[shadeOf(n, b)]),
    );
  });

  it('uses the height: lines per band, then empty bands below and above, up to 1 s', () => {
    const h = heatmap(10, [[5, 5]]);
    // 2 groups in 7 lines: 3 lines a band; in 9, one more band below
    expect(bandsOf(h, 7)).toEqual({ bands: [[10], [11]], lines: 3 });
    expect(bandsOf(h, 9)).toEqual({ bands: [[9], [10], [11]], lines: 3 });
    // in 30: 3 lines a band, bands added below and above in turn
    expect(bandsOf(h, 30).bands.map((b) => b[0])).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    // 14 groups (the demo's RECV: 8 µs to 131 ms) in 27 lines: a line a band, <1µs to 1.05 s
    const recv = heatmap(4, [Array.from({ length: 14 }, () => 1)]);
    const tall = bandsOf(recv, 27);
    expect(tall.lines).toBe(1);
    expect(tall.bands.map((b) => b[0])).toEqual(Array.from({ length: 22 }, (_, g) => g));
    expect(bandLabel(21)).toBe('1.05s');
    const lines = renderHeatmap(recv, 12, 30, { color: false, tick });
    expect(lines).toHaveLength(22 + 3);
    expect(text(lines[0]).slice(0, 7)).toBe(' 1.05s┤');
  });

  it('draws the time axis with ticks at round seconds, and the newest second at the right', () => {
    const counts = Array.from({ length: 40 }, (_, c) => [c === 39 ? 7 : 0]);
    const h = heatmap(5, counts); // seconds 961..1000
    const w = heatmapColumns(60) + 7;
    const lines = renderHeatmap(h, w, 4 + 3, { color: false, tick, originSec: 990 });
    const [axis, labels] = lines.slice(-3, -1).map(text);
    // labels of 3 cells: a tick every 5 s from second 990 (965 … 1000: columns 4 … 39)
    expect([...axis.slice(7)].flatMap((ch, c) => (ch === '┬' ? [c] : []))).toEqual([
      4, 9, 14, 19, 24, 29, 34, 39,
    ]);
    expect(labels.slice(7 + 19 - 1, 7 + 19 + 2)).toBe('-10');
    expect(text(lines[0]).trimEnd().endsWith('█')).toBe(true);
  });

  it('says so when nothing had a latency, and draws nothing without room', () => {
    const empty: Heatmap = { ...heatmap(0, [[0]]), groups: 0, counts: [], total: 0 };
    expect(renderHeatmap(empty, 60, 10, { color: false, tick }).map(text)[0]).toMatch(
      /^no operation with a latency in the last 1 s/,
    );
    expect(renderHeatmap(heatmap(0, [[1]]), 40, 3, { color: false, tick })).toEqual([]);
    expect(renderHeatmap(heatmap(0, [[1]]), 7, 10, { color: false, tick })).toEqual([]);
  });
});
