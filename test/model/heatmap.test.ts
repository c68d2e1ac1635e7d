/**
 * The heatmap's cells against the histograms they come from: the kernel's per-second counts
 * (pushed by hand, and the demo recording's counts file) and, without counts, the events. Each
 * bucket of a histogram must land, whole, in the cell of its second and of the group that holds
 * every value of the bucket, found here by plain comparisons with the groups' bounds.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CountsDelta, OpCounts } from '../../source/model/counts.js';
import type { Heatmap } from '../../source/model/heatmap.js';
import { bucketLow, bucketOf, LAST_BUCKET } from '../../source/model/histogram.js';
import { Model } from '../../source/model/model.js';
import { OpcodeTable } from '../../source/model/opcodes.js';
import { loadRecordedCounts } from '../../source/record/countsFile.js';
import { readSessionMeta } from '../../source/record/meta.js';
import { Playback } from '../../source/record/playback.js';
import { ev, opCounts, rng, SEC, T } from './helpers.js';

/** The group of every value in [low, high): k with 1000·2^(k−1) ≤ v < 1000·2^k (0 below 1 µs). */
function groupByBounds(low: number, high: number): number {
  let k = 0;
  while (low >= 1000 * 2 ** k) k++;
  // the bucket's last value falls in the same group: a cell holds whole buckets
  expect(high - 1 < 1000 * 2 ** k).toBe(true);
  return k;
}

const bucketGroup = (b: number) =>
  groupByBounds(bucketLow(b), b === LAST_BUCKET ? bucketLow(b) + 1 : bucketLow(b + 1));

/** The cell of `heatmap` for second `sec` and group `g` (0 outside its groups). */
function cell(h: Heatmap, sec: number, g: number): number {
  const c = sec - (h.endSec - h.columns + 1);
  if (c < 0 || c >= h.columns || g < h.loGroup || g >= h.loGroup + h.groups) return 0;
  return h.counts[c][g - h.loGroup];
}

/** Every cell of a heatmap as "sec/group count", zeros left out, for a whole comparison. */
function cells(h: Heatmap): string[] {
  const out: string[] = [];
  for (let c = 0; c < h.columns; c++)
    for (let g = 0; g < h.groups; g++)
      if (h.counts[c][g] !== 0)
        out.push(`${h.endSec - h.columns + 1 + c}/${h.loGroup + g} ${h.counts[c][g]}`);
  return out.sort();
}

/** The cells the histograms of some counts rows make: per second, per group of each bucket. */
function expectedCells(bySecond: Map<number, OpCounts[]>): string[] {
  const sum = new Map<string, number>();
  for (const [sec, rows] of bySecond)
    for (const r of rows)
      for (let i = 0; i < r.latency.length; i += 2) {
        const key = `${sec}/${bucketGroup(r.latency[i])}`;
        sum.set(key, (sum.get(key) ?? 0) + r.latency[i + 1]);
      }
  return [...sum].map(([k, n]) => `${k} ${n}`).sort();
}

const delta = (tsUs: number, rows: OpCounts[]): CountsDelta => ({ tsUs, intervalUs: SEC, rows });

