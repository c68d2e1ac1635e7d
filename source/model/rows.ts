/**
 * The model's mutable rows: one per process, per opcode, per process × opcode, and the total.
 * Each row counts since start (t), in the current second (c, written to its per-second series
 * when the second ends) and, during one snapshot() call, in the window (w).
 */
import type { OpCounts } from './counts.js';
import { FIGURE_KEYS, type FigureKey } from './figures.js';
import type { HeatRing } from './heatRing.js';
import { LatencyHistogram } from './histogram.js';

/** Window histograms and current-second histograms are borrowed from a pool and given back. */
export class HistPool {
  private free: LatencyHistogram[] = [];
  acquire(): LatencyHistogram {
    return this.free.pop() ?? new LatencyHistogram();
  }
  release(h: LatencyHistogram): void {
    h.clear();
    this.free.push(h);
  }
}

/**
 * A row's per-second history: a ring of `n` seconds, each slot stamped with its second. The five
 * series are views of one buffer: a process row is made for every new process, thousands a
 * second under churn, and each buffer is memory outside V8's heap that it collects garbage for.
 */
export class SeriesRing {
  private readonly all: Float64Array;
  readonly stamp: Float64Array;
  readonly ops: Float64Array;
  readonly read: Float64Array;
  readonly write: Float64Array;
  readonly p99: Float64Array;
  constructor(n: number) {
    this.all = new Float64Array(5 * n);
    this.stamp = this.all.subarray(0, n).fill(-1);
    this.ops = this.all.subarray(n, 2 * n);
    this.read = this.all.subarray(2 * n, 3 * n);
    this.write = this.all.subarray(3 * n, 4 * n);
    this.p99 = this.all.subarray(4 * n, 5 * n);
  }

  clone(): SeriesRing {
    const c = new SeriesRing(this.stamp.length);
    c.all.set(this.all);
    return c;
  }

  /** Empty again: every slot unstamped (a slot counts only under its second's stamp). */
  reset(): this {
    this.stamp.fill(-1);
    return this;
  }
}

/**
 * The series rings and since-start histograms of evicted rows, for new rows to take instead of
 * allocating theirs: under a churn of short-lived processes rows are made and evicted by the
 * thousand a second, and the allocations and their garbage were most of the model's cost.
 */
export class RowSpares {
  private readonly rings: SeriesRing[] = [];
  private readonly hists: LatencyHistogram[] = [];
  constructor(private readonly max = 1024) {}

  /** A spare ring of `n` seconds, emptied, if there is one. */
  ring(n: number): SeriesRing | undefined {
    const r = this.rings.pop();
    return r !== undefined && r.stamp.length === n ? r.reset() : undefined;
  }

  /** A spare histogram, cleared, if there is one. */
  hist(): LatencyHistogram | undefined {
    return this.hists.pop();
  }

  /** Takes a row's ring and histogram: the row must be referenced nowhere any more. */
  give(row: StatRow): void {
    if (row.series !== null && this.rings.length < this.max) this.rings.push(row.series);
    const h = row.t.hist;
    if (h !== null && this.hists.length < this.max) {
      h.clear();
      this.hists.push(h);
    }
    row.series = null;
    row.t.hist = null;
  }
}

/**
 * What a Tally counts, each a number field of it: the list reset, copy and sum go through, and the
 * one place the fields are declared.
 */
type CounterKey =
  'ops' | 'read' | 'write' | 'errors' | 'expected' | FigureKey | 'calls' | 'submitted';
const COUNTERS: readonly CounterKey[] = [
  'ops',
  // bytes read and written
  'read',
  'write',
  // failed operations (negative results that are not expected), and expected negative results
  // (errno.ts: isExpectedError)
  'errors',
  'expected',
  // the counted figures (figures.ts; from exact counts only)
  ...FIGURE_KEYS,
  // process rows only: io_uring_enter calls and the operations they submitted
  'calls',
  'submitted',
];

const Counters = class {} as new () => Record<CounterKey, number>;

/**
 * Operations, bytes, errors and latencies over an interval: since start, a second, a snapshot's
 * window or a counts delta.
 */
export class Tally extends Counters {
  /** Borrowed from the pool on the first latency, given back when the interval closes. */
  hist: LatencyHistogram | null = null;

  constructor() {
    super();
    for (const k of COUNTERS) this[k] = 0;
  }

  add(rd: number, wr: number, err: number, exp: number, lat: number, pool: HistPool): void {
    this.ops++;
    this.read += rd;
    this.write += wr;
    this.errors += err;
    this.expected += exp;
    if (lat > 0) {
      let h = this.hist;
      if (h === null) h = this.hist = pool.acquire();
      h.record(lat);
    }
  }

