/**
 * Latency over time, for the heatmap view: per second, how many operations took how long, in
 * groups by powers of two of a microsecond (`<1µs`, `1-2µs`, `2-4µs`, … as the latency panel's
 * histogram: latencyGroups.ts). Each group is a union of whole buckets of the kernel's
 * histograms (their bounds, 1000·2^k ns, are bucket bounds), so a cell counts exactly what the
 * kernel counted: the counts stay exact when events are lost or sampled.
 *
 * Each process × opcode row keeps a ring of its last seconds (HeatRing), written when the model
 * closes a second from that second's histogram (the kernel's per-second counts, or the events',
 * when the figures come from events). A process, an opcode or a whole filter is a sum of such
 * rows, made only when the heatmap is shown (heatmapOf), once per tick.
 */
import { HEAT_GROUPS } from './heatRing.js';
import { groupBounds } from './latencyGroups.js';
import { IO_URING_ENTER } from './opcodes.js';
import type { PxRow } from './rows.js';
import { commMatches, type Filter } from './select.js';

/** A latency band of the heatmap: [lowNs, highNs), one or more groups. */
export interface HeatBand {
  readonly lowNs: number;
  readonly highNs: number;
}

/**
 * Seconds × latency groups: counts[c][g] is the operations of second `endSec − columns + 1 + c`
 * whose latency is in group g (latency.ts: groupBounds), for g in [loGroup, loGroup + groups).
 */
export interface Heatmap {
  /** What it is of: a process's key, an opcode's key, or 'total' (the filter's operations). */
  readonly key: string;
  readonly endSec: number;
  readonly columns: number;
  /** The lowest group with a count in any column, and how many from there (0: no count at all). */
  readonly loGroup: number;
  readonly groups: number;
  readonly counts: readonly Float64Array[];
  /** The operations counted in all. */
  readonly total: number;
}

/** What the heatmap of a row key (or 'total') sums: the process × opcode rows that make it up. */
export function heatParts(
  procs: readonly { key: string; pid: number; comm: string; pxList: readonly PxRow[] }[],
  key: string,
  filter: Filter | undefined,
): PxRow[] {
  const ops = filter?.opcodes && filter.opcodes.length > 0 ? new Set(filter.opcodes) : undefined;
  const pids = filter?.pids && filter.pids.length > 0 ? new Set(filter.pids) : undefined;
  const comms = filter?.comms && filter.comms.length > 0 ? filter.comms : undefined;
  const m = /^o(\d+)$/.exec(key);
  const opcode = m ? Number(m[1]) : undefined;
  const out: PxRow[] = [];
  for (const p of procs) {
    const own = key === p.key;
    if (!own && key.startsWith('p')) continue;
    // an opcode's row and the total are constrained by the process filter; a process is itself
    if (!own && pids && !pids.has(p.pid)) continue;
    if (!own && comms && !comms.some((c) => commMatches(p.comm, c))) continue;
    for (const px of p.pxList) {
      if (opcode !== undefined) {
        if (px.opcode === opcode) out.push(px);
        continue;
      }
      // a process's and the total's operations leave IO_URING_ENTER out, as their rows do
      if (ops ? ops.has(px.opcode) : px.opcode !== IO_URING_ENTER) out.push(px);
    }
  }
  return out;
}

/** The heatmap of some rows over the `columns` seconds up to `endSec`. */
export function heatmapOf(
  key: string,
  parts: readonly PxRow[],
  endSec: number,
  columns: number,
): Heatmap {
  const counts: Float64Array[] = [];
  let lo = HEAT_GROUPS;
  let hi = -1;
  let total = 0;
  for (let c = 0; c < columns; c++) {
    const sec = endSec - columns + 1 + c;
    const col = new Float64Array(HEAT_GROUPS);
    for (const px of parts) px.heat?.addTo(sec, col);
    for (let g = 0; g < HEAT_GROUPS; g++) {
      if (col[g] === 0) continue;
      total += col[g];
      if (g < lo) lo = g;
      if (g > hi) hi = g;
    }
    counts.push(col);
  }
  if (hi < 0) return { key, endSec, columns, loGroup: 0, groups: 0, counts: [], total: 0 };
  return {
    key,
    endSec,
    columns,
    loGroup: lo,
    groups: hi - lo + 1,
    counts: counts.map((col) => col.slice(lo, hi + 1)),
    total,
  };
}

/** The bounds of group g (ns). */
export function heatGroupBounds(g: number): HeatBand {
  const [lowNs, highNs] = groupBounds(g);
  return { lowNs, highNs: g === HEAT_GROUPS - 1 ? Infinity : highNs };
}
