/**
 * The kernel's counters, as the program prints them every second (cumulative, since it was
 * attached), turned into deltas: what happened per process and opcode since the previous print.
 * The maps are bpf/maps.ts's; in short:
 *   @c[tgid, op, class]      completions by result class: −errno, 0, a byte count (a multiple
 *                            of 512 up to 1 MiB), or 1 (any other positive result)
 *   @by[tgid, op]            bytes of positive results whose class does not hold them
 *   @lat[tgid, op, bucket]   latency histogram by kernel bucket (kernelBucketOf), weighted: each
 *                            sample counts for the requests it stands for
 *   (op 255, IO_URING_ENTER, in the three maps above: a process's io_uring_enter calls, by
 *   result (operations submitted, or −errno); operations submitted by calls above
 *   ENTER_CLASS_MAX; their latency histogram)
 *   @punt @poll @flink [tgid, op], @short[tgid, op] (weighted), @fail[tgid, op, errno]
 *   @ovf[tgid]               overflowed CQEs on the ring owner (kept on the IO_URING_ENTER row)
 *   @ovfo[tgid, op]          overflowed CQEs of a multishot request, on its opcode's row
 *   @oc[tgid]                CQEs without a request, on the ring owner (the IO_URING_ENTER row)
 *   @dropped @unmatched @overflow @lsn @elsn @emit   the capture's own counters
 * The collector also remembers which keys each process has, so that once a process is gone and
 * its last counts are in, its keys can be deleted from the kernel's maps (forget()).
 */
import type { CountsDelta, OpCounts } from '../model/counts.js';
import { kernelBucketMid } from '../../bpf/buckets.js';
import {
  COUNTER_MAPS,
  ENTER_CLASS_MAX,
  type CounterName,
  type OperationMapName,
  type ScalarName,
} from '../../bpf/maps.js';
import {
  ERRNO_FIGURE,
  FIGURE_KEYS,
  FIGURES,
  type CounterMapSpec,
  type FigureKey,
} from '../model/figures.js';
import { bucketOf } from '../model/histogram.js';
import { IO_URING_ENTER, opcodeDirection } from '../model/opcodes.js';

/**
 * After a process's keys are deleted, prints stamped before this much later may have been read
 * before the deletion (bpftrace reads a map when it gets to the print, after its stamp).
 */
const FORGET_MARGIN_US = 100_000;

/** The model's histogram bucket standing for a kernel bucket (its middle). */
const modelBucket = (b: number): number => bucketOf(kernelBucketMid(b));

/**
 * What rose from `was` to `now`, key by key, into `out` as [key, rise, …] (the key through
 * `keyOf`); returns the sum of the rises.
 */
function rises(
  now: ReadonlyMap<number, number>,
  was: ReadonlyMap<number, number> | undefined,
  out: number[] | undefined,
  keyOf: (key: number) => number = (key) => key,
): number {
  let sum = 0;
  for (const [key, n] of now) {
    const d = n - (was?.get(key) ?? 0);
    if (d > 0) {
      out?.push(keyOf(key), d);
      sum += d;
    }
  }
  return sum;
}

/** Cumulative counts of one (process, opcode), or of a process's io_uring_enter calls (op 255). */
interface Cum {
  /** Completions (or calls) by result class. */
  classes: Map<number, number>;
  /** Bytes not held by the classes (@by), or operations submitted by large calls (@by, op 255). */
  extra: number;
  lat: Map<number, number>;
  /** The counted figures (figures.ts), and the errno figure's counts by errno. */
  figs: Record<FigureKey, number>;
  errnos: Map<number, number>;
}

const newCum = (): Cum => ({
  classes: new Map(),
  extra: 0,
  lat: new Map(),
  figs: Object.fromEntries(FIGURE_KEYS.map((k) => [k, 0])) as Record<FigureKey, number>,
  errnos: new Map(),
});

/** The capture's own counters, cumulative. */
export interface CaptureTotals {
  dropped: number;
  overflow: number;
  unmatched: number;
  /** Latency samples taken of operations and of io_uring_enter calls. */
  samples: number;
  /** Events the kernel sent (sampled modes; in the others every event counted is sent). */
  emitted: number;
}

