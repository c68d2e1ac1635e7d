/**
 * A recording's operations as a trace in the JSON Trace Event format (the one ui.perfetto.dev and
 * chrome://tracing open), written as it is read: this holds a few numbers per process and per
 * concurrent io_uring_enter caller, never the operations, so memory stays the same however long
 * the recording is.
 *
 * What each row becomes:
 * - an operation with a latency: one async span, `b` at its submission (the row's completion
 *   time minus its latency) and `e` at its completion, category `io_uring`, named by its opcode,
 *   with an id of its own, and fd (or registered index), file, offset, length and result in the
 *   `b`'s args. Operations in flight together overlap, and only async spans may (complete events
 *   on one thread must nest): the viewers lay them out on as many rows as needed;
 * - an operation without a latency (in flight when the capture began): an async instant `n`;
 * - an io_uring_enter call: a complete event `X` on a thread track of its process. A recording
 *   holds no thread ids, so calls that overlap go on separate tracks ("io_uring_enter",
 *   "io_uring_enter 2", …, made as needed) and the calls on one track never overlap;
 * - a process's first row (and a row under a new name): a `process_name` metadata event, and a
 *   `thread_name` for its main thread (the group leader, whose name the process row carries).
 * Counters (`C`, "io_uring" ops/s per process) are given apart (counter()): per second, from the
 * kernel's exact counts where the recording has them, else from its rows.
 *
 * Times are microseconds since `zeroUs`, to the nanosecond (three decimals), so that no precision
 * is lost to the size of an epoch timestamp. Names from the recording (commands, files) go out
 * through escape(), as on screen and in the CSV. Pure: rows in, text out.
 */
import { escape } from '../escape.js';
import { errnoName } from '../model/errno.js';
import type { IoEvent } from '../model/event.js';
import { IO_URING_ENTER, type OpcodeNames } from '../model/opcodes.js';

/** The category of every span and call. */
export const TRACE_CATEGORY = 'io_uring';
/** Thread ids of the io_uring_enter tracks: pid + k·LANE_STRIDE, above every real tid (2^22). */
export const LANE_STRIDE = 2 ** 22;
/** Tracks per process for io_uring_enter calls (tids stay below 2^32). */
export const MAX_LANES = 1023;

/** The file an operation's fd named, when the recording's sidecar knows it. */
export type FileNamer = (ev: IoEvent) => string | undefined;

export interface TraceWriterOptions {
  names: OpcodeNames;
  /** Time 0 of the trace (µs since the epoch). */
  zeroUs: number;
  fileName?: FileNamer;
}

/** What the writer wrote. */
export interface TraceCounts {
  spans: number;
  instants: number;
  calls: number;
  processes: number;
  /** io_uring_enter tracks made (over every process). */
  lanes: number;
  /** Calls put on a track where they overlap another (more than MAX_LANES at once). */
  crowded: number;
}

interface ProcessState {
  comm: string;
  /** Per io_uring_enter track: the end of the latest call on it (ns since zero). */
  laneEnds: number[];
}

/** Nanoseconds (an integer) as microseconds with up to three decimals. */
export function microseconds(ns: number): string {
  const neg = ns < 0;
  const a = Math.abs(ns);
  const whole = Math.floor(a / 1000);
  const frac = a - whole * 1000;
  const text =
    frac === 0
      ? String(whole)
      : `${whole}.${String(frac + 1000)
          .slice(1)
          .replace(/0+$/, '')}`;
  return neg ? `-${text}` : text;
}

/** Counts of nothing written yet. */
export function emptyTraceCounts(): TraceCounts {
  return { spans: 0, instants: 0, calls: 0, processes: 0, lanes: 0, crowded: 0 };
}

export class TraceWriter {
  readonly counts = emptyTraceCounts();
  private readonly procs = new Map<number, ProcessState>();
  /** Per process, the ops/s its counter holds. */
  private readonly rates = new Map<number, number>();
  private nextId = 1;
  private readonly zeroUs: number;
  /** What goes before the next event: nothing before the first, a comma after. */
  private sep = '';

  constructor(private readonly opts: TraceWriterOptions) {
    this.zeroUs = opts.zeroUs;
  }

  /** The trace events of one row (see the module comment), as text for the traceEvents array. */
  row(ev: IoEvent): string {
    let text = this.process(ev.pid, ev.comm);
    // (the difference first: an epoch time in ns is past 2^53)
    const endNs = (ev.tsUs - this.zeroUs) * 1000;
    const latency = ev.latencyNs > 0 ? Math.round(ev.latencyNs) : 0;
    const startNs = endNs - latency;
    if ((ev.opcode & 255) === IO_URING_ENTER) return text + this.call(ev, startNs, latency);
    const name = JSON.stringify(this.opts.names.name(ev.opcode));
    const id = `"0x${(this.nextId++).toString(16)}"`;
    const common = `"cat":"${TRACE_CATEGORY}","name":${name},"id":${id},"pid":${ev.pid},"tid":${ev.pid}`;
    const args = this.args(ev, latency);
    if (latency === 0) {
      this.counts.instants++;
      return text + this.event(`"ph":"n",${common},"ts":${microseconds(endNs)},"args":${args}`);
    }
    this.counts.spans++;
    text += this.event(`"ph":"b",${common},"ts":${microseconds(startNs)},"args":${args}`);
    return text + this.event(`"ph":"e",${common},"ts":${microseconds(endNs)}`);
  }

