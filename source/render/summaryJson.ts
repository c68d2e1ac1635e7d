/**
 * The headless report as one JSON document (`--json`), for scripts and benchmarks: counts as
 * exact integers, bytes in bytes, latencies in microseconds (three decimals: the nanoseconds).
 * Pure: snapshot in, text out. Command names and file names are attacker-controlled bytes: they
 * are written as the recording writes them (commToCsv: a backslash doubled; control bytes, bytes
 * that are not UTF-8, C1 and bidi controls as `\xNN`), so the text is valid UTF-8 JSON with no
 * lone surrogate, a raw control or a C1 control in it, and a script reads the bytes back exactly
 * as replay reads the CSV (commFromCsv).
 */
import { commToCsv } from '../model/comm.js';
import { FIGURES } from '../model/figures.js';
import type { Diagnostics, RowStats, Snapshot } from '../model/snapshot.js';
import type { ViewSnapshot } from '../proc/view.js';
import { cgroupFigures } from './cgroupSummary.js';
import { adviceJson } from './findings.js';
import { summaryFindings, type SummaryInfo } from './summary.js';
import { filesJson, threadsJson } from './procSummary.js';

const us = (ns: number): number => Math.round(ns) / 1000;

function stats(r: RowStats) {
  return {
    ops: r.total.ops,
    bytes_read: r.total.read,
    bytes_written: r.total.write,
    errors: r.total.errors,
    expected_errors: r.total.expected,
    p50_us: us(r.total.p50Ns),
    p99_us: us(r.total.p99Ns),
    max_us: us(r.total.maxNs),
  };
}

/**
 * The diagnostics since start (figures.ts: their JSON names), each null when this capture does
 * not count it; the ring figures only `withRing` (the totals, processes, IO_URING_ENTER).
 */
function diagnostics(r: RowStats, d: Diagnostics | null, withRing: boolean) {
  const out: Record<string, number | null> = {};
  for (const f of FIGURES)
    if (withRing || f.scope === 'opcode') out[f.json] = d?.[f.key] ? r.total[f.key] : null;
  return out;
}

/** Rows with the most operations since start first, then by `id`. */
function mostOpsFirst<R extends RowStats>(rows: readonly R[], id: (r: R) => number): R[] {
  return [...rows].sort((a, b) => b.total.ops - a.total.ops || id(a) - id(b));
}

/**
 * The summary's totals, opcodes[] and processes[], as `--json` writes them: also the rows of each
 * `--interval` object (their figures then an interval's).
 */
export function summaryRowsJson(snap: Snapshot) {
  const t = snap.totals;
  return {
    totals: {
      events: t.events,
      operations: t.total.ops,
      bytes_read: t.total.read,
      bytes_written: t.total.write,
      errors: t.total.errors,
      expected_errors: t.total.expected,
      ...diagnostics(t, snap.diagnostics, true),
    },
    opcodes: mostOpsFirst(snap.opcodes, (o) => o.opcode).map((o) => ({
      opcode: o.opName,
      code: o.opcode,
      ...stats(o),
      ...diagnostics(o, snap.diagnostics, o.opcode === 255),
    })),
    processes: mostOpsFirst(snap.processes, (p) => p.pid).map((p) => ({
      pid: p.pid,
      command: commToCsv(p.comm),
      // its names before an exec or a rename
      former_commands: p.formerComms.map(commToCsv),
      ...stats(p),
      enter_calls: p.totalEnterCalls,
      // operations submitted per io_uring_enter call (null: no call, e.g. SQPOLL)
      batch:
        p.totalEnterCalls > 0
          ? Math.round((p.totalEnterSubmitted / p.totalEnterCalls) * 100) / 100
          : null,
      ...diagnostics(p, snap.diagnostics, true),
      top_opcode: p.topOpName,
    })),
  };
}

/**
 * Where the source knows the processes' cgroups (live; a recording whose sidecar kept them): each
 * process row's `cgroup` (null: not read), and `cgroups[]`, the rows added up by cgroup.
 */
