/**
 * The live model: a rolling buffer of recent events plus aggregations, fed one event at a time
 * (push) and clocked explicitly (advance). See index.ts for the API overview.
 *
 * Where each figure comes from:
 * - since-start totals and latency histograms: updated in push(), per process, opcode,
 *   process × opcode and overall;
 * - per-second series: push() accumulates the current second per process, opcode and overall;
 *   when the clock enters a new second the finished one is written to a ring of seriesSeconds
 *   slots (its p99 from a pooled histogram);
 * - window figures: snapshot() scans the buffered events of the window, newest first (events
 *   that arrive out of order are placed by their own time).
 */
import { IO_URING_ENTER, opcodeDirection, opcodeName } from './opcodes.js';
import type { IoEvent, EventSink } from './event.js';
import { EventRing, RING_BYTES_PER_EVENT } from './ring.js';
import { LatencyHistogram } from './histogram.js';
import { errnoName, MAX_ERRNO } from './errno.js';
import { isEmptyFilter, type Filter } from './select.js';
import type {
  CaptureCounters,
  ErrnoRow,
  OpcodeRow,
  OpcodeShare,
  ProcessOpcodeRow,
  ProcessRow,
  RowStats,
  Series,
  Snapshot,
  TotalsRow,
} from './snapshot.js';

export interface ModelOptions {
  /** Count bound of the event buffer (default 1,000,000). */
  bufferEvents?: number;
  /** Age bound of the event buffer in seconds (default 60; fractions allowed). */
  bufferSeconds?: number;
  /** Default refresh window of snapshot() in µs (default 1 s). */
  windowUs?: number;
  /** Points in every per-second series (default 60). */
  seriesSeconds?: number;
  /** Most process rows kept; beyond it the idlest is evicted (default 4096). */
  maxProcesses?: number;
}

export interface SnapshotOptions {
  /** Window of the rate and window-latency figures in µs (default: the model's windowUs). */
  windowUs?: number;
  /** Include per-second series in the rows (default true; the headless summary needs none). */
  series?: boolean;
  /** Most recent events to include (default 100; 0 for none). */
  recentLimit?: number;
  /** Restrict the recent events (e.g. to the process of the drill-down). */
  recentFilter?: Filter;
}

export const DEFAULT_BUFFER_EVENTS = 1_000_000;
export const DEFAULT_BUFFER_SECONDS = 60;
export const DEFAULT_WINDOW_US = 1_000_000;
export const DEFAULT_SERIES_SECONDS = 60;
export const DEFAULT_MAX_PROCESSES = 4096;
const PERCENTILES: readonly number[] = [50, 95, 99];

const DIR = new Uint8Array(256); // 1 = read-class, 2 = write-class
for (let op = 0; op < 256; op++) {
  const d = opcodeDirection(op);
  DIR[op] = d === 'read' ? 1 : d === 'write' ? 2 : 0;
}

class HistPool {
  private free: LatencyHistogram[] = [];
  acquire(): LatencyHistogram {
    return this.free.pop() ?? new LatencyHistogram();
  }
  release(h: LatencyHistogram): void {
    h.clear();
    this.free.push(h);
  }
}

class SeriesRing {
  readonly stamp: Float64Array;
  readonly ops: Float64Array;
  readonly read: Float64Array;
  readonly write: Float64Array;
  readonly p99: Float64Array;
  constructor(n: number) {
    this.stamp = new Float64Array(n).fill(-1);
    this.ops = new Float64Array(n);
    this.read = new Float64Array(n);
    this.write = new Float64Array(n);
    this.p99 = new Float64Array(n);
  }

  clone(): SeriesRing {
    const c = new SeriesRing(this.stamp.length);
    c.stamp.set(this.stamp);
    c.ops.set(this.ops);
    c.read.set(this.read);
    c.write.set(this.write);
    c.p99.set(this.p99);
    return c;
  }
}

