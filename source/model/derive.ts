/**
 * A snapshot of the model, as plain immutable data: the since-start figures and series from the
 * rows; the window figures from a scan of the buffered events of the window, or, when the model
 * takes exact counts, from the latest counts delta.
 *
 * (Over 400 lines: the process, opcode and drill-down rows come from one pass over the same
 * window and must agree to the operation; in one file that agreement is visible.)
 */
import { DIR, type Core } from './core.js';
import { errnoKey, errnoName, EXPECTED_KEY } from './errno.js';
import { FIGURE_KEYS, type FigureKey } from './figures.js';
import { IO_URING_ENTER } from './opcodes.js';
import { recentEvents } from './recent.js';
import { RING_BYTES_PER_EVENT } from './ring.js';
import { OpRow, ProcRow, type PxRow, StatRow, type Tally } from './rows.js';
import { commMatches, type Filter } from './select.js';
import type {
  BufferStats,
  Diagnostics,
  EnterStats,
  ErrnoRow,
  ErrorDetailRow,
  Figures,
  OpcodeRow,
  OpcodeShare,
  ProcessOpcodeRow,
  ProcessRow,
  RowStats,
  Series,
  Snapshot,
  TotalsRow,
} from './snapshot.js';

export interface SnapshotOptions {
  /** Window of the rate and window-latency figures in µs (default: the model's windowUs). */
  windowUs?: number;
  /** Include per-second series in the rows (default true; the headless summary needs none). */
  series?: boolean;
  /** Most recent events to include (default 100; 0 for none). */
  recentLimit?: number;
  /** Restrict the recent events (e.g. to the process of the drill-down). */
  recentFilter?: Filter;
  /**
   * Count only these opcodes in the process rows and the totals (a filter `op:READ`): every
   * figure of a process is then that of its operations of these opcodes.
   */
  opcodes?: readonly number[];
  /**
   * Count only the processes these name in the totals (a filter `pid:` or `comm:`, matched as
   * the views match rows): the totals are then the sum of those process rows.
   */
  processes?: Pick<Filter, 'pids' | 'comms'>;
  /**
   * The latency panel's row (its key) and how many of its slowest buffered events to list:
   * Snapshot.latency, under recentFilter. Left out, nothing of it is computed.
   */
  latency?: { key: string; limit: number };
}

const PERCENTILES: readonly number[] = [50, 95, 99];

const EMPTY_SERIES: Series = Object.freeze({
  opsPerSec: [],
  readBytesPerSec: [],
  writeBytesPerSec: [],
  p99Ns: [],
});

/** The window's figures, however they were found: the rows' tallies and the window's totals. */
interface Window {
  /** The row's tally over the window, or null when nothing of the row is in it. */
  tally(row: StatRow): Tally | null;
  /** A process's IO_URING_ENTER calls and submissions in the window. */
  enter(proc: ProcRow): [calls: number, submitted: number];
  /** A process × opcode row's results by errnoKey in the window (null: none). */
  errs(row: StatRow): Map<number, number> | null;
  errnos: Map<number, number>;
  /** Every event in the window (IO_URING_ENTER included), and the calls and submissions. */
  events: number;
  enterCalls: number;
  enterSubmitted: number;
  /** Per-second factor of the window's counts. */
  perSec: number;
  truncated: boolean;
  windowUs: number;
  /** Hands the window's scratch back (histograms to the pool). */
  release(): void;
}