describe('heatmap', () => {
  it('puts each bucket of the kernel’s per-second histograms whole into its second and group', () => {
    const random = rng(29);
    const m = new Model({ aggregate: 'counts' });
    const bySecond = new Map<number, OpCounts[]>();
    const startSec = T / SEC;
    for (let s = 1; s <= 20; s++) {
      const rows: OpCounts[] = [];
      for (const [pid, comm, opcode] of [
        [100, 'db', 22],
        [100, 'db', 23],
        [200, 'net', 27],
      ] as const) {
        const latency: number[] = [];
        // buckets across the whole range, on and around the groups' bounds
        for (const ns of [999, 1000, 1001, 127, 128, 2047, 2048, 4_095_999, 4_096_000])
          latency.push(bucketOf(ns * (1 + Math.floor(random() * 3))), 1 + Math.floor(random() * 5));
        latency.push(bucketOf(random() * 2e9), 7);
        rows.push(opCounts({ pid, comm, opcode, ops: 1, latency }));
      }
      // the delta that ends at second S + 0.5 is counted in second S
      m.pushCounts(delta(T + s * SEC + SEC / 2, rows));
      bySecond.set(startSec + s, rows);
    }
    m.advance(T + 22 * SEC);
    const h = m.snapshot({ heatmap: { key: 'total', columns: 30 } }).heatmap!;
    expect(h.endSec).toBe(startSec + 21);
    expect(cells(h)).toEqual(expectedCells(bySecond));
    expect(h.total).toBe(
      [...bySecond.values()].flat().reduce((n, r) => n + sumCounts(r.latency), 0),
    );

    // one process: its rows only; one opcode: its rows only; a filter narrows the total
    const snap = m.snapshot({ heatmap: { key: 'o27', columns: 30 } });
    const only = (f: (r: OpCounts) => boolean) =>
      new Map([...bySecond].map(([s, rows]) => [s, rows.filter(f)]));
    expect(cells(snap.heatmap!)).toEqual(expectedCells(only((r) => r.opcode === 27)));
    const db = snap.processes.find((p) => p.comm === 'db')!;
    const ofDb = m.snapshot({ heatmap: { key: db.key, columns: 30 } }).heatmap!;
    expect(cells(ofDb)).toEqual(expectedCells(only((r) => r.pid === 100)));
    const filtered = m.snapshot({
      heatmap: { key: 'total', columns: 30, filter: { pids: [100], opcodes: [23] } },
    }).heatmap!;
    expect(cells(filtered)).toEqual(expectedCells(only((r) => r.pid === 100 && r.opcode === 23)));
    // the columns end at the last complete second, the oldest drop off the left
    const narrow = m.snapshot({ heatmap: { key: 'total', columns: 5 } }).heatmap!;
    expect(cells(narrow)).toEqual(
      expectedCells(new Map([...bySecond].filter(([s]) => s > startSec + 16))),
    );
  });

  it('counts the events’ latencies when the figures come from events', () => {
    const m = new Model();
    const want = new Map<string, number>();
    const lat = [500, 1500, 1500, 3000, 70_000_000, 120_000_000];
    for (let s = 0; s < 5; s++)
      lat.forEach((ns, i) => {
        m.push(ev({ tsUs: T + s * SEC + i * 1000, latencyNs: ns * (s + 1) }));
        const key = `${T / SEC + s}/${groupByBounds(ns * (s + 1), ns * (s + 1) + 1)}`;
        want.set(key, (want.get(key) ?? 0) + 1);
      });
    // an IO_URING_ENTER call is not an operation of the total
    m.push(ev({ tsUs: T + 2 * SEC, opcode: 255, latencyNs: 5000 }));
    m.advance(T + 6 * SEC);
    const h = m.snapshot({ heatmap: { key: 'total', columns: 10 } }).heatmap!;
    expect(cells(h)).toEqual([...want].map(([k, n]) => `${k} ${n}`).sort());
    expect(cell(h, T / SEC + 4, groupByBounds(600_000_000, 600_000_001))).toBe(1);
    // a checkpoint keeps the history
    const cp = m.checkpoint();
    const m2 = new Model();
    m2.restore(cp);
    expect(cells(m2.snapshot({ heatmap: { key: 'total', columns: 10 } }).heatmap!)).toEqual(
      cells(h),
    );
  });

  it('shows the demo’s RECV cells as its counts file has them, the jump from 30 s to 45 s included', async () => {
    const file = path.resolve(import.meta.dirname, '../../recordings/demo.csv.gz');
    const meta = await readSessionMeta(file);
    const { counts } = await loadRecordedCounts(file, meta);
    expect(counts).toBeDefined();
    const model = new Model({ aggregate: 'counts' });
    const opcodes = new OpcodeTable();
    const replay = await Playback.open(file, model, { speed: 'max', counts, opcodes });
    try {
      await replay.runToEnd();
    } finally {
      replay.close();
    }
    const recv = opcodes.code('RECV')!;
    const h = model.snapshot({ heatmap: { key: `o${recv}`, columns: 90 } }).heatmap!;
    // a delta is counted in the second of the clock's first 100 ms grid point at or after it
    const bySecond = new Map<number, OpCounts[]>();
    for (const d of counts!) {
      const sec = Math.floor((Math.ceil(d.tsUs / 100_000) * 100_000) / SEC);
      const rows = d.rows.filter((r) => r.opcode === recv);
      bySecond.set(sec, [...(bySecond.get(sec) ?? []), ...rows]);
    }
    // the last second is still open at the end of the recording: not shown yet (as the series)
    expect(Math.max(...bySecond.keys())).toBe(h.endSec + 1);
    bySecond.delete(h.endSec + 1);
    expect(cells(h)).toEqual(expectedCells(bySecond));
    // the story: RECVs of 64 ms and more only in the seconds from 30 s to 45 s
    const start = Math.floor(replay.status.startUs / SEC);
    const slowSeconds: number[] = [];
    for (let c = 0; c < h.columns; c++) {
      const sec = h.endSec - h.columns + 1 + c;
      let slow = 0;
      for (let g = 17; g < 20; g++) slow += cell(h, sec, g); // [65.5 ms, 524 ms)
      if (slow > 0) slowSeconds.push(sec - start);
    }
    expect(slowSeconds.length).toBeGreaterThanOrEqual(12);
    expect(Math.min(...slowSeconds)).toBeGreaterThanOrEqual(29);
    expect(Math.max(...slowSeconds)).toBeLessThanOrEqual(47);
  });
});

function sumCounts(pairs: readonly number[]): number {
  let n = 0;
  for (let i = 1; i < pairs.length; i += 2) n += pairs[i];
  return n;
}
