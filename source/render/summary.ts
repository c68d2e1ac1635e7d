/**
 * The headless mode's report: a plain-text table per opcode and per process (operations, bytes,
 * errors, p50/p99/max latency, since start), errors by errno, io_uring_enter batching, and the
 * capture's loss counters. Pure: snapshot in, text out.
 */
import { sessionFindings } from '../doctor/doctor.js';
import type { Finding } from '../doctor/finding.js';
import { escape } from '../escape.js';
import type { FiguresFacts, SummaryInfo } from '../sources/facts.js';
import { FIGURE_KEYS, OPCODE_FIGURE_KEYS } from '../model/figures.js';
import type { RowStats } from '../model/snapshot.js';
import type { ViewSnapshot } from '../proc/view.js';
import { summaryDiags, summaryStats } from './columns.js';
import { cgroupFigures, cgroupSection, processFigures } from './cgroupSummary.js';
import { findingsLines } from './findings.js';
import { procSummaryLines } from './procSummary.js';
import { table, type Align } from './textTable.js';
import { formatBytes, formatCount, formatRate } from '../format.js';

export type { EventKeeping, FiguresFacts, SummaryInfo } from '../sources/facts.js';

/** The doctor's findings the summary reports: the ones given, or the snapshot's counts'. */
export function summaryFindings(snap: ViewSnapshot, info: SummaryInfo): readonly Finding[] {
  if (info.findings) return info.findings;
  const durationUs = info.durationUs ?? Math.max(0, snap.nowUs - snap.startUs);
  return sessionFindings(snap, durationUs / 1e6);
}

/**
 * One line on where the figures come from (the kernel's exact counts, or the events) and how
 * many events there are beside them: the honest answer to "are these numbers whole?".
 */
export function figuresFact(f: FiguresFacts): string {
  const n = formatCount;
  const kept =
    f.keeping.kind === 'sample'
      ? `1 in ${f.keeping.every} kept`
      : f.keeping.kind === 'none'
        ? 'off (--no-events)'
        : '';
  const latency = f.latencySampled ? '; latencies sampled (percentiles are estimates)' : '';
  if (!f.counted) {
    return f.keeping.kind === 'sample'
      ? `Figures: from the recording's ${n(f.events)} events, ${kept}: totals are about 1/${f.keeping.every} of the real ones (no counts beside it)`
      : `Figures: from the ${f.replay ? "recording's " : ''}${n(f.events)} events`;
  }
  const source = f.replay ? 'the recorded kernel counts' : 'the kernel counts (exact)';
  if (f.keeping.kind === 'none') return `Figures: ${source}; events ${kept}${latency}`;
  if (f.keeping.kind === 'sample')
    return `Figures: ${source}; events: ${kept} (${n(f.events)} of ${n(f.countedEvents)})${latency}`;
  const sent = f.sent ?? f.countedEvents;
  const sampled =
    f.keeping.kind === 'budget' && sent < f.countedEvents
      ? `, ${n(f.countedEvents - sent)} sampled out over the budget of ${n(f.keeping.perSec)}/s (--all-events keeps every one)`
      : '';
  const missing = sent - f.events;
  return (
    `Figures: ${source}; events: ${n(f.events)} of ${n(f.countedEvents)} ${f.replay ? 'recorded' : 'received'}${sampled}` +
    (missing > 0
      ? ` (${n(missing)} lost: the event list${f.replay ? '' : ' and the recording'} miss them)`
      : '') +
    latency
  );
}

const OPS = summaryStats(['ops']);
const REST = summaryStats(['read', 'write', 'err', 'exp', 'p50', 'p99', 'max']);
const STAT_HEADER = [...OPS.titles, 'AVG OPS/s', ...REST.titles];
const STAT_ALIGN: Align[] = STAT_HEADER.map(() => 'r');

function statCells(r: RowStats, seconds: number): string[] {
  return [...OPS.cells(r), seconds > 0 ? formatRate(r.total.ops / seconds) : '-', ...REST.cells(r)];
}

/**
 * Punts, poll arms, short results, init failures, broken links and CQ overflows, by opcode and
 * by process (those with any), and each process's batching: since start. `n/a`: not counted here.
 */
function diagnosticsSection(snap: ViewSnapshot, limit: number): string[] {
  const d = snap.diagnostics;
  const out: string[] = ['', 'Diagnostics by opcode'];
  const any = (r: RowStats) => FIGURE_KEYS.some((k) => r.total[k] > 0);
  const ops = snap.opcodes
    .filter((o) => o.opcode !== 255 && any(o))
    .sort((a, b) => b.total.ops - a.total.ops || a.opcode - b.opcode);
  const od = summaryDiags(OPCODE_FIGURE_KEYS, d);
  if (ops.length === 0) out.push('  (none)');
  else
    out.push(
      ...table(
        ['OPCODE', 'OPS', ...od.titles],
        ['l', 'r', ...od.titles.map((): Align => 'r')],
        ops.map((o) => [o.opName, formatCount(o.total.ops), ...od.cells(o)]),
      ),
    );
  out.push('', 'Diagnostics by process');
  const pd = summaryDiags(FIGURE_KEYS, d);
  const procs = snap.processes
    .filter((p) => any(p) || p.totalEnterCalls > 0)
    .sort((a, b) => b.total.ops - a.total.ops || a.pid - b.pid);
  if (procs.length === 0) out.push('  (none)');
  else {
    const shown = procs.slice(0, limit);
    out.push(
      ...table(
        ['PID', 'COMMAND', 'OPS', ...pd.titles, 'BATCH'],
        ['r', 'l', 'r', ...pd.titles.map((): Align => 'r'), 'r'],
        shown.map((p) => [
          String(p.pid),
          escape(p.comm),
          formatCount(p.total.ops),
          ...pd.cells(p),
          p.totalEnterCalls > 0 ? (p.totalEnterSubmitted / p.totalEnterCalls).toFixed(1) : '-',
        ]),
      ),
    );
    if (procs.length > shown.length)
      out.push(`  … and ${procs.length - shown.length} more processes`);
  }
  if (d?.overflow && snap.totals.total.overflow > 0)
    out.push(
      `ALARM: ${formatCount(snap.totals.total.overflow)} completions overflowed the CQ ring: the application reaps too slowly (or its CQ is too small)`,
    );
  return out;
}