  /**
   * A process's counter: `opsPerSecond` from `atUs` (µs since the epoch) on. A value the counter
   * already holds is left out.
   */
  counter(pid: number, comm: string, atUs: number, opsPerSecond: number): string {
    if (this.rates.get(pid) === opsPerSecond) return '';
    this.rates.set(pid, opsPerSecond);
    const at = microseconds(Math.round((atUs - this.zeroUs) * 1000));
    return (
      this.process(pid, comm) +
      this.event(
        `"ph":"C","cat":"${TRACE_CATEGORY}","name":"${TRACE_CATEGORY}","pid":${pid},"tid":${pid},"ts":${at},"args":{"ops/s":${opsPerSecond}}`,
      )
    );
  }

  /** One event in the array: its separator, then the object. */
  private event(fields: string): string {
    const text = `${this.sep}{${fields}}`;
    this.sep = ',\n';
    return text;
  }

  /** A process's name records, when it is new or renamed (else nothing). */
  private process(pid: number, comm: string): string {
    let state = this.procs.get(pid);
    if (state !== undefined && state.comm === comm) return '';
    if (state === undefined) {
      state = { comm, laneEnds: [] };
      this.procs.set(pid, state);
      this.counts.processes++;
    }
    state.comm = comm;
    const args = `"args":{"name":${JSON.stringify(escape(comm))}}`;
    return (
      this.event(
        `"ph":"M","cat":"__metadata","name":"process_name","pid":${pid},"tid":${pid},${args}`,
      ) +
      this.event(
        `"ph":"M","cat":"__metadata","name":"thread_name","pid":${pid},"tid":${pid},${args}`,
      )
    );
  }

  /** An io_uring_enter call: a complete event on the first of its process's tracks free then. */
  private call(ev: IoEvent, startNs: number, latency: number): string {
    this.counts.calls++;
    const ends = this.procs.get(ev.pid)!.laneEnds;
    let lane = ends.findIndex((end) => end <= startNs);
    let text = '';
    if (lane < 0 && ends.length < MAX_LANES) {
      lane = ends.length;
      ends.push(startNs);
      this.counts.lanes++;
      const name = lane === 0 ? 'io_uring_enter' : `io_uring_enter ${lane + 1}`;
      text += this.event(
        `"ph":"M","cat":"__metadata","name":"thread_name","pid":${ev.pid},"tid":${laneTid(ev.pid, lane)},"args":{"name":"${name}"}`,
      );
    } else if (lane < 0) {
      // more calls at once than tracks: the one that frees first takes it, overlapping
      lane = ends.indexOf(Math.min(...ends));
      this.counts.crowded++;
    }
    const endNs = startNs + latency;
    if (endNs > ends[lane]) ends[lane] = endNs;
    const args =
      `{"fd":${ev.fd},"to_submit":${ev.length}` +
      (ev.hasResult ? `,"result":${ev.result}${errnoText(ev.result)}` : '') +
      '}';
    return (
      text +
      this.event(
        `"ph":"X","cat":"${TRACE_CATEGORY}","name":"io_uring_enter","pid":${ev.pid},"tid":${laneTid(ev.pid, lane)},` +
          `"ts":${microseconds(startNs)},"dur":${microseconds(latency)},"args":${args}`,
      )
    );
  }

  /** An operation's args: what its row says, and its file's name where it is known. */
  private args(ev: IoEvent, latency: number): string {
    const parts = [ev.fixedFile ? `"fixed_file":${ev.fd}` : `"fd":${ev.fd}`];
    const file = this.opts.fileName?.(ev);
    if (file !== undefined) parts.push(`"file":${JSON.stringify(escape(file))}`);
    parts.push(`"offset":${ev.offset}`, `"length":${ev.length}`);
    if (ev.hasResult) parts.push(`"result":${ev.result}${errnoText(ev.result)}`);
    parts.push(latency > 0 ? `"latency_us":${microseconds(latency)}` : '"latency":"unknown"');
    return `{${parts.join(',')}}`;
  }
}

/** The thread id of a process's io_uring_enter track. */
export function laneTid(pid: number, lane: number): number {
  return pid + (lane + 1) * LANE_STRIDE;
}

const errnoText = (result: number): string =>
  result < 0 ? `,"errno":"${errnoName(-result)}"` : '';