  /** Adds an interval's exact counts (a CountsDelta row; `expected` of its errors expected). */
  addCounts(c: OpCounts, expected: number, pool: HistPool): void {
    this.ops += c.ops;
    this.read += c.read;
    this.write += c.write;
    this.errors += c.errors - expected;
    this.expected += expected;
    for (const k of FIGURE_KEYS) this[k] += c[k] ?? 0;
    const lat = c.latency;
    if (lat.length === 0) return;
    let h = this.hist;
    if (h === null) h = this.hist = pool.acquire();
    for (let i = 0; i + 1 < lat.length; i += 2) h.recordBucket(lat[i], lat[i + 1]);
  }

  /** Adds another interval's tally (a part of a row summed into the row). */
  addTally(o: Tally, pool: HistPool): void {
    for (const k of COUNTERS) this[k] += o[k];
    if (o.hist === null) return;
    let h = this.hist;
    if (h === null) h = this.hist = pool.acquire();
    h.merge(o.hist);
  }

  /** Empties it for the next interval, giving its histogram back. */
  reset(pool: HistPool): void {
    for (const k of COUNTERS) this[k] = 0;
    if (this.hist !== null) {
      pool.release(this.hist);
      this.hist = null;
    }
  }

  copyTo(to: Tally): void {
    for (const k of COUNTERS) to[k] = this[k];
    to.hist = this.hist === null ? null : this.hist.clone();
  }
}

/** Counters of one row: since start (t), the current second (c), a snapshot's window (w). */
export class StatRow {
  /**
   * Since start; its histogram is the row's own while the row lives (an evicted row's may go to
   * a new row: RowSpares).
   */
  readonly t = new Tally();
  lastUs = 0;
  /**
   * Process × opcode rows only (null elsewhere, and until the first): results by errnoKey
   * (errno.ts) since start, and init failures by errno since start.
   */
  errs: Map<number, number> | null = null;
  fails: Map<number, number> | null = null;
  /** The same of the latest counts delta (when kGen is its), or of a snapshot's window (wGen). */
  kErrs: Map<number, number> | null = null;
  kErrsGen = -1;
  wErrs: Map<number, number> | null = null;

  /** The second `c` counts (-1: none). */
  cSec = -1;
  readonly c = new Tally();
  series: SeriesRing | null;

  /** The snapshot generation `w` counts for (scratch of one snapshot() call). */
  wGen = -1;
  readonly w = new Tally();

  /** Counted from counts deltas: the delta `k` holds (the latest interval, when it is the last). */
  kGen = -1;
  readonly k = new Tally();

  constructor(seriesSeconds: number, spares?: RowSpares) {
    this.t.hist = spares?.hist() ?? new LatencyHistogram();
    this.series =
      seriesSeconds > 0 ? (spares?.ring(seriesSeconds) ?? new SeriesRing(seriesSeconds)) : null;
  }

  /** The since-start latency histogram. */
  get tHist(): LatencyHistogram {
    return this.t.hist as LatencyHistogram;
  }

  /** Copies this row's counters (not its identity) into `to`, a fresh row of the same kind. */
  copyStatsTo<T extends StatRow>(to: T): T {
    this.t.copyTo(to.t);
    to.errs = this.errs === null ? null : new Map(this.errs);
    to.fails = this.fails === null ? null : new Map(this.fails);
    to.kErrs = this.kErrs === null ? null : new Map(this.kErrs);
    to.kErrsGen = this.kErrsGen;
    to.lastUs = this.lastUs;
    to.cSec = this.cSec;
    this.c.copyTo(to.c);
    to.kGen = this.kGen;
    this.k.copyTo(to.k);
    to.series = this.series === null ? null : this.series.clone();
    // w* are scratch of one snapshot() call: nothing to carry
    return to;
  }
}

/** One process: pid + command name (a pid reused under another name is another row). */
export class ProcRow extends StatRow {
  readonly key: string;
  readonly px: (PxRow | undefined)[] = [];
  readonly pxList: PxRow[] = [];
  /** The names the process had before its latest (an exec, a rename), oldest first. */
  formerComms: string[] = [];
  constructor(
    readonly uid: number,
    readonly pid: number,
    /** Its latest name. */
    public comm: string,
    public commId: number,
    seriesSeconds: number,
    spares?: RowSpares,
  ) {
    super(seriesSeconds, spares);
    this.key = `p${uid}`;
  }
}

/** One opcode over every process. */
export class OpRow extends StatRow {
  readonly key: string;
  constructor(
    readonly opcode: number,
    seriesSeconds: number,
  ) {
    super(seriesSeconds);
    this.key = `o${opcode}`;
  }
}

/** One opcode of one process (its history serves a process's figures under an opcode filter). */
export class PxRow extends StatRow {
  readonly key: string;
  /** Its latencies per second, for the heatmap (null until its first second with one). */
  heat: HeatRing | null = null;
  constructor(
    readonly proc: ProcRow,
    readonly opcode: number,
    seriesSeconds: number,
    spares?: RowSpares,
  ) {
    super(seriesSeconds, spares);
    this.key = `${proc.key}:${opcode}`;
  }

  override copyStatsTo<T extends StatRow>(to: T): T {
    super.copyStatsTo(to);
    if (to instanceof PxRow) to.heat = this.heat === null ? null : this.heat.clone();
    return to;
  }
}
