/**
 * What the doctor reads: the counted figures of each process since start, as the snapshot gives
 * them (Snapshot's total* fields, its errors by errno, its /proc view), in a form two of which
 * subtract into the figures of the time between them (a window). Pure: snapshot in, figures out.
 */
import { IO_URING_ENTER } from '../model/opcodes.js';
import type { Diagnostics } from '../model/snapshot.js';
import type { RingView, ThreadInfo, ViewSnapshot } from '../proc/view.js';

/** One opcode of one process: its counts. */
export interface OpFigures {
  opcode: number;
  opName: string;
  ops: number;
  punted: number;
  poll: number;
  short: number;
  links: number;
  failed: number;
  /** Multishot requests that ended (a CQE without IORING_CQE_F_MORE); undefined: not counted. */
  msEnds?: number;
}

/** Results with one errno of one process × opcode. */
export interface ErrnoFigures {
  opcode: number;
  opName: string;
  errno: number;
  name: string;
  /** An expected result (errno.ts: isExpectedError), not a failure. */
  expected: boolean;
  count: number;
}

/** One process: its counts, and what /proc said of it at the time. */
export interface ProcFigures {
  pid: number;
  comm: string;
  ops: number;
  /** io_uring_enter calls, and the operations they submitted. */
  calls: number;
  submitted: number;
  /** CQEs of its rings that went to the overflow list. */
  overflow: number;
  opcodes: Map<number, OpFigures>;
  /** By `${opcode}:${errno}:${expected}`. */
  errnos: Map<string, ErrnoFigures>;
  /** Gauges (not subtracted): its io_uring threads and its rings, when /proc was read. */
  threads?: ThreadInfo;
  rings: readonly RingView[];
}

/** Every process at one time. */
export interface Figures {
  /** The model's clock (µs). */
  tUs: number;
  procs: Map<number, ProcFigures>;
  /** Which diagnostics the counts hold (null: none, figures from events). */
  diagnostics: Readonly<Diagnostics> | null;
  /** Where /proc was read (live), or not at all. */
  procOrigin?: 'live' | 'recorded';
}

const errKey = (opcode: number, errno: number, expected: boolean): string =>
  `${opcode}:${errno}:${expected ? 1 : 0}`;

/**
 * The figures since start of every process in `snap`; `session`: the threads' session figures
 * (their CPU over the capture), else the last sample's.
 */
export function figuresOf(snap: ViewSnapshot, session = false): Figures {
  const procs = new Map<number, ProcFigures>();
  const threads = session
    ? (snap.proc?.threadsSeen ?? snap.proc?.threads)
    : (snap.proc?.threads ?? undefined);
  for (const p of snap.processes) {
    procs.set(p.pid, {
      pid: p.pid,
      comm: p.comm,
      ops: p.total.ops,
      calls: p.totalEnterCalls,
      submitted: p.totalEnterSubmitted,
      overflow: p.total.overflow,
      opcodes: new Map(),
      errnos: new Map(),
      threads: threads?.get(p.pid),
      rings: [],
    });
  }
  for (const r of snap.processOpcodes) {
    const p = procs.get(r.pid);
    if (p === undefined || r.opcode === IO_URING_ENTER) continue;
    p.opcodes.set(r.opcode, {
      opcode: r.opcode,
      opName: r.opName,
      ops: r.total.ops,
      punted: r.total.punted,
      poll: r.total.poll,
      short: r.total.short,
      links: r.total.links,
      failed: r.total.failed,
      ...(snap.diagnostics?.msEnds ? { msEnds: r.total.msEnds } : {}),
    });
  }
  for (const e of snap.errorDetail) {
    const p = procs.get(e.pid);
    if (p === undefined) continue;
    p.errnos.set(errKey(e.opcode, e.errno, e.expected), {
      opcode: e.opcode,
      opName: e.opName,
      errno: e.errno,
      name: e.name,
      expected: e.expected,
      count: e.total,
    });
  }
  for (const ring of snap.proc?.rings ?? []) {
    const p = procs.get(ring.pid);
    if (p !== undefined) p.rings = [...p.rings, ring];
  }
  return { tUs: snap.nowUs, procs, diagnostics: snap.diagnostics, procOrigin: snap.proc?.origin };
}

const minus = (a: number, b: number | undefined): number => Math.max(0, a - (b ?? 0));

/**
 * The figures of the time between `base` and `now`: the counts of `now` less those of `base`
 * (a process or an opcode new since counts from zero), the gauges of `now`.
 */
export function windowOf(now: Figures, base: Figures | undefined): Figures {
  if (base === undefined) return now;
  const procs = new Map<number, ProcFigures>();
  for (const [pid, p] of now.procs) {
    const b = base.procs.get(pid);
    // a pid used again by another process: counted from zero
    const was = b !== undefined && b.ops <= p.ops && b.calls <= p.calls ? b : undefined;
    const opcodes = new Map<number, OpFigures>();
    for (const [op, o] of p.opcodes) {
      const bo = was?.opcodes.get(op);
      opcodes.set(op, {
        opcode: op,
        opName: o.opName,
        ops: minus(o.ops, bo?.ops),
        punted: minus(o.punted, bo?.punted),
        poll: minus(o.poll, bo?.poll),
        short: minus(o.short, bo?.short),
        links: minus(o.links, bo?.links),
        failed: minus(o.failed, bo?.failed),
        ...(o.msEnds !== undefined ? { msEnds: minus(o.msEnds, bo?.msEnds) } : {}),
      });
    }
    const errnos = new Map<string, ErrnoFigures>();
    for (const [k, e] of p.errnos)
      errnos.set(k, { ...e, count: minus(e.count, was?.errnos.get(k)?.count) });
    procs.set(pid, {
      ...p,
      ops: minus(p.ops, was?.ops),
      calls: minus(p.calls, was?.calls),
      submitted: minus(p.submitted, was?.submitted),
      overflow: minus(p.overflow, was?.overflow),
      opcodes,
      errnos,
    });
  }
  return { ...now, procs };
}
