/**
 * Checkpoints of the model: an independent deep copy of its state, which replay keeps to seek
 * backwards without re-reading a recording from its start.
 */
import { Core } from './core.js';
import { RING_BYTES_PER_EVENT } from './ring.js';
import { OpRow, StatRow } from './rows.js';

/**
 * An independent deep copy: the same ingests and advances from here give the same snapshots as
 * they would from `core`. A compact copy holds its buffered events in no more room than they
 * need and remembers the room the original had, which a (non-compact) copy of it gets back:
 * snapshots report the allocation too.
 */
export function cloneCore(core: Core, compact = false): Core {
  const c = new Core(core.opts);
  const rows = new Map<StatRow, StatRow>();
  const room = core.fullCapacity || core.ring.capacity;
  c.ring = core.ring.clone(compact ? core.ring.size : room);
  c.fullCapacity = compact ? room : 0;
  c.started = core.started;
  c.startUs = core.startUs;
  c.nowUs = core.nowUs;
  c.curSec = core.curSec;
  c.nextSecUs = core.nextSecUs;
  c.total = core.total.copyStatsTo(new StatRow(core.seriesSeconds));
  rows.set(core.total, c.total);
  c.ops = core.ops.map((o) => {
    if (o === undefined) return undefined;
    const n = o.copyStatsTo(new OpRow(o.opcode, core.seriesSeconds));
    rows.set(o, n);
    return n;
  });
  c.table = core.table.clone(rows);
  // (a row evicted during this second is still listed; it is seen nowhere else: leave it out)
  c.active = core.active.flatMap((r) => rows.get(r) ?? []);
  c.events = core.events;
  c.enterCalls = core.enterCalls;
  c.enterSubmitted = core.enterSubmitted;
  c.errnoTotal = core.errnoTotal.slice();
  c.errnoSeen = [...core.errnoSeen];
  c.capture = core.capture;
  c.gen = core.gen;
  c.countsGen = core.countsGen;
  c.countsIntervalUs = core.countsIntervalUs;
  c.countsTsUs = core.countsTsUs;
  c.countsErrnos = new Map(core.countsErrnos);
  c.countsEnterCalls = core.countsEnterCalls;
  c.countsEnterSubmitted = core.countsEnterSubmitted;
  return c;
}

/**
 * Bytes a compact clone of `core` holds: the buffered events, and per row its histograms'
 * bucket arrays, its series and the object itself; the name table and the errno counts.
 */
export function stateBytes(core: Core): number {
  const ROW = 400; // the row object, its key and fields
  const row = (r: StatRow): number =>
    ROW +
    r.tHist.bytes +
    (r.c.hist === null ? 0 : r.c.hist.bytes) +
    (r.series === null ? 0 : 5 * r.series.stamp.byteLength);
  let n = core.ring.size * RING_BYTES_PER_EVENT + core.errnoTotal.byteLength + row(core.total);
  for (const o of core.ops) if (o !== undefined) n += row(o);
  for (const p of core.table.procs) {
    n += row(p) + 8 * p.px.length;
    for (const x of p.pxList) n += row(x) + (x.heat === null ? 0 : x.heat.bytes);
  }
  for (const name of core.table.comms) n += 64 + 2 * name.length;
  return n;
}