/** Copies a row's counters (not its identity) into a fresh row of the same kind. */
function copyStats<T extends StatRow>(from: StatRow, to: T): T {
  to.tOps = from.tOps;
  to.tRead = from.tRead;
  to.tWrite = from.tWrite;
  to.tErrors = from.tErrors;
  to.tHist = from.tHist.clone();
  to.lastUs = from.lastUs;
  to.cSec = from.cSec;
  to.cOps = from.cOps;
  to.cRead = from.cRead;
  to.cWrite = from.cWrite;
  to.cHist = from.cHist === null ? null : from.cHist.clone();
  to.series = from.series === null ? null : from.series.clone();
  // w* are scratch of one snapshot() call: nothing to carry
  return to;
}

/** Counters of one row: since start (t*), current second (c*), window scratch (w*). */
class StatRow {
  tOps = 0;
  tRead = 0;
  tWrite = 0;
  tErrors = 0;
  tHist = new LatencyHistogram();
  lastUs = 0;

  cSec = -1;
  cOps = 0;
  cRead = 0;
  cWrite = 0;
  cHist: LatencyHistogram | null = null;
  series: SeriesRing | null;

  wGen = -1;
  wOps = 0;
  wRead = 0;
  wWrite = 0;
  wErrors = 0;
  wHist: LatencyHistogram | null = null;

  constructor(seriesSeconds: number) {
    this.series = seriesSeconds > 0 ? new SeriesRing(seriesSeconds) : null;
  }
}

class ProcRow extends StatRow {
  readonly key: string;
  nextSamePid: ProcRow | undefined = undefined;
  readonly px: (PxRow | undefined)[] = [];
  readonly pxList: PxRow[] = [];
  enterCalls = 0;
  enterSubmitted = 0;
  wEnterCalls = 0;
  wEnterSubmitted = 0;
  constructor(
    readonly uid: number,
    readonly pid: number,
    readonly comm: string,
    readonly commId: number,
    seriesSeconds: number,
  ) {
    super(seriesSeconds);
    this.key = `p${uid}`;
  }
}

class OpRow extends StatRow {
  readonly key: string;
  constructor(
    readonly opcode: number,
    seriesSeconds: number,
  ) {
    super(seriesSeconds);
    this.key = `o${opcode}`;
  }
}

class PxRow extends StatRow {
  readonly key: string;
  constructor(
    readonly proc: ProcRow,
    readonly opcode: number,
  ) {
    super(0);
    this.key = `${proc.key}:${opcode}`;
  }
}

const ZERO_COUNTERS: CaptureCounters = {
  lost: 0,
  dropped: 0,
  overflow: 0,
  unmatched: 0,
  malformed: 0,
};

/** The model's whole mutable state; Model.reset() replaces it. */
class Core {
  readonly maxAgeUs: number;
  readonly windowUs: number;
  readonly seriesSeconds: number;
  readonly maxProcesses: number;
  ring: EventRing;
  private readonly pool = new HistPool();

  private started = false;
  startUs = 0;
  nowUs = 0;
  private curSec = -1;
  private nextSecUs = -Infinity;
  private active: StatRow[] = [];

  private byPid = new Map<number, ProcRow>();
  private byUid = new Map<number, ProcRow>();
  private procs: ProcRow[] = [];
  private nextUid = 1;
  private evicted = 0;
  private lastProc: ProcRow | undefined = undefined;

  private commIds = new Map<string, number>();
  private comms: string[] = [];

  private ops: (OpRow | undefined)[] = new Array<OpRow | undefined>(256).fill(undefined);
  private total: StatRow;
  private events = 0;
  private enterCalls = 0;
  private enterSubmitted = 0;
  private errnoTotal = new Float64Array(MAX_ERRNO + 1);
  private errnoSeen: number[] = [];
  capture: CaptureCounters = ZERO_COUNTERS;

  private gen = 0;
  /** For a compact clone: the ring capacity of the state it copies (0 otherwise). */
  private fullCapacity = 0;

