/**
 * io_uring's kernel threads of each process, from /proc/<pid>/task: the io-wq workers
 * (`iou-wrk-*`, where punted requests run) and the SQPOLL threads (`iou-sqp-*`, which submit
 * without io_uring_enter), how many, and the CPU they use (utime + stime of
 * /proc/<pid>/task/<tid>/stat, differenced between two samples). Since 5.12 both are threads of
 * the application, so they are found under its pid.
 *
 * Cheap: per process and sample one readdir, one read of `stat` per io_uring thread, and one per
 * thread never seen before (to learn its name); other threads are not read again. At most
 * MAX_READS stat reads per sample in all: a process with thousands of threads is learned over
 * several samples.
 *
 * The CPU is also kept as a running total per process (workersCpuSec, sqpollCpuSec): what its
 * io_uring threads used while it was sampled, a count that only grows, for the metrics exporter.
 * A thread already there when the process is first sampled counts from that sample on; one born
 * since the previous sample counts from its start (all its utime + stime); a thread that exits
 * takes the CPU it used after its last sample with it (a refresh interval's worth at most).
 *
 * Over a session, a process's CPU is those totals over the time its samples covered
 * (workersAvgCpuPct, sqpollAvgCpuPct): what the headless summary reports, rather than the last
 * sample's, which at the end is two looks a few milliseconds apart. A process that is no longer
 * sampled (it exited, or has been idle for a minute) keeps its last figures for the session
 * (seen()); should it come back, its session figures go on from them, while its running totals
 * (the exporter's) start again from its new first sample.
 *
 * A process is flagged as growing when, over its last GROWTH_SAMPLES samples, its worker count
 * never fell and rose at least GROWTH_RISES times: io-wq workers exit after a few idle seconds,
 * so a count that only climbs means the work punted to them keeps outgrowing them.
 */
import { readdir } from 'node:fs/promises';
import { ProcSampler, readProcText } from './procfs.js';

/** USER_HZ: the unit of utime and stime in /proc (100 on every Linux architecture in use). */
export const CLOCK_TICKS = 100;
export const MAX_READS = 2000;
export const GROWTH_SAMPLES = 10;
export const GROWTH_RISES = 3;

/**
 * One process's io_uring threads as the latest look at /proc found them (live only): what the
 * exporter's thread gauges and CPU counters are read from.
 */
export interface ThreadReport {
  pid: number;
  /** Its command name, as in its counts rows. */
  comm: string;
  /** io-wq workers (iou-wrk-*) and SQPOLL threads (iou-sqp-*) it has now. */
  workers: number;
  sqpoll: number;
  /** CPU seconds those threads used since the process was first sampled; they only grow. */
  workersCpuSec: number;
  sqpollCpuSec: number;
}

export interface ThreadInfo {
  /** iou-wrk-* threads now, and the most seen. */
  readonly workers: number;
  readonly maxWorkers: number;
  /** iou-sqp-* threads now, and the most seen (a ring torn down before its process exits). */
  readonly sqpoll: number;
  readonly maxSqpoll: number;
  /** CPU used between the last two samples, in % of one CPU (undefined before two samples). */
  readonly workersCpuPct?: number;
  readonly sqpollCpuPct?: number;
  /** The worker count kept rising (see the module comment). */
  readonly growing: boolean;
  /**
   * CPU seconds its io-wq workers / SQPOLL threads used since the process was first sampled
   * (see the module comment): running totals that never go down.
   */
  readonly workersCpuSec: number;
  readonly sqpollCpuSec: number;
  /**
   * The time its samples covered in the session (the intervals between them), in seconds, and
   * the CPU its io-wq workers / SQPOLL threads used in that time, in % of one CPU: over the
   * session (undefined before two samples).
   */
  readonly sampledSec: number;
  readonly workersAvgCpuPct?: number;
  readonly sqpollAvgCpuPct?: number;
}

/** A process with no io_uring thread, before its first sample. */
export const IDLE_THREADS: ThreadInfo = Object.freeze({
  workers: 0,
  maxWorkers: 0,
  sqpoll: 0,
  maxSqpoll: 0,
  growing: false,
  workersCpuSec: 0,
  sqpollCpuSec: 0,
  sampledSec: 0,
});

/** What a process's samples add up to over the session. */
interface Session {
  /** Ticks its workers / SQPOLL threads used while sampled, and the time sampled (ms). */
  wTicks: number;
  sTicks: number;
  sampledMs: number;
}

