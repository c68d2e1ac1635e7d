/**
 * The metric families: their names, help, types and labels, and how each reads the running totals
 * (totals.ts) into plain values. One list for both consumers: the /metrics endpoint (server.ts,
 * through prom-client) and the export of a recording (export.ts, with a timestamp per sample).
 *
 * Operations exclude IO_URING_ENTER (the syscall is not an operation): its calls have their own
 * families, as in the model. Label names follow --metrics-labels (labels.ts); the latency
 * histogram is always by opcode alone, its bounds in buckets.ts.
 *
 * The diagnostics counted in the kernel (punted, poll-armed, short, init failures, broken links,
 * CQ overflows) are families only where the capture counts them (`diagnostics`: live, what the
 * kernel offers; an export, what the recording's metadata says its counts hold): a diagnostic
 * not counted has no family at all, never a 0 that would pass for "none happened". Where counted,
 * the CQ overflows (the alarm, one series per label set) are there from a process's first count
 * of anything, 0 included, so that increase() sees the first one; the per-opcode ones appear
 * with their first count, as errors by errno do: a 0 for every (label set, opcode) would be five
 * series more for each, 2.4 times the series in all with pid labels (npm run bench:metrics),
 * to answer a question rate() answers anyway for diagnostics that keep happening.
 *
 * The io_uring thread families (io-wq workers, SQPOLL threads, their CPU) come from /proc, so
 * exist live only: an export of a recording leaves them out (`threads` false).
 */
import { errnoName, isExpectedError } from '../model/errno.js';
import { IO_URING_ENTER, opcodeDirection, type OpcodeNames } from '../model/opcodes.js';
import { ERRNO_FIGURE, FIGURES, type Diagnostics, type Figure } from '../model/figures.js';
import { LE_SECONDS } from './buckets.js';
import type { LabelName } from './labels.js';
import type { MetricTotals, OpCountedFigure, ProcessTotals, ThreadTotals } from './totals.js';

/** The plain counts of an opcode's totals (totals.ts: OpTotals). */
type OpCount = 'ops' | 'read' | 'write' | OpCountedFigure;

export type Labels = Record<string, string>;

export interface ScalarValue {
  labels: Labels;
  value: number;
}

export interface HistogramValue {
  labels: Labels;
  /** Cumulative counts, one per bound of LE_SECONDS (+Inf is `count`). */
  buckets: number[];
  count: number;
  /** Seconds. */
  sum: number;
}

interface FamilyBase {
  /** The name as Prometheus stores it (counters end in _total). */
  name: string;
  help: string;
  labelNames: string[];
}

export interface ScalarFamily extends FamilyBase {
  type: 'counter' | 'gauge';
  read(t: MetricTotals): ScalarValue[];
}

export interface HistogramFamily extends FamilyBase {
  type: 'histogram';
  read(t: MetricTotals): HistogramValue[];
}

export type Family = ScalarFamily | HistogramFamily;

/** What the info gauge says about this build and this capture (never a path or a command line). */
export interface BuildInfo {
  version: string;
  tier: string;
  bpftrace: string;
  kernel: string;
}

/** Each diagnostic's family name (figures.ts: its stem), iouringtop_<stem>_total. */
export const figureFamilyName = (f: Figure): string => `iouringtop_${f.metric.stem}_total`;