export function deriveSnapshot(
  core: Core,
  opts: SnapshotOptions,
  diagnostics: Diagnostics | null = null,
): Snapshot {
  const nowUs = core.started ? core.nowUs : 0;
  const win = core.counted ? countsWindow(core) : scanWindow(core, opts, nowUs);
  const { perSec } = win;
  const withSeries = opts.series ?? true;
  const endSec = core.curSec - 1;
  const scratch = [0, 0, 0];

  // Under an opcode filter, a process (and the total) is the sum of its rows of those opcodes.
  const only = opts.opcodes && opts.opcodes.length > 0 ? new Set(opts.opcodes) : undefined;
  const scratchRows = new Set<StatRow>();
  const view = (whole: StatRow, parts: () => Iterable<StatRow>): StatRow => {
    if (only === undefined) return whole;
    const sum = new StatRow(withSeries ? core.seriesSeconds : 0);
    scratchRows.add(sum);
    for (const part of parts()) addRow(sum, part, win.tally(part), core, withSeries ? endSec : -1);
    return sum;
  };
  const inFilter = function* (rows: Iterable<StatRow & { opcode: number }>) {
    for (const r of rows) if (only!.has(r.opcode)) yield r;
  };

  const stats = (row: StatRow): RowStats => {
    const w = scratchRows.has(row) ? row.w : win.tally(row);
    return {
      window: figures(w, scratch),
      total: figures(row.t, scratch),
      opsPerSec: w === null ? 0 : w.ops * perSec,
      readBytesPerSec: w === null ? 0 : w.read * perSec,
      writeBytesPerSec: w === null ? 0 : w.write * perSec,
      lastSeenUs: row.lastUs,
    };
  };
  const series = (row: StatRow): Series =>
    seriesOf(row, withSeries ? core.seriesSeconds : 0, endSec);

  // Under a pid: or comm: filter, the totals are the sum of the process rows it shows.
  const pids = opts.processes?.pids ?? [];
  const comms = opts.processes?.comms ?? [];
  const named = pids.length > 0 || comms.length > 0;
  const namedTotal = named ? new StatRow(withSeries ? core.seriesSeconds : 0) : undefined;
  let namedEvents = 0;
  let namedWindowEvents = 0;
  if (namedTotal) scratchRows.add(namedTotal);
  const withEnter = only === undefined || only.has(IO_URING_ENTER);

  const processes: ProcessRow[] = [];
  const processOpcodes: ProcessOpcodeRow[] = [];
  const errorDetail: ErrorDetailRow[] = [];
  for (const pr of core.table.procs) {
    const mix = processOpcodeRows(core, pr, stats, win, processOpcodes, errorDetail);
    const top = mix.find((m) => only === undefined || only.has(m.opcode))?.opcode ?? -1;
    const [wCalls, wSubmitted] = win.enter(pr);
    const shown = view(pr, () => inFilter(pr.pxList));
    if (
      namedTotal &&
      (pids.length === 0 || pids.includes(pr.pid)) &&
      (comms.length === 0 || comms.some((c) => commMatches(pr.comm, c)))
    ) {
      const w = scratchRows.has(shown) ? shown.w : win.tally(shown);
      addRow(namedTotal, shown, w, core, withSeries ? endSec : -1);
      namedEvents += shown.t.ops + (withEnter ? pr.t.calls : 0);
      namedWindowEvents += (w?.ops ?? 0) + (withEnter ? wCalls : 0);
    }
    processes.push({
      kind: 'process',
      key: pr.key,
      pid: pr.pid,
      comm: pr.comm,
      formerComms: pr.formerComms,
      ...stats(shown),
      topOpcode: top,
      topOpName: top >= 0 ? core.opcodes.name(top) : '',
      opcodeMix: mix,
      enterCallsPerSec: wCalls * perSec,
      opsPerEnter: wCalls > 0 ? wSubmitted / wCalls : 0,
      totalEnterCalls: pr.t.calls,
      totalEnterSubmitted: pr.t.submitted,
      series: series(shown),
    });
  }

  const opcodes: OpcodeRow[] = [];
  for (const o of core.ops) {
    if (o === undefined) continue;
    opcodes.push({
      kind: 'opcode',
      key: o.key,
      opcode: o.opcode,
      opName: core.opcodes.name(o.opcode),
      ...stats(o),
      series: series(o),
    });
  }

  const total =
    namedTotal ??
    view(core.total, () =>
      inFilter(core.ops.filter((o): o is OpRow => o !== undefined && o.opcode !== IO_URING_ENTER)),
    );
  const totalStats = stats(total);
  // with counts: every event they stand for (operations and io_uring_enter calls, as filtered);
  // from events: those pushed; under pid: or comm:, those of the processes named
  const countedEnter = withEnter ? core.enterCalls : 0;
  const totals: TotalsRow = {
    ...totalStats,
    events: named ? namedEvents : core.counted ? totalStats.total.ops + countedEnter : core.events,
    eventsPerSec: (named ? namedWindowEvents : win.events) * perSec,
    series: series(total),
  };

  const errors = errnoRows(core, win);
  errorDetail.sort((a, b) => b.total - a.total || b.count - a.count || a.errno - b.errno);

  win.release();
  for (const r of scratchRows) r.w.reset(core.pool);

  return {
    nowUs,
    windowUs: win.windowUs,
    startUs: core.startUs,
    windowTruncated: win.truncated,
    totals,
    processes,
    opcodes,
    processOpcodes,
    errors,
    errorDetail,
    diagnostics,
    enter: enterStats(core, win),
    series: { endSec, length: withSeries ? core.seriesSeconds : 0 },
    buffer: bufferStats(core),
    capture: core.capture,
    evictedProcesses: core.table.evicted,
    recent: recentEvents(core, opts.recentFilter, opts.recentLimit ?? 100),
    opcodeNames: core.opcodes,
  };
}