const NO_SESSION: Readonly<Session> = { wTicks: 0, sTicks: 0, sampledMs: 0 };

/** Processes no longer sampled whose last figures are kept for the session (seen()). */
export const MAX_RETIRED = 1000;

type Kind = 0 | 1 | 2; // other, worker, sqpoll

interface TaskState {
  kind: Kind;
  ticks: number;
  /** ticks at the previous sample, -1 if new */
  prevTicks: number;
}

interface ProcState {
  tasks: Map<number, TaskState>;
  counts: number[];
  maxWorkers: number;
  maxSqpoll: number;
  lastMs: number;
  info: ThreadInfo;
  /** CPU % of each io_uring thread between the last two samples. */
  cpu: Map<number, number>;
  /** The tids listed at the previous sample (empty before the first). */
  listed: Set<number>;
  /** Ticks its io_uring threads used while sampled (see the module comment). */
  wTotal: number;
  sTotal: number;
  /** The time its samples covered (ms): the sum of the intervals between them. */
  sampledMs: number;
  /** Its session's figures from before it was last forgotten (NO_SESSION: none). */
  before: Readonly<Session>;
}

/** `pid (comm) S …` → [comm, utime + stime], or undefined. */
export function parseTaskStat(text: string): [string, number] | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // fields after the comm: state(3) ppid … utime(14) stime(15): indexes 11 and 12 here
  const ut = Number(rest[11]);
  const st = Number(rest[12]);
  if (!Number.isFinite(ut) || !Number.isFinite(st)) return undefined;
  return [text.slice(open + 1, close), ut + st];
}

function kindOf(comm: string): Kind {
  if (comm.startsWith('iou-wrk-')) return 1;
  if (comm.startsWith('iou-sqp-')) return 2;
  return 0;
}

/** Samples the io_uring threads of the processes it is asked for (ProcSampler). */
export class ThreadSampler extends ProcSampler<ProcState> {
  /** The last figures of the processes no longer sampled, oldest first (at most MAX_RETIRED). */
  private readonly retired = new Map<number, { info: ThreadInfo; session: Session }>();

  protected override forget(pid: number): void {
    const p = this.procs.get(pid);
    if (p && p.lastMs > 0) {
      this.retired.delete(pid);
      this.retired.set(pid, { info: p.info, session: sessionOf(p) });
      if (this.retired.size > MAX_RETIRED) this.retired.delete(this.retired.keys().next().value!);
    }
    super.forget(pid);
  }

  protected async round(pids: readonly number[], nowMs: number): Promise<void> {
    let budget = MAX_READS;
    for (const pid of pids) {
      budget -= await this.sampleOne(pid, nowMs, budget);
      if (budget <= 0) break;
    }
  }