/** The report, as lines joined with '\n' (ending with one). */
export function formatSummary(snap: ViewSnapshot, info: SummaryInfo = {}): string {
  const durationUs = info.durationUs ?? Math.max(0, snap.nowUs - snap.startUs);
  const seconds = durationUs / 1e6;
  const out: string[] = [];
  const t = snap.totals;
  out.push(escape(info.title ?? 'iouringtop summary'));
  if (info.filter) out.push(`filter: ${escape(info.filter)}`);
  if (info.recording) out.push(`recording: ${escape(info.recording)}`);
  out.push(
    `${seconds.toFixed(1)} s, ${formatCount(t.events)} events, ${formatCount(t.total.ops)} operations` +
      (seconds > 0 ? ` (${formatRate(t.total.ops / seconds)})` : '') +
      `, read ${formatBytes(t.total.read)}, written ${formatBytes(t.total.write)}` +
      `, ${formatCount(t.total.errors)} errors, ${formatCount(t.total.expected)} expected`,
  );

  out.push('', 'By opcode');
  const ops = [...snap.opcodes].sort((a, b) => b.total.ops - a.total.ops || a.opcode - b.opcode);
  if (ops.length === 0) out.push('  (no events)');
  else {
    const rows = ops.map((o) => [o.opName, ...statCells(o, seconds)]);
    out.push(...table(['OPCODE', ...STAT_HEADER], ['l', ...STAT_ALIGN], rows));
  }

  out.push('', 'By process');
  const procs = [...snap.processes].sort((a, b) => b.total.ops - a.total.ops || a.pid - b.pid);
  const limit = info.maxProcesses ?? 50;
  if (procs.length === 0) out.push('  (no events)');
  else {
    const shown = procs.slice(0, limit);
    const rows = shown.map((p) => [
      String(p.pid),
      escape(p.comm),
      ...statCells(p, seconds),
      p.topOpName === '' ? '-' : p.topOpName,
    ]);
    out.push(
      ...table(
        ['PID', 'COMMAND', ...STAT_HEADER, 'TOP OPCODE'],
        ['r', 'l', ...STAT_ALIGN, 'l'],
        rows,
      ),
    );
    if (procs.length > shown.length)
      out.push(`  … and ${procs.length - shown.length} more processes`);
  }
  if (snap.evictedProcesses > 0) {
    out.push(`  (${snap.evictedProcesses} idle process rows were evicted to bound memory)`);
  }
  const cgroups = snap.proc?.cgroups;
  if (cgroups !== undefined)
    out.push(...cgroupSection(cgroupFigures(processFigures(snap), (pid) => cgroups.get(pid))));
  const proc = procSummaryLines(snap);
  if (proc.length > 0) out.push('', ...proc);

  if (snap.diagnostics !== null) out.push(...diagnosticsSection(snap, limit));
  out.push(...findingsLines(summaryFindings(snap, info), `over the ${seconds.toFixed(1)} s`));

  out.push('');
  const byErrno = (expected: boolean): string =>
    snap.errors
      .filter((e) => e.expected === expected)
      .map((e) => `${e.name} ${formatCount(e.total)}`)
      .join(', ') || 'none';
  out.push(`Errors: ${byErrno(false)}`);
  // what the operations are for: a timeout that expired, a cancel, a non-blocking try
  out.push(`Expected results: ${byErrno(true)}`);
  const e = snap.enter;
  out.push(
    e.totalCalls === 0
      ? 'io_uring_enter: no calls seen'
      : `io_uring_enter: ${formatCount(e.totalCalls)} calls` +
          (seconds > 0 ? ` (${formatRate(e.totalCalls / seconds)})` : '') +
          `, ${e.totalOpsPerCall.toFixed(1)} operations submitted per call`,
  );
  if (info.figures) out.push(escape(figuresFact(info.figures)));
  const c = snap.capture === null ? null : { ...snap.capture, ...info.counters };
  if (c === null) {
    out.push(
      'Capture: loss counts unknown (no closed metadata beside the recording, or none it holds are counts)',
    );
    return out.join('\n') + '\n';
  }
  out.push(
    `Capture: lost ${c.lost} events, dropped ${c.dropped} submissions (in-flight map full), ` +
      `overflow ${c.overflow} completions (CQ overflow)` +
      (c.unmatched ? `, ${c.unmatched} unmatched multishot completions` : '') +
      (c.malformed ? `, ${c.malformed} malformed lines` : ''),
  );
  return out.join('\n') + '\n';
}