/** A row's per-second history over the `n` seconds up to `endSec` (n 0: none). */
function seriesOf(row: StatRow, n: number, endSec: number): Series {
  const s = row.series;
  if (n === 0 || s === null) return EMPTY_SERIES;
  const ops: number[] = new Array<number>(n);
  const read: number[] = new Array<number>(n);
  const write: number[] = new Array<number>(n);
  const p99: number[] = new Array<number>(n);
  for (let k = 0; k < n; k++) {
    const sec = endSec - n + 1 + k;
    const slot = ((sec % n) + n) % n;
    const hit = sec >= 0 && s.stamp[slot] === sec;
    ops[k] = hit ? s.ops[slot] : 0;
    read[k] = hit ? s.read[slot] : 0;
    write[k] = hit ? s.write[slot] : 0;
    p99[k] = hit ? s.p99[slot] : 0;
  }
  return { opsPerSec: ops, readBytesPerSec: read, writeBytesPerSec: write, p99Ns: p99 };
}

/**
 * A process's opcode rows (into `out`, its errors' rows into `errorDetail`); returns its opcode
 * mix, most operations in the window first, then most since start.
 */
function processOpcodeRows(
  core: Core,
  pr: ProcRow,
  stats: (row: StatRow) => RowStats,
  win: Window,
  out: ProcessOpcodeRow[],
  errorDetail: ErrorDetailRow[],
): OpcodeShare[] {
  const mix: OpcodeShare[] = [];
  for (const px of pr.pxList) {
    const pxStats = stats(px);
    if (px.errs !== null || px.fails !== null) errorRows(core, px, win, errorDetail);
    out.push({
      kind: 'processOpcode',
      key: px.key,
      processKey: pr.key,
      pid: pr.pid,
      comm: pr.comm,
      opcode: px.opcode,
      opName: core.opcodes.name(px.opcode),
      ...pxStats,
    });
    if (px.opcode !== IO_URING_ENTER) {
      mix.push({
        opcode: px.opcode,
        opName: core.opcodes.name(px.opcode),
        ops: pxStats.window.ops,
        totalOps: pxStats.total.ops,
      });
    }
  }
  return mix.sort((a, b) => b.ops - a.ops || b.totalOps - a.totalOps || a.opcode - b.opcode);
}

/** Errors by errno, most since start first. */
function errnoRows(core: Core, win: Window): ErrnoRow[] {
  const errors: ErrnoRow[] = core.errnoSeen.map((key) => {
    const expected = key >= EXPECTED_KEY;
    const errno = expected ? key - EXPECTED_KEY : key;
    return {
      errno,
      name: errnoName(errno),
      expected,
      count: win.errnos.get(key) ?? 0,
      total: core.errnoTotal[key],
    };
  });
  return errors.sort((a, b) => b.total - a.total || b.count - a.count || a.errno - b.errno);
}

function enterStats(core: Core, win: Window): EnterStats {
  const perSec = win.perSec;
  return {
    callsPerSec: win.enterCalls * perSec,
    submittedPerSec: win.enterSubmitted * perSec,
    opsPerCall: win.enterCalls > 0 ? win.enterSubmitted / win.enterCalls : 0,
    totalCalls: core.enterCalls,
    totalSubmitted: core.enterSubmitted,
    totalOpsPerCall: core.enterCalls > 0 ? core.enterSubmitted / core.enterCalls : 0,
  };
}

function bufferStats(core: Core): BufferStats {
  const ring = core.ring;
  return {
    events: ring.size,
    maxEvents: ring.maxEvents,
    maxAgeUs: core.maxAgeUs,
    bytesPerEvent: RING_BYTES_PER_EVENT,
    allocatedBytes: ring.allocatedBytes,
    startUs: ring.oldestUs(),
    endUs: ring.newestUs(),
    overwritten: ring.overwritten,
    expired: ring.expired,
  };
}

const NO_FIGURES: Figures = Object.freeze({
  ...(Object.fromEntries(FIGURE_KEYS.map((k) => [k, 0])) as Record<FigureKey, number>),
  ops: 0,
  read: 0,
  write: 0,
  errors: 0,
  expected: 0,
  avgNs: 0,
  p50Ns: 0,
  p95Ns: 0,
  p99Ns: 0,
  maxNs: 0,
});

