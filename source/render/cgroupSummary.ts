/**
 * The summary's "By cgroup": the process rows added up by their cgroup v2 (proc/cgroup.ts), for
 * `--json`'s `cgroups[]` and the text report. Counts, bytes and errors add up exactly; a
 * percentile does not add up, so a cgroup has the largest latency of its processes and no p50/p99.
 * Pure: the summary's process rows and each pid's cgroup in, rows out.
 */
import { escape } from '../escape.js';
import { cgroupName } from '../proc/cgroup.js';
import { formatBytes, formatCount, formatLatencyNs } from '../format.js';
import type { Snapshot } from '../model/snapshot.js';
import { table } from './textTable.js';

/** What a process row gives its cgroup (the summary's JSON process row has these fields). */
export interface ProcessFigures {
  pid: number;
  ops: number;
  bytes_read: number;
  bytes_written: number;
  errors: number;
  expected_errors: number;
  max_us: number;
  enter_calls: number;
}

export interface CgroupFigures {
  /** The cgroup v2 path; null: the processes whose cgroup could not be read. */
  cgroup: string | null;
  /** Its container, pod or unit, or its last component (cgroupName). */
  name: string | null;
  processes: number;
  ops: number;
  bytes_read: number;
  bytes_written: number;
  errors: number;
  expected_errors: number;
  enter_calls: number;
  max_us: number;
}

/** The rows by cgroup, the most operations first (then by path; the unknown last). */
export function cgroupFigures(
  processes: readonly ProcessFigures[],
  cgroupOf: (pid: number) => string | undefined,
): CgroupFigures[] {
  const by = new Map<string | null, CgroupFigures>();
  for (const p of processes) {
    const cg = cgroupOf(p.pid) ?? null;
    let c = by.get(cg);
    if (!c) {
      c = {
        cgroup: cg,
        name: cg === null ? null : cgroupName(cg),
        processes: 0,
        ops: 0,
        bytes_read: 0,
        bytes_written: 0,
        errors: 0,
        expected_errors: 0,
        enter_calls: 0,
        max_us: 0,
      };
      by.set(cg, c);
    }
    c.processes++;
    c.ops += p.ops;
    c.bytes_read += p.bytes_read;
    c.bytes_written += p.bytes_written;
    c.errors += p.errors;
    c.expected_errors += p.expected_errors;
    c.enter_calls += p.enter_calls;
    c.max_us = Math.max(c.max_us, p.max_us);
  }
  return [...by.values()].sort(
    (a, b) =>
      Number(a.cgroup === null) - Number(b.cgroup === null) ||
      b.ops - a.ops ||
      (a.cgroup ?? '').localeCompare(b.cgroup ?? ''),
  );
}

/** The text report's section (empty when no cgroup is known). */
export function cgroupSection(rows: readonly CgroupFigures[]): string[] {
  if (!rows.some((r) => r.cgroup !== null)) return [];
  const cells = rows.map((r) => [
    r.cgroup === null ? '(unknown)' : escape(r.cgroup),
    r.name === null ? '-' : escape(r.name),
    String(r.processes),
    formatCount(r.ops),
    formatBytes(r.bytes_read),
    formatBytes(r.bytes_written),
    formatCount(r.errors),
    formatLatencyNs(r.max_us * 1000),
  ]);
  return [
    '',
    'By cgroup',
    ...table(
      ['CGROUP', 'NAME', 'PROCS', 'OPS', 'READ', 'WRITE', 'ERR', 'MAX'],
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
      cells,
    ),
  ];
}

/** The snapshot's process rows as cgroupFigures takes them (since start). */
export function processFigures(snap: Snapshot): ProcessFigures[] {
  return snap.processes.map((p) => ({
    pid: p.pid,
    ops: p.total.ops,
    bytes_read: p.total.read,
    bytes_written: p.total.write,
    errors: p.total.errors,
    expected_errors: p.total.expected,
    max_us: Math.round(p.total.maxNs) / 1000,
    enter_calls: p.totalEnterCalls,
  }));
}
