/**
 * The model's whole mutable state, its clock and its hot path: ingest() adds one event to the
 * ring buffer and to every aggregate it belongs to. Where each figure comes from:
 * - since-start totals and latency histograms: updated here, per process, opcode,
 *   process × opcode and overall;
 * - per-second series: ingest() accumulates the current second per process, opcode and overall;
 *   when the clock enters a new second the finished one is written to a ring of seriesSeconds
 *   slots (its p99 from a pooled histogram), and a process × opcode row's latencies by group to
 *   its ring of heatSeconds (heatRing.ts, for the heatmap);
 * - window figures: derive.ts scans the buffered events of the window at snapshot time.
 */
import { errnoKey, EXPECTED_KEY, expectedOf } from './errno.js';
import type { CountsDelta, OpCounts } from './counts.js';
import type { IoEvent } from './event.js';
import { RING_FIGURE_KEYS } from './figures.js';
import { IO_URING_ENTER, opcodeDirection, OpcodeTable, type OpcodeNames } from './opcodes.js';
import { ProcessTable } from './processTable.js';
import { DEFAULT_HEAT_SECONDS, HeatRing } from './heatRing.js';
import { EventRing } from './ring.js';
import { HistPool, OpRow, PxRow, StatRow } from './rows.js';
import type { CaptureCounters } from './snapshot.js';

export interface ModelOptions {
  /** Count bound of the event buffer (default 1,000,000). */
  bufferEvents?: number;
  /** Age bound of the event buffer in seconds (default 60; fractions allowed). */
  bufferSeconds?: number;
  /** Default refresh window of snapshot() in µs (default 1 s). */
  windowUs?: number;
  /** Points in every per-second series (default 60; 0: no series). */
  seriesSeconds?: number;
  /** Seconds of the heatmap's history (default 240; 0: no heatmap). */
  heatSeconds?: number;
  /** Most process rows kept; beyond it the idlest is evicted (default 4096). */
  maxProcesses?: number;
  /** The session's opcode names (default: this build's table). */
  opcodes?: OpcodeNames;
  /**
   * Where totals, rates, latencies and errors come from: every event (default), or exact counts
   * delivered with ingestCounts (the kernel's counters): events then only fill the buffer.
   */
  aggregate?: 'events' | 'counts';
}

export const DEFAULT_BUFFER_EVENTS = 1_000_000;
export const DEFAULT_BUFFER_SECONDS = 60;
export const DEFAULT_WINDOW_US = 1_000_000;
export const DEFAULT_SERIES_SECONDS = 60;
export const DEFAULT_MAX_PROCESSES = 4096;

/** 1 = read-class, 2 = write-class, by opcode. */
export const DIR = new Uint8Array(256);
for (let op = 0; op < 256; op++) {
  const d = opcodeDirection(op);
  DIR[op] = d === 'read' ? 1 : d === 'write' ? 2 : 0;
}

export const ZERO_COUNTERS: CaptureCounters = {
  lost: 0,
  dropped: 0,
  overflow: 0,
  unmatched: 0,
  malformed: 0,
};

function addTo(m: Map<number, number>, key: number, n: number): void {
  m.set(key, (m.get(key) ?? 0) + n);
}

function positiveInt(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < 1) throw new RangeError(`${name} must be a positive number`);
  return Math.floor(v);
}

/** A history's length in seconds: 0 keeps none. */
function seconds(v: number | undefined, dflt: number, name: string): number {
  return v === 0 ? 0 : positiveInt(v, dflt, name);
}

export class Core {
  readonly maxAgeUs: number;
  readonly windowUs: number;
  readonly seriesSeconds: number;
  readonly heatSeconds: number;
  readonly maxProcesses: number;
  readonly opcodes: OpcodeNames;
  ring: EventRing;
  readonly pool = new HistPool();

  started = false;
  startUs = 0;
  nowUs = 0;
  curSec = -1;
  nextSecUs = -Infinity;
  /** Rows with operations in the current second. */
  active: StatRow[] = [];

  table: ProcessTable;
  ops: (OpRow | undefined)[] = new Array<OpRow | undefined>(256).fill(undefined);
  total: StatRow;
  events = 0;
  enterCalls = 0;
  enterSubmitted = 0;
  /** By errnoKey (errno.ts): failures at the errno, expected results at errno + EXPECTED_KEY. */
  errnoTotal = new Float64Array(2 * EXPECTED_KEY);
  errnoSeen: number[] = [];
  capture: CaptureCounters | null = ZERO_COUNTERS;

  /** Aggregates come from counts deltas, not from events. */
  readonly counted: boolean;
  /** The latest counts delta: its generation (rows' kGen), length, errnos and enter calls. */
  countsGen = 0;
  countsIntervalUs = 0;
  /** When the latest counts delta ended (µs). */
  countsTsUs = 0;
  countsErrnos = new Map<number, number>();
  countsEnterCalls = 0;
  countsEnterSubmitted = 0;