  constructor(private readonly opts: ModelOptions) {
    this.ring = new EventRing(
      positiveInt(opts.bufferEvents, DEFAULT_BUFFER_EVENTS, 'bufferEvents'),
    );
    this.maxAgeUs = positiveInt(
      opts.bufferSeconds === undefined ? undefined : opts.bufferSeconds * 1e6,
      DEFAULT_BUFFER_SECONDS * 1e6,
      'bufferSeconds',
    );
    this.windowUs = positiveInt(opts.windowUs, DEFAULT_WINDOW_US, 'windowUs');
    this.seriesSeconds = positiveInt(opts.seriesSeconds, DEFAULT_SERIES_SECONDS, 'seriesSeconds');
    this.maxProcesses = positiveInt(opts.maxProcesses, DEFAULT_MAX_PROCESSES, 'maxProcesses');
    this.total = new StatRow(this.seriesSeconds);
  }

  /**
   * An independent deep copy: the same pushes and advances from here give the same snapshots as
   * they would from this one (replay checkpoints). A compact copy holds its buffered events in
   * no more room than they need and remembers the room the original had, which a (non-compact)
   * copy of it gets back: snapshots report the allocation too.
   */
  clone(compact = false): Core {
    const c = new Core(this.opts);
    const rows = new Map<StatRow, StatRow>();
    const procRow = (p: ProcRow): ProcRow => rows.get(p) as ProcRow;
    const room = this.fullCapacity || this.ring.capacity;
    c.ring = this.ring.clone(compact ? this.ring.size : room);
    c.fullCapacity = compact ? room : 0;
    c.started = this.started;
    c.startUs = this.startUs;
    c.nowUs = this.nowUs;
    c.curSec = this.curSec;
    c.nextSecUs = this.nextSecUs;
    c.total = copyStats(this.total, new StatRow(this.seriesSeconds));
    rows.set(this.total, c.total);
    c.ops = this.ops.map((o) => {
      if (o === undefined) return undefined;
      const n = copyStats(o, new OpRow(o.opcode, this.seriesSeconds));
      rows.set(o, n);
      return n;
    });
    c.procs = this.procs.map((p) => {
      const n = copyStats(p, new ProcRow(p.uid, p.pid, p.comm, p.commId, this.seriesSeconds));
      n.enterCalls = p.enterCalls;
      n.enterSubmitted = p.enterSubmitted;
      rows.set(p, n);
      for (const x of p.pxList) {
        const nx = copyStats(x, new PxRow(n, x.opcode));
        n.px[x.opcode] = nx;
        n.pxList.push(nx);
        rows.set(x, nx);
      }
      return n;
    });
    for (const p of this.procs)
      procRow(p).nextSamePid = p.nextSamePid === undefined ? undefined : procRow(p.nextSamePid);
    c.byPid = new Map([...this.byPid].map(([pid, p]) => [pid, procRow(p)]));
    c.byUid = new Map([...this.byUid].map(([uid, p]) => [uid, procRow(p)]));
    c.nextUid = this.nextUid;
    c.evicted = this.evicted;
    c.lastProc = this.lastProc === undefined ? undefined : procRow(this.lastProc);
    c.commIds = new Map(this.commIds);
    c.comms = [...this.comms];
    // (a row evicted during this second is still listed; it is seen nowhere else: leave it out)
    c.active = this.active.flatMap((r) => rows.get(r) ?? []);
    c.events = this.events;
    c.enterCalls = this.enterCalls;
    c.enterSubmitted = this.enterSubmitted;
    c.errnoTotal = this.errnoTotal.slice();
    c.errnoSeen = [...this.errnoSeen];
    c.capture = this.capture;
    c.gen = this.gen;
    return c;
  }

  /**
   * Bytes a compact clone of this state holds: the buffered events, and per row its histograms'
   * bucket arrays, its series and the object itself; the name table and the errno counts.
   */
  get stateBytes(): number {
    const ROW = 400; // the row object, its key and fields
    const row = (r: StatRow): number =>
      ROW +
      r.tHist.bytes +
      (r.cHist === null ? 0 : r.cHist.bytes) +
      (r.series === null ? 0 : 5 * r.series.stamp.byteLength);
    let n = this.ring.size * RING_BYTES_PER_EVENT + this.errnoTotal.byteLength + row(this.total);
    for (const o of this.ops) if (o !== undefined) n += row(o);
    for (const p of this.procs) {
      n += row(p) + 8 * p.px.length;
      for (const x of p.pxList) n += row(x);
    }
    for (const name of this.comms) n += 64 + 2 * name.length;
    return n;
  }

