/**
 * The headless report as one JSON document (`--json`), for scripts and tests: every figure as a
 * whole number in base units (bytes, nanoseconds), nothing rounded for display. Pure: snapshot in,
 * text out. Command names are attacker-controlled: JSON escapes C0 controls, and C1 controls
 * (which some terminals take as escape sequences) are written as \u escapes too.
 */
import type { RowStats, Snapshot } from '../model/snapshot.js';
import type { SummaryInfo } from './summary.js';

function stats(r: RowStats) {
  return {
    ops: r.totalOps,
    readBytes: r.totalReadBytes,
    writeBytes: r.totalWriteBytes,
    errors: r.totalErrors,
    p50Ns: Math.round(r.totalP50Ns),
    p99Ns: Math.round(r.totalP99Ns),
    maxNs: Math.round(r.totalMaxNs),
  };
}

export function formatSummaryJson(snap: Snapshot, info: SummaryInfo = {}): string {
  const durationUs = info.durationUs ?? Math.max(0, snap.nowUs - snap.startUs);
  const t = snap.totals;
  const f = info.figures;
  const c = snap.capture === null ? null : { ...snap.capture, ...info.counters };
  const doc = {
    title: info.title ?? 'iouringtop summary',
    filter: info.filter ?? '',
    recording: info.recording ?? null,
    durationSec: durationUs / 1e6,
    totals: {
      events: t.events,
      operations: t.totalOps,
      readBytes: t.totalReadBytes,
      writeBytes: t.totalWriteBytes,
      errors: t.totalErrors,
    },
    opcodes: [...snap.opcodes]
      .sort((a, b) => b.totalOps - a.totalOps || a.opcode - b.opcode)
      .map((o) => ({ opcode: o.opcode, name: o.opName, ...stats(o) })),
    processes: [...snap.processes]
      .sort((a, b) => b.totalOps - a.totalOps || a.pid - b.pid)
      .map((p) => ({
        pid: p.pid,
        comm: p.comm,
        ...stats(p),
        enterCalls: p.totalEnterCalls,
        topOpcode: p.topOpName,
      })),
    errors: snap.errors.map((e) => ({ errno: e.errno, name: e.name, count: e.total })),
    enter: {
      calls: snap.enter.totalCalls,
      submitted: snap.enter.totalSubmitted,
    },
    figures: f
      ? {
          from: f.counted ? (f.replay ? 'recorded kernel counts' : 'kernel counts') : 'events',
          countedEvents: f.counted ? f.countedEvents : null,
          events: f.events,
          eventKeeping: f.keeping.kind === 'sample' ? f.keeping.every : f.keeping.kind,
        }
      : null,
    capture: c,
    evictedProcesses: snap.evictedProcesses,
  };
  return (
    JSON.stringify(doc, null, 2).replace(
      /[\u007f-\u009f]/g,
      (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ) + '\n'
  );
}