function withCgroups(
  rows: ReturnType<typeof summaryRowsJson>,
  cgroups: ReadonlyMap<number, string> | undefined,
) {
  if (cgroups === undefined) return rows;
  const cgroupOf = (pid: number): string | undefined => cgroups.get(pid);
  return {
    ...rows,
    processes: rows.processes.map((p) => ({ ...p, cgroup: cgroupOf(p.pid) ?? null })),
    cgroups: cgroupFigures(rows.processes, cgroupOf),
  };
}

export function formatSummaryJson(snap: ViewSnapshot, info: SummaryInfo = {}): string {
  return jsonText(summaryJsonDoc(snap, info), true);
}

/** The headless report as one JSON value (formatSummaryJson's, and JSON Lines' last object). */
export function summaryJsonDoc(snap: ViewSnapshot, info: SummaryInfo = {}) {
  const durationUs = info.durationUs ?? Math.max(0, snap.nowUs - snap.startUs);
  const f = info.figures;
  const c = snap.capture === null ? null : { ...snap.capture, ...info.counters };
  const keeping = f?.keeping ?? { kind: 'all' };
  return {
    title: info.title ?? 'iouringtop summary',
    filter: info.filter ?? '',
    recording: info.recording ?? null,
    duration_s: durationUs / 1e6,
    ...withCgroups(summaryRowsJson(snap), snap.proc?.cgroups),
    threads: threadsJson(snap),
    files: filesJson(snap),
    errors: snap.errors.map((e) => ({
      errno: e.errno,
      name: e.name,
      count: e.total,
      expected: e.expected,
    })),
    // results by errno per process and opcode (expected ones flagged), init failures among them
    error_detail: snap.errorDetail.map((e) => ({
      pid: e.pid,
      command: commToCsv(e.comm),
      opcode: e.opName,
      errno: e.errno,
      name: e.name,
      count: e.total,
      expected: e.expected,
      failed_init: e.failedInit,
    })),
    // which diagnostics were counted (null: unknown, figures from events)
    diagnostics: snap.diagnostics,
    io_uring_enter: { calls: snap.enter.totalCalls, submitted: snap.enter.totalSubmitted },
    figures: f
      ? {
          from: f.counted ? (f.replay ? 'recorded kernel counts' : 'kernel counts') : 'events',
          counted_events: f.counted ? f.countedEvents : null,
          events: f.events,
        }
      : null,
    capture: c && {
      lost: c.lost,
      dropped: c.dropped,
      overflow: c.overflow,
      unmatched: c.unmatched,
      malformed: c.malformed,
      reaped_processes: c.reaped ?? null,
      // counter maps found full: the counts are short by an unknown amount
      full_maps: c.fullMaps ?? [],
      tier: info.tier ?? null,
      // 1 in N events kept: 1 = every one, null = none (--no-events); under a budget, about
      // one in N (the events counted over those sent)
      sampled:
        keeping.kind === 'sample'
          ? keeping.every
          : keeping.kind === 'none'
            ? null
            : f?.sent !== undefined && f.sent > 0 && f.sent < f.countedEvents
              ? Math.round(f.countedEvents / f.sent)
              : 1,
      events: {
        mode: keeping.kind,
        budget_per_s: keeping.kind === 'budget' ? keeping.perSec : null,
        counted: f?.countedEvents ?? null,
        sent: keeping.kind === 'none' ? 0 : (f?.sent ?? f?.countedEvents ?? null),
        received: f?.events ?? null,
      },
      latency_sampled: f?.latencySampled ?? false,
    },
    evicted_processes: snap.evictedProcesses,
    // the doctor's findings over the session, worst first (docs/doctor.md)
    advice: adviceJson(summaryFindings(snap, info)),
  };
}

/**
 * A JSON document as text, with a newline: indented, or on one line (JSON Lines). Other text, such
 * as a kernel's opcode name, is escaped too: no raw DEL or C1 control, and JSON.stringify writes
 * a lone surrogate as \uDXXX, never as a code unit.
 */
export function jsonText(doc: unknown, indent: boolean): string {
  return (
    JSON.stringify(doc, null, indent ? 2 : undefined).replace(
      /[\u007f-\u009f]/g,
      (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ) + '\n'
  );
}