  // ---- clock -------------------------------------------------------------------------------

  private observe(us: number): void {
    if (!this.started) {
      this.started = true;
      this.startUs = us;
      this.nowUs = us;
    } else if (us > this.nowUs) {
      this.nowUs = us;
    } else {
      return;
    }
    if (us >= this.nextSecUs) this.roll(Math.floor(us / 1e6));
  }

  /** Closes the current second: each row active in it writes its point of the series. */
  private roll(sec: number): void {
    const done = this.curSec;
    const n = this.seriesSeconds;
    for (const row of this.active) {
      const s = row.series;
      if (s !== null) {
        const slot = done % n;
        s.stamp[slot] = done;
        s.ops[slot] = row.cOps;
        s.read[slot] = row.cRead;
        s.write[slot] = row.cWrite;
        s.p99[slot] = row.cHist !== null ? row.cHist.percentile(99) : 0;
      }
      if (row.cHist !== null) {
        this.pool.release(row.cHist);
        row.cHist = null;
      }
      row.cSec = -1;
    }
    this.active.length = 0;
    this.curSec = sec;
    this.nextSecUs = (sec + 1) * 1e6;
  }

  advance(nowUs: number): void {
    if (!Number.isFinite(nowUs)) return;
    this.observe(nowUs);
    this.ring.expireBefore(this.nowUs - this.maxAgeUs);
  }

  // ---- hot path ----------------------------------------------------------------------------

  push(ev: IoEvent): void {
    const ts = ev.tsUs;
    if (ts > this.nowUs || !this.started) this.observe(ts);
    const ring = this.ring;
    if (ring.size > 0 && ring.tsUs[ring.head] < this.nowUs - this.maxAgeUs) {
      ring.expireBefore(this.nowUs - this.maxAgeUs);
    }
    const proc = this.procFor(ev.pid, ev.comm);
    const op = ev.opcode & 255;
    ring.push(ev, proc.uid, proc.commId);
    this.events++;

    let rd = 0;
    let wr = 0;
    let err = 0;
    if (ev.hasResult) {
      const res = ev.result;
      if (res < 0) {
        err = 1;
        this.countErrno(-res);
      } else if (res > 0) {
        const d = DIR[op];
        if (d === 1) rd = res;
        else if (d === 2) wr = res;
      }
    }
    const lat = ev.latencyNs;
    proc.lastUs = ts;

    let opRow = this.ops[op];
    if (opRow === undefined) opRow = this.ops[op] = new OpRow(op, this.seriesSeconds);
    this.add(opRow, ts, rd, wr, err, lat);
    this.addSecond(opRow, rd, wr, lat);

    let px = proc.px[op];
    if (px === undefined) {
      px = proc.px[op] = new PxRow(proc, op);
      proc.pxList.push(px);
    }
    this.add(px, ts, rd, wr, err, lat);

    if (op === IO_URING_ENTER) {
      const submitted = ev.hasResult ? (ev.result > 0 ? ev.result : 0) : ev.length;
      proc.enterCalls++;
      proc.enterSubmitted += submitted;
      this.enterCalls++;
      this.enterSubmitted += submitted;
    } else {
      this.add(proc, ts, rd, wr, err, lat);
      this.addSecond(proc, rd, wr, lat);
      this.add(this.total, ts, rd, wr, err, lat);
      this.addSecond(this.total, rd, wr, lat);
    }
  }

  private add(row: StatRow, ts: number, rd: number, wr: number, err: number, lat: number): void {
    row.tOps++;
    row.tRead += rd;
    row.tWrite += wr;
    row.tErrors += err;
    if (lat > 0) row.tHist.record(lat);
    if (ts > row.lastUs) row.lastUs = ts;
  }