/** One key of a counter map, as printed: to delete it later. */
export interface CounterKey {
  map: CounterName;
  keys: readonly number[];
}

/** Each counter map by name: how many keys its lines have, and where its value goes. */
type Put = (keys: readonly number[], value: number) => void;

export class CountsCollector {
  private cur = new Map<number, Cum>();
  private prev = new Map<number, Cum>();
  private prevTsUs: number;
  readonly totals: CaptureTotals = {
    dropped: 0,
    overflow: 0,
    unmatched: 0,
    samples: 0,
    emitted: 0,
  };
  /** Operations the counters hold in all (IO_URING_ENTER calls apart), since attach. */
  operations = 0;
  /** Events the counters stand for (operations and io_uring_enter calls), since attach. */
  events = 0;
  /** Every key each process has in the kernel's maps (by tgid). */
  private readonly keysOf = new Map<number, Map<string, CounterKey>>();
  /** Processes whose counts rose in the last complete round. */
  readonly changed = new Set<number>();

  /**
   * `startUs`: when the program attached (the first interval starts there); or see startAt.
   * `capacity`: the kernel maps' key limit, past which counts are lost (and said to be).
   */
  constructor(
    startUs = Number.NaN,
    private readonly capacity = Number.POSITIVE_INFINITY,
    /** The maps' first key is `tgid | cpu << 32` (ProgramSpec.perCpuCounters): CPUs are summed. */
    private readonly perCpuKeys = false,
  ) {
    this.prevTsUs = startUs;
  }

  /** Keys printed this round, by map; the maps ever found full. */
  private printedKeys = new Map<string, number>();
  readonly fullMaps = new Set<string>();

  /** When the program attached, if the constructor was not told. */
  startAt(startUs: number): void {
    if (Number.isNaN(this.prevTsUs)) this.prevTsUs = startUs;
  }

  private at(tgid: number, op: number): Cum {
    const key = tgid * 256 + op;
    let c = this.cur.get(key);
    if (c === undefined) this.cur.set(key, (c = newCum()));
    return c;
  }

  /** Maps printed in this round, and maps that have had keys (they never lose them). */
  private printed = new Set<string>();
  private readonly filled = new Set<string>();
  /** Rounds whose print was incomplete (merged into the next one). */
  incompleteRounds = 0;

  private readonly scalars: Record<ScalarName, (v: number) => void> = {
    dropped: (v) => (this.totals.dropped = v),
    unmatched: (v) => (this.totals.unmatched = v),
    overflow: (v) => (this.totals.overflow = v),
    lsn: (v) => (this.lsn = v),
    elsn: (v) => (this.elsn = v),
    emit: (v) => (this.totals.emitted = v),
  };
  private lsn = 0;
  private elsn = 0;

  private readonly put = new Map<string, Put>([
    ...this.figurePuts(),
    ...Object.entries({
      c: ([pid, op, cls], v) => this.at(pid, op).classes.set(cls, v),
      by: ([pid, op], v) => (this.at(pid, op).extra = v),
      lat: ([pid, op, bucket], v) => this.at(pid, op).lat.set(bucket, v),
    } satisfies Record<OperationMapName, Put>),
  ]);

  /**
   * Each counted figure's maps (figures.ts): keyed [tgid, opcode], on that row; [tgid], on the
   * process's IO_URING_ENTER row; with an errno, into the figure's errnos.
   */
  private figurePuts(): [string, Put][] {
    return FIGURES.flatMap((f) =>
      (f.program.maps as readonly CounterMapSpec[]).map((m): [string, Put] => {
        const k: FigureKey = f.key;
        if (m.keys.includes('errno'))
          return [m.name, ([pid, op, errno], v) => this.at(pid, op).errnos.set(errno, v)];
        if (m.keys.length === 2) return [m.name, ([pid, op], v) => (this.at(pid, op).figs[k] = v)];
        return [m.name, ([pid], v) => (this.at(pid, IO_URING_ENTER).figs[k] = v)];
      }),
    );
  }

  private readonly arity = new Map<string, number>(
    COUNTER_MAPS.map((m) => [m.name, m.keys.length]),
  );