/** Each family's help text, by its name. */
const HELP: Readonly<Record<string, string>> = {
  ...Object.fromEntries(FIGURES.map((f) => [figureFamilyName(f), f.metric.help])),
  iouringtop_operations_total: 'io_uring operations completed (counted in the kernel)',
  iouringtop_read_bytes_total: 'Bytes read by read-class operations (positive results)',
  iouringtop_written_bytes_total: 'Bytes written by write-class operations (positive results)',
  iouringtop_errors_total:
    'Operations that failed, by errno (expected results apart: see iouringtop_expected_errors_total)',
  iouringtop_expected_errors_total:
    'Operations whose negative result is what they are for, by errno: ECANCELED, EAGAIN, ETIME of a timeout',
  iouringtop_operation_latency_seconds:
    'Latency of operations from submission to completion (those whose submission was seen)',
  iouringtop_enter_calls_total: 'io_uring_enter system calls',
  iouringtop_enter_submitted_total: 'Operations submitted by io_uring_enter system calls',
  iouringtop_enter_errors_total:
    'io_uring_enter system calls that failed, by errno (expected results apart)',
  iouringtop_enter_expected_errors_total:
    'io_uring_enter system calls whose negative result is expected, by errno: ETIME of a timed wait, EAGAIN, ECANCELED',
  iouringtop_lost_events_total:
    "Event lines bpftrace's buffers could not hold (every other figure stays exact)",
  iouringtop_dropped_requests_total:
    'Submissions the in-flight map could not hold (counted, without latency)',
  iouringtop_diagnostic_counted:
    'Whether the counts hold a diagnostic (1), or not (0: the kernel lacks its tracepoint, short_results under --no-events, a recording from before): its family is then absent, not 0',
  iouringtop_iowq_worker_threads:
    'io-wq worker threads (iou-wrk-*, where punted requests run) the processes have, at the latest look at /proc',
  iouringtop_sqpoll_threads:
    'SQPOLL threads (iou-sqp-*) the processes have, at the latest look at /proc',
  iouringtop_iowq_worker_cpu_seconds_total:
    "CPU time (user + system) of the processes' io-wq worker threads, since iouringtop first read them in /proc",
  iouringtop_sqpoll_cpu_seconds_total:
    "CPU time (user + system) of the processes' SQPOLL threads, since iouringtop first read them in /proc",
  iouringtop_build_info:
    "iouringtop's version and the capture: tier, bpftrace version, kernel (always 1)",
};

function counter(name: string, labelNames: readonly string[], read: ScalarFamily['read']): Family {
  return { name, help: HELP[name], type: 'counter', labelNames: [...labelNames], read };
}

function gauge(name: string, labelNames: readonly string[], read: ScalarFamily['read']): Family {
  return { name, help: HELP[name], type: 'gauge', labelNames: [...labelNames], read };
}

function histogram(
  name: string,
  labelNames: readonly string[],
  read: HistogramFamily['read'],
): Family {
  return { name, help: HELP[name], type: 'histogram', labelNames: [...labelNames], read };
}

/** What the capture has besides the counts every capture has. */
export interface FamilyOptions {
  /** The io_uring thread families (live only). */
  threads?: boolean;
  /** Which diagnostics the counts hold (null or absent: none, as in a recording from before). */
  diagnostics?: Readonly<Diagnostics> | null;
}

/**
 * How the families counted per (label set, opcode) read the totals: summed over the opcodes
 * when opcode is not a label.
 */