  private addSecond(row: StatRow, rd: number, wr: number, lat: number): void {
    if (row.cSec !== this.curSec) {
      row.cSec = this.curSec;
      row.cOps = 0;
      row.cRead = 0;
      row.cWrite = 0;
      this.active.push(row);
    }
    row.cOps++;
    row.cRead += rd;
    row.cWrite += wr;
    if (lat > 0) {
      let h = row.cHist;
      if (h === null) h = row.cHist = this.pool.acquire();
      h.record(lat);
    }
  }

  private countErrno(e: number): void {
    const i = e > MAX_ERRNO ? MAX_ERRNO : e;
    if (this.errnoTotal[i] === 0) this.errnoSeen.push(i);
    this.errnoTotal[i]++;
  }

  private procFor(pid: number, comm: string): ProcRow {
    const last = this.lastProc;
    if (last !== undefined && last.pid === pid && last.comm === comm) return last;
    const head = this.byPid.get(pid);
    let r = head;
    let prev: ProcRow | undefined;
    while (r !== undefined && r.comm !== comm) {
      prev = r;
      r = r.nextSamePid;
    }
    if (r === undefined) {
      r = this.newProc(pid, comm);
    } else if (prev !== undefined) {
      // Move to the front of the pid's chain: the name seen last is the likeliest next.
      prev.nextSamePid = r.nextSamePid;
      r.nextSamePid = head;
      this.byPid.set(pid, r);
    }
    this.lastProc = r;
    return r;
  }

  private newProc(pid: number, comm: string): ProcRow {
    if (this.procs.length >= this.maxProcesses) this.evictIdlest();
    let commId = this.commIds.get(comm);
    if (commId === undefined) {
      commId = this.comms.length;
      this.comms.push(comm);
      this.commIds.set(comm, commId);
    }
    const row = new ProcRow(this.nextUid++, pid, comm, commId, this.seriesSeconds);
    row.nextSamePid = this.byPid.get(pid);
    this.byPid.set(pid, row);
    this.byUid.set(row.uid, row);
    this.procs.push(row);
    return row;
  }

  /** Drops the process row that has been idle longest (fewest operations on a tie). */
  private evictIdlest(): void {
    let victim = -1;
    for (let i = 0; i < this.procs.length; i++) {
      const p = this.procs[i];
      if (victim < 0) {
        victim = i;
        continue;
      }
      const v = this.procs[victim];
      if (p.lastUs < v.lastUs || (p.lastUs === v.lastUs && p.tOps < v.tOps)) victim = i;
    }
    if (victim < 0) return;
    const row = this.procs[victim];
    this.procs.splice(victim, 1);
    this.byUid.delete(row.uid);
    let r = this.byPid.get(row.pid);
    let prev: ProcRow | undefined;
    while (r !== undefined && r !== row) {
      prev = r;
      r = r.nextSamePid;
    }
    if (r === row) {
      if (prev === undefined) {
        if (row.nextSamePid === undefined) this.byPid.delete(row.pid);
        else this.byPid.set(row.pid, row.nextSamePid);
      } else {
        prev.nextSamePid = row.nextSamePid;
      }
    }
    if (this.lastProc === row) this.lastProc = undefined;
    this.evicted++;
  }

  // ---- snapshot ----------------------------------------------------------------------------