  /** Samples one process; returns the stat reads it made. */
  private async sampleOne(pid: number, nowMs: number, budget: number): Promise<number> {
    let tids: number[];
    try {
      tids = (await readdir(`${this.root}/${pid}/task`)).map(Number);
    } catch {
      this.forget(pid); // gone, or not ours to read
      return 0;
    }
    let p = this.procs.get(pid);
    if (!p) {
      // back after a while unsampled: its session figures go on from where they were
      const before = this.retired.get(pid);
      this.retired.delete(pid);
      p = {
        tasks: new Map(),
        counts: [],
        maxWorkers: before?.info.maxWorkers ?? 0,
        maxSqpoll: before?.info.maxSqpoll ?? 0,
        lastMs: 0,
        info: IDLE_THREADS,
        cpu: new Map(),
        listed: new Set(),
        wTotal: 0,
        sTotal: 0,
        sampledMs: 0,
        before: before?.session ?? NO_SESSION,
      };
      this.procs.set(pid, p);
    }
    const live = new Set(tids);
    for (const tid of p.tasks.keys()) if (!live.has(tid)) p.tasks.delete(tid);
    // a thread not listed last time was born since (the process sampled before): all its CPU is new
    const firstSample = p.lastMs === 0;
    const listed = p.listed;
    p.listed = live;
    const toRead = tids.filter((t) => {
      const s = p.tasks.get(t);
      return s === undefined || s.kind !== 0;
    });
    const reads = toRead.slice(0, Math.max(0, budget));
    const texts = await Promise.all(
      reads.map((tid) => readProcText(`${this.root}/${pid}/task/${tid}/stat`)),
    );
    reads.forEach((tid, i) => {
      const parsed = texts[i] === undefined ? undefined : parseTaskStat(texts[i]);
      if (!parsed) return;
      const s = p.tasks.get(tid);
      if (s) {
        s.prevTicks = s.ticks;
        s.ticks = parsed[1];
        if (s.kind === 1) p.wTotal += Math.max(0, s.ticks - s.prevTicks);
        else if (s.kind === 2) p.sTotal += Math.max(0, s.ticks - s.prevTicks);
        return;
      }
      const kind = kindOf(parsed[0]);
      p.tasks.set(tid, { kind, ticks: parsed[1], prevTicks: -1 });
      if (firstSample || listed.has(tid)) return; // there before: counted from now on
      if (kind === 1) p.wTotal += parsed[1];
      else if (kind === 2) p.sTotal += parsed[1];
    });
    let workers = 0;
    let sqpoll = 0;
    let wTicks = 0;
    let sTicks = 0;
    p.cpu.clear();
    const dtSec = p.lastMs > 0 ? (nowMs - p.lastMs) / 1000 : 0;
    for (const [tid, s] of p.tasks) {
      if (s.kind === 0) continue;
      if (s.kind === 1) workers++;
      else sqpoll++;
      const d = s.prevTicks >= 0 ? s.ticks - s.prevTicks : 0;
      if (s.kind === 1) wTicks += d;
      else sTicks += d;
      if (dtSec > 0) p.cpu.set(tid, (d / CLOCK_TICKS / dtSec) * 100);
    }
    p.counts.push(workers);
    if (p.counts.length > GROWTH_SAMPLES) p.counts.shift();
    p.maxWorkers = Math.max(p.maxWorkers, workers);
    p.maxSqpoll = Math.max(p.maxSqpoll, sqpoll);
    const pct = (t: number) => (dtSec > 0 ? (t / CLOCK_TICKS / dtSec) * 100 : undefined);
    p.sampledMs += dtSec * 1000;
    const session = sessionOf(p);
    const avg = (t: number) =>
      session.sampledMs > 0 ? (t / CLOCK_TICKS / (session.sampledMs / 1000)) * 100 : undefined;
    p.info = {
      workers,
      maxWorkers: p.maxWorkers,
      sqpoll,
      maxSqpoll: p.maxSqpoll,
      workersCpuPct: pct(wTicks),
      sqpollCpuPct: pct(sTicks),
      growing: isGrowing(p.counts),
      workersCpuSec: p.wTotal / CLOCK_TICKS,
      sqpollCpuSec: p.sTotal / CLOCK_TICKS,
      sampledSec: session.sampledMs / 1000,
      workersAvgCpuPct: avg(session.wTicks),
      sqpollAvgCpuPct: avg(session.sTicks),
    };
    p.lastMs = nowMs;
    return reads.length;
  }

  info(pid: number): ThreadInfo | undefined {
    return this.procs.get(pid)?.info;
  }

  /** CPU % of one io_uring thread between the last two samples of its process. */
  threadCpuPct(pid: number, tid: number): number | undefined {
    return this.procs.get(pid)?.cpu.get(tid);
  }

  /** Every sampled process's figures. */
  all(): Map<number, ThreadInfo> {
    const out = new Map<number, ThreadInfo>();
    for (const [pid, p] of this.procs) out.set(pid, p.info);
    return out;
  }

  /**
   * Every process sampled this session: those sampled now, and the last figures of those no
   * longer sampled (exited, or idle).
   */
  seen(): Map<number, ThreadInfo> {
    const out = new Map<number, ThreadInfo>();
    for (const [pid, r] of this.retired) out.set(pid, r.info);
    for (const [pid, p] of this.procs) if (p.lastMs > 0) out.set(pid, p.info);
    return out;
  }
}

/** A process's session figures: those from before it was last forgotten, and this run's. */
function sessionOf(p: ProcState): Session {
  return {
    wTicks: p.before.wTicks + p.wTotal,
    sTicks: p.before.sTicks + p.sTotal,
    sampledMs: p.before.sampledMs + p.sampledMs,
  };
}

/** A worker count that never fell over the samples and rose at least GROWTH_RISES times. */
export function isGrowing(counts: readonly number[]): boolean {
  let rises = 0;
  for (let i = 1; i < counts.length; i++) {
    if (counts[i] < counts[i - 1]) return false;
    if (counts[i] > counts[i - 1]) rises++;
  }
  return rises >= GROWTH_RISES;
}