function opcodeReaders(byOpcode: boolean, names: OpcodeNames) {
  /** The label values of (process, opcode): those chosen, in the order of `labels`. */
  const opLabels = (p: ProcessTotals, op: number): Labels => {
    const out: Labels = { ...p.slot.labels };
    if (byOpcode) out.opcode = names.name(op);
    return out;
  };

  /**
   * One value per (label set, opcode) — or per label set when opcode is not a label — summing
   * the count `key` over the opcodes `keep` admits; a series is there once its first operation is.
   */
  const perOpcode =
    (key: OpCount, keep: (op: number) => boolean = () => true) =>
    (t: MetricTotals): ScalarValue[] => {
      const out: ScalarValue[] = [];
      for (const p of t.processes.values()) {
        let sum = 0;
        let any = false;
        for (const [op, o] of p.ops) {
          if (!keep(op)) continue;
          if (byOpcode) out.push({ labels: opLabels(p, op), value: o[key] });
          else {
            sum += o[key];
            any = true;
          }
        }
        if (!byOpcode && any) out.push({ labels: { ...p.slot.labels }, value: sum });
      }
      return out;
    };

  /**
   * Negative results by errno, per (label set, opcode), or per label set when opcode is not a
   * label: the failures (`expected` false), or the results the operation is for (`expected` true:
   * -ECANCELED, -EAGAIN, -ETIME of a timeout; model/errno.ts isExpectedError), each told apart
   * per opcode before opcodes are summed.
   */
  const errorsByErrno =
    (expected: boolean) =>
    (t: MetricTotals): ScalarValue[] => {
      const out: ScalarValue[] = [];
      const push = (base: Labels, errors: Map<number, number>): void => {
        for (const [e, n] of errors)
          out.push({ labels: { ...base, errno: errnoName(e) }, value: n });
      };
      const pick = (op: number, errors: Map<number, number>, into: Map<number, number>): void => {
        for (const [e, n] of errors)
          if (isExpectedError(op, e) === expected) into.set(e, (into.get(e) ?? 0) + n);
      };
      for (const p of t.processes.values()) {
        if (byOpcode) {
          for (const [op, o] of p.ops) {
            const picked = new Map<number, number>();
            pick(op, o.errors, picked);
            push(opLabels(p, op), picked);
          }
          continue;
        }
        const merged = new Map<number, number>();
        for (const [op, o] of p.ops) pick(op, o.errors, merged);
        push(p.slot.labels, merged);
      }
      return out;
    };

  /**
   * A diagnostic per (label set, opcode), or per label set: a series once its count is above 0
   * (it never goes back), as a failure's errno is; see the module comment for why.
   */
  const onceCounted =
    (key: OpCount) =>
    (t: MetricTotals): ScalarValue[] =>
      perOpcode(key)(t).filter((v) => v.value > 0);

  /** Init failures by errno, per (label set, opcode), or per label set when opcode is not a label. */
  const initFailures = (t: MetricTotals): ScalarValue[] => {
    const out: ScalarValue[] = [];
    // (errno 0: a kernel whose io_uring_req_failed carries no error)
    const push = (base: Labels, failed: Map<number, number>): void => {
      for (const [e, n] of failed)
        out.push({ labels: { ...base, errno: e === 0 ? 'unknown' : errnoName(e) }, value: n });
    };
    for (const p of t.processes.values()) {
      if (byOpcode) {
        for (const [op, o] of p.ops) push(opLabels(p, op), o.failed);
        continue;
      }
      const merged = new Map<number, number>();
      for (const o of p.ops.values())
        for (const [e, n] of o.failed) merged.set(e, (merged.get(e) ?? 0) + n);
      push(p.slot.labels, merged);
    }
    return out;
  };

  return { perOpcode, errorsByErrno, onceCounted, initFailures };
}

/** How the families of a label set (its calls, threads, rings) and the capture read the totals. */
function processReaders(names: OpcodeNames) {
  /** io_uring_enter's negative results by errno, per label set: failures or expected (-ETIME …). */
  const enterErrorsByErrno =
    (expected: boolean) =>
    (t: MetricTotals): ScalarValue[] => {
      const out: ScalarValue[] = [];
      for (const p of t.processes.values())
        for (const [e, n] of p.enterErrors)
          if (isExpectedError(IO_URING_ENTER, e) === expected)
            out.push({ labels: { ...p.slot.labels, errno: errnoName(e) }, value: n });
      return out;
    };

  const perProcess =
    (key: 'enterCalls' | 'enterSubmitted') =>
    (t: MetricTotals): ScalarValue[] => {
      const out: ScalarValue[] = [];
      for (const p of t.processes.values())
        if (p.enterCalls > 0) out.push({ labels: { ...p.slot.labels }, value: p[key] });
      return out;
    };

  /** One value per label set whose processes /proc was read for: `pick` of its thread totals. */
  const perThreads =
    (pick: (t: ThreadTotals) => number | undefined) =>
    (t: MetricTotals): ScalarValue[] => {
      const out: ScalarValue[] = [];
      for (const p of t.processes.values()) {
        const v = p.threads === undefined ? undefined : pick(p.threads);
        if (v !== undefined) out.push({ labels: { ...p.slot.labels }, value: v });
      }
      return out;
    };

  const latency = (t: MetricTotals): HistogramValue[] =>
    [...t.latency].map(([op, h]) => {
      const buckets: number[] = [];
      let acc = 0;
      for (let i = 0; i < LE_SECONDS.length; i++) buckets.push((acc += h.slots[i]));
      return { labels: { opcode: names.name(op) }, buckets, count: h.count, sum: h.sumNs / 1e9 };
    });
  /** A ring figure per label set: a series from the process's first count on. */
  const perRingOwner =
    (of: (p: ProcessTotals) => number) =>
    (t: MetricTotals): ScalarValue[] => {
      const out: ScalarValue[] = [];
      for (const p of t.processes.values())
        if (p.ops.size > 0 || p.enterCalls > 0 || of(p) > 0)
          out.push({ labels: { ...p.slot.labels }, value: of(p) });
      return out;
    };
  const capture =
    (key: 'lost' | 'dropped') =>
    (t: MetricTotals): ScalarValue[] =>
      t.capture === null ? [] : [{ labels: {}, value: t.capture[key] }];
  return { enterErrorsByErrno, perProcess, perThreads, latency, perRingOwner, capture };
}