  snapshot(opts: SnapshotOptions): Snapshot {
    const gen = ++this.gen;
    const nowUs = this.started ? this.nowUs : 0;
    let windowUs = opts.windowUs ?? this.windowUs;
    if (!(windowUs > 0)) windowUs = this.windowUs;
    if (windowUs > this.maxAgeUs) windowUs = this.maxAgeUs;
    const cutoff = nowUs - windowUs;
    const ring = this.ring;

    const touched: StatRow[] = [];
    const errnoWin = new Map<number, number>();
    const wTotal = this.total;
    let wEvents = 0;
    let wEnterCalls = 0;
    let wEnterSubmitted = 0;
    const begin = (row: StatRow): void => {
      if (row.wGen !== gen) {
        row.wGen = gen;
        row.wOps = 0;
        row.wRead = 0;
        row.wWrite = 0;
        row.wErrors = 0;
        touched.push(row);
      }
    };
    const touch = (row: StatRow, rd: number, wr: number, err: number, lat: number): void => {
      begin(row);
      row.wOps++;
      row.wRead += rd;
      row.wWrite += wr;
      row.wErrors += err;
      if (lat > 0) {
        let h = row.wHist;
        if (h === null) h = row.wHist = this.pool.acquire();
        h.record(lat);
      }
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
        proc = this.byUid.get(uid);
      }
      const op = ring.opcode[p];
      let rd = 0;
      let wr = 0;
      let err = 0;
      const res = ring.result[p];
      const hasRes = ring.hasResult[p] === 1;
      if (hasRes) {
        if (res < 0) {
          err = 1;
          const e = -res > MAX_ERRNO ? MAX_ERRNO : -res;
          errnoWin.set(e, (errnoWin.get(e) ?? 0) + 1);
        } else if (res > 0) {
          const d = DIR[op];
          if (d === 1) rd = res;
          else if (d === 2) wr = res;
        }
      }
      const lat = ring.latencyNs[p];
      const opRow = this.ops[op];
      if (opRow !== undefined) touch(opRow, rd, wr, err, lat);
      if (proc !== undefined) {
        const px = proc.px[op];
        if (px !== undefined) touch(px, rd, wr, err, lat);
      }
      if (op === IO_URING_ENTER) {
        const submitted = hasRes ? (res > 0 ? res : 0) : ring.length[p];
        wEnterCalls++;
        wEnterSubmitted += submitted;
        if (proc !== undefined) {
          begin(proc);
          proc.wEnterCalls++;
          proc.wEnterSubmitted += submitted;
        }
      } else {
        if (proc !== undefined) touch(proc, rd, wr, err, lat);
        touch(wTotal, rd, wr, err, lat);
      }
    }

    const truncated =
      ring.overwritten > 0 && (ring.size === 0 || ring.oldestUs() > cutoff) && this.events > 0;
    let spanUs = windowUs;
    if (truncated && ring.size > 0) spanUs = Math.max(nowUs - ring.oldestUs(), 1);
    const perSec = 1e6 / spanUs;
    const withSeries = opts.series ?? true;
    const endSec = this.curSec - 1;
    const scratch = [0, 0, 0];

    const stats = (row: StatRow): RowStats => {
      const inWin = row.wGen === gen;
      const wh = inWin ? row.wHist : null;
      let p50 = 0;
      let p95 = 0;
      let p99 = 0;
      if (wh !== null) {
        wh.percentiles(PERCENTILES, scratch);
        [p50, p95, p99] = scratch;
      }
      const th = row.tHist;
      th.percentiles(PERCENTILES, scratch);
      return {
        ops: inWin ? row.wOps : 0,
        opsPerSec: inWin ? row.wOps * perSec : 0,
        readBytesPerSec: inWin ? row.wRead * perSec : 0,
        writeBytesPerSec: inWin ? row.wWrite * perSec : 0,
        errors: inWin ? row.wErrors : 0,
        avgNs: wh !== null ? wh.mean() : 0,
        p50Ns: p50,
        p95Ns: p95,
        p99Ns: p99,
        maxNs: wh !== null ? wh.max : 0,
        totalOps: row.tOps,
        totalReadBytes: row.tRead,
        totalWriteBytes: row.tWrite,
        totalErrors: row.tErrors,
        totalAvgNs: th.mean(),
        totalP50Ns: scratch[0],
        totalP95Ns: scratch[1],
        totalP99Ns: scratch[2],
        totalMaxNs: th.max,
        lastSeenUs: row.lastUs,
      };
    };
    const series = (row: StatRow): Series => {
      const s = row.series;
      if (!withSeries || s === null) return EMPTY_SERIES;
      const n = this.seriesSeconds;
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
    };