  /** Generation of the latest snapshot (marks the rows it touched). */
  gen = 0;
  /** For a compact clone: the ring capacity of the state it copies (0 otherwise). */
  fullCapacity = 0;

  constructor(readonly opts: ModelOptions) {
    this.ring = new EventRing(
      positiveInt(opts.bufferEvents, DEFAULT_BUFFER_EVENTS, 'bufferEvents'),
    );
    this.maxAgeUs = positiveInt(
      opts.bufferSeconds === undefined ? undefined : opts.bufferSeconds * 1e6,
      DEFAULT_BUFFER_SECONDS * 1e6,
      'bufferSeconds',
    );
    this.windowUs = positiveInt(opts.windowUs, DEFAULT_WINDOW_US, 'windowUs');
    this.seriesSeconds = seconds(opts.seriesSeconds, DEFAULT_SERIES_SECONDS, 'seriesSeconds');
    this.heatSeconds = seconds(opts.heatSeconds, DEFAULT_HEAT_SECONDS, 'heatSeconds');
    this.maxProcesses = positiveInt(opts.maxProcesses, DEFAULT_MAX_PROCESSES, 'maxProcesses');
    this.opcodes = opts.opcodes ?? new OpcodeTable();
    this.total = new StatRow(this.seriesSeconds);
    this.table = new ProcessTable(this.maxProcesses, this.seriesSeconds);
    this.counted = opts.aggregate === 'counts';
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
        s.ops[slot] = row.c.ops;
        s.read[slot] = row.c.read;
        s.write[slot] = row.c.write;
        s.p99[slot] = row.c.hist !== null ? row.c.hist.percentile(99) : 0;
      }
      if (row instanceof PxRow && row.c.hist !== null && this.heatSeconds > 0)
        (row.heat ??= new HeatRing(this.heatSeconds)).write(done, row.c.hist);
      row.c.reset(this.pool);
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