  /** This round's sums over the CPUs, by map and key (the tgid's) when the keys are per CPU. */
  private readonly cpuSums = new Map<string, number>();

  /** One printed counter line. */
  add(name: string, raw: readonly number[], value: number): void {
    const scalar = (this.scalars as Record<string, ((v: number) => void) | undefined>)[name];
    if (scalar !== undefined) {
      if (raw.length !== 0) return;
      this.printed.add(name);
      scalar(value);
      return;
    }
    const put = this.put.get(name);
    // (a line with another number of keys is not the map's; @ready is printed once at the start)
    if (put === undefined || raw.length !== this.arity.get(name)) return;
    let k = raw;
    if (this.perCpuKeys) {
      // this CPU's count of the key: the figure is the sum of the CPUs' printed so far this round
      k = [raw[0] % 2 ** 32, ...raw.slice(1)];
      const id = `${name}:${k.join(',')}`;
      value += this.cpuSums.get(id) ?? 0;
      this.cpuSums.set(id, value);
    }
    const n = (this.printedKeys.get(name) ?? 0) + 1;
    this.printedKeys.set(name, n);
    if (n >= this.capacity) this.fullMaps.add(name);
    // a forgotten process's: taken at the round's end, if the round is later than its deletion
    if (this.forgotten.has(k[0]))
      this.late.push({ put, map: name as CounterName, k: [...k], raw: [...raw], value });
    else this.take(put, name as CounterName, k, raw, value);
  }

  /** `k`: the keys with the tgid first; `raw`: as the map has them (deleted by those). */
  private take(
    put: Put,
    map: CounterName,
    k: readonly number[],
    raw: readonly number[],
    value: number,
  ): void {
    this.printed.add(map);
    put(k, value);
    this.remember(map, k[0], raw);
  }

  /** Lines of forgotten processes in this round, decided at its end. */
  private late: { put: Put; map: CounterName; k: number[]; raw: number[]; value: number }[] = [];

  private remember(map: CounterName, tgid: number, keys: readonly number[]): void {
    let mine = this.keysOf.get(tgid);
    if (mine === undefined) this.keysOf.set(tgid, (mine = new Map<string, CounterKey>()));
    const id = `${map}:${keys.join(',')}`;
    if (!mine.has(id)) {
      mine.set(id, { map, keys: [...keys] });
      this.keysIn.set(map, (this.keysIn.get(map) ?? 0) + 1);
    }
  }

  /** The keys a process has in the kernel's maps. */
  keysOfProcess(tgid: number): CounterKey[] {
    return [...(this.keysOf.get(tgid)?.values() ?? [])];
  }

  /** Processes with keys in the kernel's maps. */
  processes(): number[] {
    return [...this.keysOf.keys()];
  }

  /**
   * A process is gone and its keys were deleted from the kernel's maps (at `atUs`, wall clock):
   * its last counts stay in the totals given out so far; its keys are forgotten here. A print
   * that bpftrace may have read before the deletion still holds them: its keys of that process
   * are ignored, and only a later print's (a pid used again) count, from 0.
   */
  forget(tgid: number, atUs: number): void {
    for (const k of this.keysOf.get(tgid)?.values() ?? []) {
      const n = (this.keysIn.get(k.map) ?? 1) - 1;
      this.keysIn.set(k.map, n);
      // a map with no key left prints nothing: that is not a lost print
      if (n <= 0) this.filled.delete(k.map);
    }
    this.keysOf.delete(tgid);
    this.forgotten.set(tgid, atUs + FORGET_MARGIN_US);
    for (let op = 0; op < 256; op++) {
      this.prev.delete(tgid * 256 + op);
      this.cur.delete(tgid * 256 + op);
    }
  }

  /** Forgotten processes, until when a print may still hold their deleted keys (µs). */
  private readonly forgotten = new Map<number, number>();
  /** Keys remembered in each map. */
  private readonly keysIn = new Map<string, number>();