    const processes: ProcessRow[] = [];
    const processOpcodes: ProcessOpcodeRow[] = [];
    for (const pr of this.procs) {
      const mix: OpcodeShare[] = [];
      for (const px of pr.pxList) {
        const pxStats = stats(px);
        processOpcodes.push({
          kind: 'processOpcode',
          key: px.key,
          processKey: pr.key,
          pid: pr.pid,
          comm: pr.comm,
          opcode: px.opcode,
          opName: opcodeName(px.opcode),
          ...pxStats,
        });
        if (px.opcode !== IO_URING_ENTER) {
          mix.push({
            opcode: px.opcode,
            opName: opcodeName(px.opcode),
            ops: pxStats.ops,
            totalOps: pxStats.totalOps,
          });
        }
      }
      mix.sort((a, b) => b.ops - a.ops || b.totalOps - a.totalOps || a.opcode - b.opcode);
      const top = mix.length > 0 ? mix[0].opcode : -1;
      const inWin = pr.wGen === gen;
      const wCalls = inWin ? pr.wEnterCalls : 0;
      processes.push({
        kind: 'process',
        key: pr.key,
        pid: pr.pid,
        comm: pr.comm,
        ...stats(pr),
        topOpcode: top,
        topOpName: top >= 0 ? opcodeName(top) : '',
        opcodeMix: mix,
        enterCallsPerSec: wCalls * perSec,
        opsPerEnter: wCalls > 0 ? pr.wEnterSubmitted / wCalls : 0,
        totalEnterCalls: pr.enterCalls,
        series: series(pr),
      });
    }

    const opcodes: OpcodeRow[] = [];
    for (const o of this.ops) {
      if (o === undefined) continue;
      opcodes.push({
        kind: 'opcode',
        key: o.key,
        opcode: o.opcode,
        opName: opcodeName(o.opcode),
        ...stats(o),
        series: series(o),
      });
    }

    const totals: TotalsRow = {
      ...stats(this.total),
      events: this.events,
      eventsPerSec: wEvents * perSec,
      series: series(this.total),
    };

    const errors: ErrnoRow[] = this.errnoSeen.map((e) => ({
      errno: e,
      name: errnoName(e),
      count: errnoWin.get(e) ?? 0,
      total: this.errnoTotal[e],
    }));
    errors.sort((a, b) => b.total - a.total || b.count - a.count || a.errno - b.errno);

    // Give the window histograms back to the pool.
    for (const row of touched) {
      if (row.wHist !== null) {
        this.pool.release(row.wHist);
        row.wHist = null;
      }
      if (row instanceof ProcRow) {
        row.wEnterCalls = 0;
        row.wEnterSubmitted = 0;
      }
    }

    return {
      nowUs,
      windowUs,
      startUs: this.startUs,
      windowTruncated: truncated,
      totals,
      processes,
      opcodes,
      processOpcodes,
      errors,
      enter: {
        callsPerSec: wEnterCalls * perSec,
        submittedPerSec: wEnterSubmitted * perSec,
        opsPerCall: wEnterCalls > 0 ? wEnterSubmitted / wEnterCalls : 0,
        totalCalls: this.enterCalls,
        totalSubmitted: this.enterSubmitted,
        totalOpsPerCall: this.enterCalls > 0 ? this.enterSubmitted / this.enterCalls : 0,
      },
      series: { endSec, length: withSeries ? this.seriesSeconds : 0 },
      buffer: {
        events: ring.size,
        maxEvents: ring.maxEvents,
        maxAgeUs: this.maxAgeUs,
        bytesPerEvent: RING_BYTES_PER_EVENT,
        allocatedBytes: ring.allocatedBytes,
        startUs: ring.oldestUs(),
        endUs: ring.newestUs(),
        overwritten: ring.overwritten,
        expired: ring.expired,
      },
      capture: this.capture,
      evictedProcesses: this.evicted,
      recent: this.recent(opts.recentFilter, opts.recentLimit ?? 100),
    };
  }

  /** The newest `limit` buffered events that pass the filter, newest last. */
  recent(filter: Filter | undefined, limit: number): IoEvent[] {
    const out: IoEvent[] = [];
    if (!(limit > 0)) return out;
    const ring = this.ring;
    const f = isEmptyFilter(filter) ? undefined : filter;
    const pids = f?.pids && f.pids.length > 0 ? new Set(f.pids) : undefined;
    const ops = f?.opcodes && f.opcodes.length > 0 ? new Set(f.opcodes) : undefined;
    let commOk: Uint8Array | undefined;
    if (f?.comms && f.comms.length > 0) {
      const wanted = f.comms;
      commOk = new Uint8Array(this.comms.length);
      this.comms.forEach((c, i) => (commOk![i] = wanted.some((w) => c.includes(w)) ? 1 : 0));
    }
    for (let i = ring.size - 1; i >= 0 && out.length < limit; i--) {
      const p = ring.at(i);
      if (pids !== undefined && !pids.has(ring.pid[p])) continue;
      if (ops !== undefined && !ops.has(ring.opcode[p])) continue;
      if (commOk !== undefined && commOk[ring.comm[p]] !== 1) continue;
      out.push({
        tsUs: ring.tsUs[p],
        pid: ring.pid[p],
        comm: this.comms[ring.comm[p]],
        opcode: ring.opcode[p],
        fd: ring.fd[p],
        offset: ring.offset[p],
        length: ring.length[p],
        result: ring.result[p],
        hasResult: ring.hasResult[p] === 1,
        latencyNs: ring.latencyNs[p],
      });
    }
    return out.reverse();
  }
}