  ingest(ev: IoEvent): void {
    const ts = ev.tsUs;
    if (ts > this.nowUs || !this.started) this.observe(ts);
    const ring = this.ring;
    if (ring.size > 0 && ring.tsUs[ring.head] < this.nowUs - this.maxAgeUs) {
      ring.expireBefore(this.nowUs - this.maxAgeUs);
    }
    const proc = this.table.procFor(ev.pid, ev.comm);
    const op = ev.opcode & 255;
    ring.push(ev, proc.uid, proc.commId);
    this.events++;
    if (this.counted) return; // the counts deliver the figures

    let rd = 0;
    let wr = 0;
    let err = 0;
    let exp = 0;
    if (ev.hasResult) {
      const res = ev.result;
      if (res < 0) {
        const key = this.countErrno(errnoKey(op, -res));
        if (key >= EXPECTED_KEY) exp = 1;
        else err = 1;
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
    this.add(opRow, ts, rd, wr, err, exp, lat);
    this.addSecond(opRow, rd, wr, lat);

    let px = proc.px[op];
    if (px === undefined) {
      px = proc.px[op] = new PxRow(proc, op, this.seriesSeconds, this.table.spares);
      proc.pxList.push(px);
    }
    this.add(px, ts, rd, wr, err, exp, lat);
    this.addSecond(px, rd, wr, lat);
    if (err + exp > 0) addTo((px.errs ??= new Map<number, number>()), errnoKey(op, -ev.result), 1);

    if (op === IO_URING_ENTER) {
      const submitted = ev.hasResult ? (ev.result > 0 ? ev.result : 0) : ev.length;
      proc.t.calls++;
      proc.t.submitted += submitted;
      this.enterCalls++;
      this.enterSubmitted += submitted;
    } else {
      this.add(proc, ts, rd, wr, err, exp, lat);
      this.addSecond(proc, rd, wr, lat);
      this.add(this.total, ts, rd, wr, err, exp, lat);
      this.addSecond(this.total, rd, wr, lat);
    }
  }

  private add(
    row: StatRow,
    ts: number,
    rd: number,
    wr: number,
    err: number,
    exp: number,
    lat: number,
  ): void {
    row.t.add(rd, wr, err, exp, lat, this.pool);
    if (ts > row.lastUs) row.lastUs = ts;
  }

  private addSecond(row: StatRow, rd: number, wr: number, lat: number): void {
    if (row.cSec !== this.curSec) {
      row.cSec = this.curSec;
      row.c.reset(this.pool);
      this.active.push(row);
    }
    row.c.add(rd, wr, 0, 0, lat, this.pool);
  }

  /** Counts `n` results at an errno key (errnoKey); returns the key. */
  private countErrno(key: number, n = 1): number {
    if (this.errnoTotal[key] === 0) this.errnoSeen.push(key);
    this.errnoTotal[key] += n;
    return key;
  }

  /** One counts delta: into every row it touches, since start, this second and as the latest. */
  /**
   * The latest moment the figures cover: with counts, the latest delta's time (events after it
   * are buffered but not counted yet; 0 before the first delta); from events, every event.
   * What the buffer's queries compared with the counts stop at (latency.ts, files.ts).
   */
  get countedUntilUs(): number {
    return this.counted ? this.countsTsUs : Infinity;
  }

  ingestCounts(d: CountsDelta): void {
    if (!this.counted) throw new Error('this model aggregates events, not counts');
    if (d.tsUs > this.nowUs || !this.started) this.observe(d.tsUs);
    const gen = ++this.countsGen;
    this.countsIntervalUs = d.intervalUs;
    this.countsTsUs = d.tsUs;
    this.countsErrnos = new Map();
    this.countsEnterCalls = 0;
    this.countsEnterSubmitted = 0;
    for (const c of d.rows) {
      const proc = this.table.procFor(c.pid, c.comm);
      const op = c.opcode & 255;
      let opRow = this.ops[op];
      if (opRow === undefined) opRow = this.ops[op] = new OpRow(op, this.seriesSeconds);
      let px = proc.px[op];
      if (px === undefined) {
        px = proc.px[op] = new PxRow(proc, op, this.seriesSeconds, this.table.spares);
        proc.pxList.push(px);
      }
      this.addCounts(opRow, c, gen, d.tsUs);
      this.addCounts(px, c, gen, d.tsUs);
      if (c.errnos.length > 0) {
        const errs = (px.errs ??= new Map<number, number>());
        // what the row held was an earlier delta's
        const kErrs = (px.kErrs ??= new Map<number, number>());
        if (px.kErrsGen !== gen) {
          px.kErrsGen = gen;
          kErrs.clear();
        }
        for (let i = 0; i + 1 < c.errnos.length; i += 2) {
          const key = errnoKey(op, c.errnos[i]);
          addTo(errs, key, c.errnos[i + 1]);
          addTo(kErrs, key, c.errnos[i + 1]);
        }
      }
      const fe = c.failedErrnos;
      if (fe !== undefined && fe.length > 0) {
        const fails = (px.fails ??= new Map<number, number>());
        for (let i = 0; i + 1 < fe.length; i += 2) addTo(fails, fe[i], fe[i + 1]);
      }
      if (op === IO_URING_ENTER) {
        if (proc.kGen !== gen) {
          proc.kGen = gen;
          proc.k.reset(this.pool);
        }
        proc.t.calls += c.ops;
        proc.t.submitted += c.submitted;
        proc.k.calls += c.ops;
        proc.k.submitted += c.submitted;
        this.enterCalls += c.ops;
        this.enterSubmitted += c.submitted;
        this.countsEnterCalls += c.ops;
        this.countsEnterSubmitted += c.submitted;
        if (c.ops > 0 && d.tsUs > proc.lastUs) proc.lastUs = d.tsUs;
        // the ring figures (CQ overflows, CQEs without a request) are the process's (its
        // rings'), counted on its IO_URING_ENTER row
        for (const k of RING_FIGURE_KEYS) {
          const n = c[k] ?? 0;
          if (n <= 0) continue;
          for (const row of [proc, this.total]) {
            row.t[k] += n;
            if (row.kGen !== gen) {
              row.kGen = gen;
              row.k.reset(this.pool);
            }
            row.k[k] += n;
          }
        }
      } else {
        this.addCounts(proc, c, gen, d.tsUs);
        this.addCounts(this.total, c, gen, d.tsUs);
      }
      for (let i = 0; i + 1 < c.errnos.length; i += 2) {
        const e = this.countErrno(errnoKey(op, c.errnos[i]), c.errnos[i + 1]);
        this.countsErrnos.set(e, (this.countsErrnos.get(e) ?? 0) + c.errnos[i + 1]);
      }
    }
  }

  private addCounts(row: StatRow, c: OpCounts, gen: number, ts: number): void {
    const expected = expectedOf(c.opcode & 255, c.errnos);
    row.t.addCounts(c, expected, this.pool);
    if (c.ops > 0 && ts > row.lastUs) row.lastUs = ts;
    if (row.kGen !== gen) {
      row.kGen = gen;
      row.k.reset(this.pool);
    }
    row.k.addCounts(c, expected, this.pool);
    if (row.cSec !== this.curSec) {
      row.cSec = this.curSec;
      row.c.reset(this.pool);
      this.active.push(row);
    }
    row.c.addCounts(c, expected, this.pool);
  }
}