  /**
   * The print is complete as of `tsUs`: the delta since the previous one, rows named by `commOf`.
   * A key missing from this print (it never is: the maps are not cleared, only the keys of
   * forgotten processes deleted) keeps its counts.
   *
   * Null when the round is incomplete: a map that had keys printed nothing, because bpftrace's
   * request to print it was lost with the event lines when its buffers overran. The counts are
   * cumulative, so nothing is lost: the next complete round's delta covers both intervals.
   */
  end(tsUs: number, commOf: (tgid: number) => string): CountsDelta | null {
    // a forgotten process's keys, in a print that may predate their deletion: not counted again
    // (nor as printed: a map that held only those prints empty next time); in a later one, a pid
    // used again, from 0
    for (const [tgid, until] of this.forgotten) if (tsUs >= until) this.forgotten.delete(tgid);
    for (const l of this.late)
      if (!this.forgotten.has(l.k[0])) this.take(l.put, l.map, l.k, l.raw, l.value);
    this.late = [];
    const printed = this.printed;
    this.printed = new Set();
    this.printedKeys = new Map();
    this.cpuSums.clear();
    for (const name of this.filled) {
      if (!printed.has(name)) {
        this.incompleteRounds++;
        this.cur = new Map();
        return null;
      }
    }
    for (const name of printed) this.filled.add(name);
    // keys of the previous print not in this one keep their counts
    for (const [key, was] of this.prev) if (!this.cur.has(key)) this.cur.set(key, was);
    const rows: OpCounts[] = [];
    let operations = 0;
    let events = 0;
    this.changed.clear();
    for (const [key, now] of this.cur) {
      const row = this.delta(key, now, this.prev.get(key), commOf);
      if (row === undefined) continue;
      rows.push(row);
      this.changed.add(row.pid);
      if (row.opcode !== IO_URING_ENTER) operations += row.ops;
      events += row.ops;
    }
    this.operations += operations;
    this.events += events;
    const samples = this.lsn + this.elsn;
    const sampled = samples - this.totals.samples;
    this.totals.samples = samples;
    this.prev = this.cur;
    this.cur = new Map();
    const intervalUs = Number.isNaN(this.prevTsUs) ? 1_000_000 : Math.max(1, tsUs - this.prevTsUs);
    this.prevTsUs = tsUs;
    return { tsUs, intervalUs, rows, latencySamples: sampled };
  }

  /** One key's rise since the previous print, as a row (undefined: nothing happened). */
  private delta(
    key: number,
    now: Cum,
    was: Cum | undefined,
    commOf: (tgid: number) => string,
  ): OpCounts | undefined {
    const tgid = Math.floor(key / 256);
    const op = key % 256;
    const enter = op === IO_URING_ENTER;
    let ops = 0;
    let errors = 0;
    let bytes = 0;
    let submitted = 0;
    const errnos: number[] = [];
    for (const [cls, n] of now.classes) {
      const d = n - (was?.classes.get(cls) ?? 0);
      if (d <= 0) continue;
      ops += d;
      if (cls < 0) {
        errors += d;
        errnos.push(-cls, d);
      } else if (enter) {
        if (cls <= ENTER_CLASS_MAX) submitted += cls * d;
      } else if (cls > 1) {
        bytes += cls * d;
      }
    }
    const extra = now.extra - (was?.extra ?? 0);
    if (enter) submitted += extra;
    else bytes += extra;
    const latency: number[] = [];
    const weighed = rises(now.lat, was?.lat, latency, modelBucket);
    const figs = {} as Record<FigureKey, number>;
    const failedErrnos: number[] = [];
    let diag = 0;
    for (const k of FIGURE_KEYS) {
      const d =
        k === ERRNO_FIGURE
          ? rises(now.errnos, was?.errnos, failedErrnos)
          : now.figs[k] - (was?.figs[k] ?? 0);
      figs[k] = d;
      diag += d;
    }
    if (ops <= 0 && bytes <= 0 && submitted <= 0 && diag <= 0 && weighed <= 0) return undefined;
    const dir = opcodeDirection(op);
    return {
      pid: tgid,
      comm: commOf(tgid),
      opcode: op,
      ops,
      read: dir === 'read' ? bytes : 0,
      write: dir === 'write' ? bytes : 0,
      errors,
      submitted,
      errnos,
      latency,
      ...(diag > 0 ? { ...figs, failedErrnos } : {}),
    };
  }
}