const EMPTY_SERIES: Series = Object.freeze({
  opsPerSec: [],
  readBytesPerSec: [],
  writeBytesPerSec: [],
  p99Ns: [],
});

function positiveInt(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < 1) throw new RangeError(`${name} must be a positive number`);
  return Math.floor(v);
}

/** A saved model state (see Model.checkpoint). */
export interface ModelCheckpoint {
  readonly core: unknown;
  readonly bytes: number;
}

/**
 * The live model. push() events (the hot path), advance() the clock, snapshot() once per tick.
 * Deterministic: the same pushes and advance() calls give the same snapshots.
 */
export class Model implements EventSink {
  private core: Core;

  constructor(private readonly opts: ModelOptions = {}) {
    this.core = new Core(opts);
  }

  /** Adds one event (copied; the object may be reused by the caller). */
  push(ev: IoEvent): void {
    this.core.push(ev);
  }

  /** Moves the model's clock to nowUs (µs since the epoch); a time in the past is ignored. */
  advance(nowUs: number): void {
    this.core.advance(nowUs);
  }

  /** The model's clock: max(latest advance(), latest event time); 0 before either. */
  get nowUs(): number {
    return this.core.nowUs;
  }

  /** An immutable plain-data picture of the model (see snapshot.ts). */
  snapshot(opts: SnapshotOptions = {}): Snapshot {
    return this.core.snapshot(opts);
  }

  /** The newest `limit` buffered events that pass the filter, newest last (plain objects). */
  recentEvents(filter?: Filter, limit = 100): IoEvent[] {
    return this.core.recent(filter, limit);
  }

  /** Sets capture-side counters (merged with the previous values), carried into snapshots. */
  setCaptureCounters(c: Partial<CaptureCounters>): void {
    const cur = this.core.capture;
    this.core.capture = {
      lost: c.lost ?? cur.lost,
      dropped: c.dropped ?? cur.dropped,
      overflow: c.overflow ?? cur.overflow,
      unmatched: c.unmatched ?? cur.unmatched,
      malformed: c.malformed ?? cur.malformed,
    };
  }

  /** Forgets everything (events, rows, totals, counters, clock), keeping the options. */
  reset(): void {
    this.core = new Core(this.opts);
  }

  /**
   * A copy of the whole state, to return to with restore(): what replay keeps to seek backwards
   * without re-reading the recording from its start. Opaque; `bytes` is its rough size.
   */
  checkpoint(): ModelCheckpoint {
    return { core: this.core.clone(true), bytes: this.core.stateBytes };
  }

  /** What a checkpoint of the current state would hold, in bytes (before taking one). */
  get checkpointBytes(): number {
    return this.core.stateBytes;
  }

  /** Puts the model back in the checkpoint's state (the checkpoint stays usable). */
  restore(cp: ModelCheckpoint): void {
    this.core = (cp.core as Core).clone();
  }
}