/**
 * Every family, with label names for `labels`; `info` null leaves out the info gauge; see
 * FamilyOptions for the rest.
 */
export function metricFamilies(
  labels: readonly LabelName[],
  names: OpcodeNames,
  info: BuildInfo | null,
  { threads = false, diagnostics = null }: FamilyOptions = {},
): Family[] {
  const byOpcode = labels.includes('opcode');
  const procLabels = labels.filter((l) => l !== 'opcode');

  const { perOpcode, errorsByErrno, onceCounted, initFailures } = opcodeReaders(byOpcode, names);
  const { enterErrorsByErrno, perProcess, perThreads, latency, perRingOwner, capture } =
    processReaders(names);
  const isRead = (op: number) => opcodeDirection(op) === 'read';
  const isWrite = (op: number) => opcodeDirection(op) === 'write';
  const withErrno = [...labels, 'errno'];
  const procWithErrno = [...procLabels, 'errno'];

  const families: Family[] = [
    counter('iouringtop_operations_total', labels, perOpcode('ops')),
    counter('iouringtop_read_bytes_total', labels, perOpcode('read', isRead)),
    counter('iouringtop_written_bytes_total', labels, perOpcode('write', isWrite)),
    counter('iouringtop_errors_total', withErrno, errorsByErrno(false)),
    counter('iouringtop_expected_errors_total', withErrno, errorsByErrno(true)),
    histogram('iouringtop_operation_latency_seconds', ['opcode'], latency),
    counter('iouringtop_enter_calls_total', procLabels, perProcess('enterCalls')),
    counter('iouringtop_enter_submitted_total', procLabels, perProcess('enterSubmitted')),
    counter('iouringtop_enter_errors_total', procWithErrno, enterErrorsByErrno(false)),
    counter('iouringtop_enter_expected_errors_total', procWithErrno, enterErrorsByErrno(true)),
    counter('iouringtop_lost_events_total', [], capture('lost')),
    counter('iouringtop_dropped_requests_total', [], capture('dropped')),
  ];
  const diagnosticCounted = (): ScalarValue[] =>
    FIGURES.map((f) => ({
      labels: { diagnostic: f.metric.stem },
      value: diagnostics?.[f.key] === true ? 1 : 0,
    }));
  families.push(gauge('iouringtop_diagnostic_counted', ['diagnostic'], diagnosticCounted));
  for (const f of FIGURES) {
    if (diagnostics?.[f.key] !== true) continue;
    const name = figureFamilyName(f);
    if (f.key === ERRNO_FIGURE) families.push(counter(name, withErrno, initFailures));
    else if (f.scope === 'opcode') families.push(counter(name, labels, onceCounted(f.key)));
    else
      families.push(
        counter(
          name,
          procLabels,
          perRingOwner((p) => p[f.key]),
        ),
      );
  }
  if (threads) {
    const workers = perThreads((x) => x.now?.workers);
    const sqpoll = perThreads((x) => x.now?.sqpoll);
    const workersCpu = perThreads((x) => x.workersCpuUs / 1e6);
    const sqpollCpu = perThreads((x) => x.sqpollCpuUs / 1e6);
    families.push(
      gauge('iouringtop_iowq_worker_threads', procLabels, workers),
      gauge('iouringtop_sqpoll_threads', procLabels, sqpoll),
      counter('iouringtop_iowq_worker_cpu_seconds_total', procLabels, workersCpu),
      counter('iouringtop_sqpoll_cpu_seconds_total', procLabels, sqpollCpu),
    );
  }
  if (info !== null) {
    const buildInfo = () => [{ labels: { ...info }, value: 1 }];
    families.push(
      gauge('iouringtop_build_info', ['version', 'tier', 'bpftrace', 'kernel'], buildInfo),
    );
  }
  return families;
}