/** A tally's figures (none: all 0); `scratch` takes the percentiles. */
function figures(t: Tally | null, scratch: number[]): Figures {
  if (t === null) return NO_FIGURES;
  const h = t.hist;
  let p50 = 0;
  let p95 = 0;
  let p99 = 0;
  if (h !== null) {
    h.percentiles(PERCENTILES, scratch);
    [p50, p95, p99] = scratch;
  }
  const out = {
    ops: t.ops,
    read: t.read,
    write: t.write,
    errors: t.errors,
    expected: t.expected,
    avgNs: h !== null ? h.mean() : 0,
    p50Ns: p50,
    p95Ns: p95,
    p99Ns: p99,
    maxNs: h !== null ? h.max : 0,
  } as Figures & Record<FigureKey, number>;
  for (const k of FIGURE_KEYS) out[k] = t[k];
  return out;
}

/** A process × opcode row's results by errno (and init failures), as Errors view rows. */
function errorRows(core: Core, px: PxRow, win: Window, out: ErrorDetailRow[]): void {
  const wErrs = win.errs(px);
  const fails = px.fails;
  const base = {
    processKey: px.proc.key,
    pid: px.proc.pid,
    comm: px.proc.comm,
    opcode: px.opcode,
    opName: core.opcodes.name(px.opcode),
  };
  const keys = new Set<number>(px.errs?.keys() ?? []);
  // init failures whose completion was not counted (no request record: tier 2) get a row too
  if (fails !== null) for (const e of fails.keys()) keys.add(errnoKey(px.opcode, e));
  for (const key of keys) {
    const expected = key >= EXPECTED_KEY;
    const errno = expected ? key - EXPECTED_KEY : key;
    out.push({
      ...base,
      key: `${px.key}:${key}`,
      errno,
      name: errnoName(errno),
      expected,
      count: wErrs?.get(key) ?? 0,
      total: px.errs?.get(key) ?? 0,
      failedInit: fails?.get(errno) ?? 0,
    });
  }
}

/**
 * The window from the buffered events: a scan of those in (now − windowUs, now], newest first
 * (events that arrived out of order are placed by their own time).
 */
function scanWindow(core: Core, opts: SnapshotOptions, nowUs: number): Window {
  const gen = ++core.gen;
  let windowUs = opts.windowUs ?? core.windowUs;
  if (!(windowUs > 0)) windowUs = core.windowUs;
  if (windowUs > core.maxAgeUs) windowUs = core.maxAgeUs;
  const cutoff = nowUs - windowUs;
  const ring = core.ring;

  const touched: StatRow[] = [];
  const errnoWin = new Map<number, number>();
  const wTotal = core.total;
  let wEvents = 0;
  let wEnterCalls = 0;
  let wEnterSubmitted = 0;
  const begin = (row: StatRow): void => {
    if (row.wGen !== gen) {
      row.wGen = gen;
      row.w.reset(core.pool);
      touched.push(row);
    }
  };
  const touch = (
    row: StatRow,
    rd: number,
    wr: number,
    err: number,
    exp: number,
    lat: number,
  ): void => {
    begin(row);
    row.w.add(rd, wr, err, exp, lat, core.pool);
  };

  let lastUid = -1;
  let proc: ProcRow | undefined;
  for (let i = ring.size - 1; i >= 0; i--) {
    const p = ring.at(i);
    // Every event pushed before this one is no later than seenUs: the rest is out of the window.
    if (ring.seenUs[p] <= cutoff) break;
    const ts = ring.tsUs[p];
    if (ts <= cutoff) continue; // arrived late, completed before the window
    wEvents++;
    const uid = ring.row[p];
    if (uid !== lastUid) {
      lastUid = uid;
      proc = core.table.byId(uid);
    }
    const op = ring.opcode[p];
    let rd = 0;
    let wr = 0;
    let err = 0;
    let exp = 0;
    const res = ring.result[p];
    const hasRes = ring.hasResult[p] === 1;
    if (hasRes) {
      if (res < 0) {
        const key = errnoKey(op, -res);
        if (key >= EXPECTED_KEY) exp = 1;
        else err = 1;
        errnoWin.set(key, (errnoWin.get(key) ?? 0) + 1);
      } else if (res > 0) {
        const d = DIR[op];
        if (d === 1) rd = res;
        else if (d === 2) wr = res;
      }
    }
    const lat = ring.latencyNs[p];
    const opRow = core.ops[op];
    if (opRow !== undefined) touch(opRow, rd, wr, err, exp, lat);
    if (proc !== undefined) {
      const px = proc.px[op];
      if (px !== undefined) {
        touch(px, rd, wr, err, exp, lat);
        if (err + exp > 0) {
          const key = errnoKey(op, -res);
          const m = (px.wErrs ??= new Map<number, number>());
          m.set(key, (m.get(key) ?? 0) + 1);
        }
      }
    }
    if (op === IO_URING_ENTER) {
      const submitted = hasRes ? (res > 0 ? res : 0) : ring.length[p];
      wEnterCalls++;
      wEnterSubmitted += submitted;
      if (proc !== undefined) {
        begin(proc);
        proc.w.calls++;
        proc.w.submitted += submitted;
      }
    } else {
      if (proc !== undefined) touch(proc, rd, wr, err, exp, lat);
      touch(wTotal, rd, wr, err, exp, lat);
    }
  }

  // incomplete while events of the window were pushed out by the count bound (not after)
  const truncated = ring.overwrittenUntilUs > cutoff;
  let spanUs = windowUs;
  if (truncated && ring.size > 0) spanUs = Math.max(nowUs - ring.oldestUs(), 1);
  return {
    tally: (row) => (row.wGen === gen ? row.w : null),
    enter: (p) => (p.wGen === gen ? [p.w.calls, p.w.submitted] : [0, 0]),
    errs: (r) => (r.wGen === gen ? r.wErrs : null),
    errnos: errnoWin,
    events: wEvents,
    enterCalls: wEnterCalls,
    enterSubmitted: wEnterSubmitted,
    perSec: 1e6 / spanUs,
    truncated,
    windowUs,
    release: () => {
      // Give the window histograms back to the pool.
      for (const row of touched) {
        row.w.reset(core.pool);
        if (row.wErrs !== null) row.wErrs.clear();
      }
    },
  };
}

