/**
 * The latency detail of one row (a process, an opcode, or one opcode of one process): its
 * latencies since start grouped by powers of two of a microsecond, its percentiles, and the
 * slowest of its buffered events. Computed only when the TUI's latency panel is open (the
 * snapshot option `latency`), once per tick: a scan of the buffer, never per event.
 */
import type { Core } from './core.js';
import type { IoEvent } from './event.js';
import { LatencyHistogram } from './histogram.js';
import { groupBounds, groupOf } from './latencyGroups.js';
import { IO_URING_ENTER } from './opcodes.js';
import { eventAt, eventMatcher } from './recent.js';
import type { Filter } from './select.js';
import type { PxRow, StatRow } from './rows.js';
import type { LatencyDetail, LatencyGroup } from './snapshot.js';

export { groupBounds, groupOf } from './latencyGroups.js';

/** Percentiles the panel shows, in the order of LatencyDetail.percentiles. */
export const DETAIL_PERCENTILES: readonly number[] = [50, 90, 99, 99.9];

/**
 * The histogram's counts by power of two of a microsecond (`<1µs`, `1-2µs`, `2-4µs`, …), every
 * group from the lowest non-empty one to the highest (empty ones between included). A bucket
 * goes to the group of its value (within 1/128 of any value in it).
 */
export function powerOfTwoGroups(h: LatencyHistogram): LatencyGroup[] {
  const counts: number[] = [];
  let lo = Infinity;
  h.forEachBucket((v, n) => {
    const k = groupOf(v);
    if (k < lo) lo = k;
    counts[k] = (counts[k] ?? 0) + n;
  });
  const out: LatencyGroup[] = [];
  for (let k = lo; k < counts.length; k++) {
    const [lowNs, highNs] = groupBounds(k);
    out.push({ lowNs, highNs, count: counts[k] ?? 0 });
  }
  return out;
}

/**
 * The `limit` buffered events with the highest latency among those `ok` accepts, slowest first;
 * equal latencies newest first. Events without a latency are left out.
 */
export function slowestEvents(
  core: Core,
  ok: (p: number) => boolean,
  limit: number,
): { events: IoEvent[]; considered: number } {
  const ring = core.ring;
  const lat = ring.latencyNs;
  const best: number[] = []; // ring positions, slowest first
  let considered = 0;
  if (!(limit > 0)) return { events: [], considered };
  // newest to oldest: an older event with the same latency goes after the ones already kept
  for (let i = ring.size - 1; i >= 0; i--) {
    const p = ring.at(i);
    const l = lat[p];
    if (!(l > 0) || !ok(p)) continue;
    considered++;
    if (best.length === limit && l <= lat[best[best.length - 1]]) continue;
    let at = best.length;
    while (at > 0 && lat[best[at - 1]] < l) at--;
    best.splice(at, 0, p);
    if (best.length > limit) best.pop();
  }
  return { events: best.map((p) => eventAt(core, p)), considered };
}

/** The stat row a row key names (`p<uid>`, `o<opcode>`, `p<uid>:<opcode>`), and its events. */
function target(
  core: Core,
  key: string,
):
  { row: StatRow; parts?: readonly PxRow[]; ok: (p: number) => boolean; what: string } | undefined {
  const ring = core.ring;
  const m = /^(?:o(\d+)|(p\d+)(?::(\d+))?)$/.exec(key);
  if (!m) return undefined;
  if (m[1] !== undefined) {
    const op = Number(m[1]);
    const row = core.ops[op & 255];
    return row && { row, ok: (p) => ring.opcode[p] === op, what: 'opcode' };
  }
  const proc = core.table.procs.find((r) => r.key === m[2]);
  if (!proc) return undefined;
  if (m[3] !== undefined) {
    const op = Number(m[3]);
    const row = proc.px[op & 255];
    return (
      row && {
        row,
        ok: (p) => ring.row[p] === proc.uid && ring.opcode[p] === op,
        what: 'process opcode',
      }
    );
  }
  // a process's operations leave IO_URING_ENTER (the syscall) out, as its row does
  return {
    row: proc,
    parts: proc.pxList,
    ok: (p) => ring.row[p] === proc.uid && ring.opcode[p] !== IO_URING_ENTER,
    what: 'process',
  };
}

/**
 * The detail of the row with this key, restricted by the filter in force (an `op:` filter
 * narrows a process to those opcodes, as its row is); undefined when no such row exists.
 */
export function latencyDetail(
  core: Core,
  key: string,
  filter: Filter | undefined,
  limit: number,
): LatencyDetail | undefined {
  const t = target(core, key);
  if (!t) return undefined;
  let hist = t.row.tHist;
  const only = filter?.opcodes && filter.opcodes.length > 0 ? new Set(filter.opcodes) : undefined;
  if (only && t.parts) {
    hist = new LatencyHistogram();
    for (const px of t.parts) if (only.has(px.opcode)) hist.merge(px.tHist);
  }
  const match = eventMatcher(core, filter);
  // only the events the counts already include, so that the buffered never outnumber the counted
  const until = core.countedUntilUs;
  const tsUs = core.ring.tsUs;
  const ok = (p: number) => tsUs[p] <= until && t.ok(p) && (match === undefined || match(p));
  const { events, considered } = slowestEvents(core, ok, limit);
  const ps: number[] = [];
  hist.percentiles(DETAIL_PERCENTILES, ps);
  return {
    key,
    count: hist.count,
    percentilesNs: ps,
    maxNs: hist.max,
    groups: powerOfTwoGroups(hist),
    slowest: events,
    considered,
    bufferStartUs: core.ring.size > 0 ? core.ring.tsUs[core.ring.at(0)] : 0,
  };
}