/**
 * The window from exact counts: the latest counts delta (about a second), whatever the refresh;
 * none when it is stale (no delta for over two intervals: nothing happened since, in a replay
 * whose counts file holds only the intervals with activity).
 */
function countsWindow(core: Core): Window {
  const stale =
    core.countsIntervalUs > 0 &&
    core.nowUs - core.countsTsUs > 2 * Math.max(core.countsIntervalUs, 1_000_000);
  const gen = stale ? -1 : core.countsGen;
  const ops = core.total.kGen === gen ? core.total.k.ops : 0;
  return {
    tally: (row) => (row.kGen === gen ? row.k : null),
    enter: (p) => (p.kGen === gen ? [p.k.calls, p.k.submitted] : [0, 0]),
    errs: (r) => (r.kErrsGen === gen ? r.kErrs : null),
    errnos: stale ? new Map<number, number>() : core.countsErrnos,
    events: stale ? 0 : ops + core.countsEnterCalls,
    enterCalls: stale ? 0 : core.countsEnterCalls,
    enterSubmitted: stale ? 0 : core.countsEnterSubmitted,
    perSec: core.countsIntervalUs > 0 ? 1e6 / core.countsIntervalUs : 0,
    truncated: false,
    windowUs: core.countsIntervalUs,
    release: () => undefined,
  };
}

/**
 * Adds `part` (with its window tally `w`) into `sum`: since-start counts and histogram, the
 * window tally, and the per-second series up to `endSec` (-1: none).
 */
function addRow(sum: StatRow, part: StatRow, w: Tally | null, core: Core, endSec: number): void {
  sum.t.addTally(part.t, core.pool);
  if (part.lastUs > sum.lastUs) sum.lastUs = part.lastUs;
  if (w !== null) sum.w.addTally(w, core.pool);
  const s = part.series;
  const t = sum.series;
  if (endSec < 0 || s === null || t === null) return;
  const n = s.stamp.length;
  for (let k = 0; k < n; k++) {
    const sec = endSec - k;
    const slot = ((sec % n) + n) % n;
    if (sec < 0 || s.stamp[slot] !== sec) continue;
    if (t.stamp[slot] !== sec) {
      t.stamp[slot] = sec;
      t.ops[slot] = t.read[slot] = t.write[slot] = t.p99[slot] = 0;
    }
    t.ops[slot] += s.ops[slot];
    t.read[slot] += s.read[slot];
    t.write[slot] += s.write[slot];
    // (a p99 of several p99s is not a p99: the highest is the bound that holds)
    if (s.p99[slot] > t.p99[slot]) t.p99[slot] = s.p99[slot];
  }
}
