/**
 * The processes view's io_uring thread columns (proc/threads.ts), put before TOP when any
 * process sampled has io-wq workers or an SQPOLL thread: WRK, its io-wq workers (`↑` when their
 * number keeps rising), and SQP%, the CPU its SQPOLL threads used over the last sample.
 */
import type { ProcessRow } from '../model/snapshot.js';
import type { ProcView, ThreadInfo } from '../proc/view.js';
import type { Column } from './columns.js';

export function hasThreads(proc: ProcView | undefined): boolean {
  if (!proc) return false;
  for (const t of proc.threads.values()) if (t.workers > 0 || t.sqpoll > 0) return true;
  return false;
}

export function workersText(t: ThreadInfo | undefined): string {
  if (!t) return '';
  return `${t.workers}${t.growing ? '↑' : ''}`;
}

export function sqpollText(t: ThreadInfo | undefined): string {
  if (!t || t.sqpoll === 0) return '-';
  if (t.sqpollCpuPct === undefined) return '…';
  return t.sqpollCpuPct.toFixed(t.sqpollCpuPct < 10 ? 1 : 0);
}

/** The process columns with WRK and SQP% before TOP, when there are threads to show. */
export function withThreadColumns(
  columns: Column<ProcessRow>[],
  proc: ProcView | undefined,
): Column<ProcessRow>[] {
  if (!proc || !hasThreads(proc)) return columns;
  const of = (r: ProcessRow) => proc.threads.get(r.pid);
  const extra: Column<ProcessRow>[] = [
    { key: 'wrk', title: 'WRK', width: 4, align: 'right', format: (r) => workersText(of(r)) },
    { key: 'sqp', title: 'SQP%', width: 4, align: 'right', format: (r) => sqpollText(of(r)) },
  ];
  const at = columns.findIndex((c) => c.key === 'top');
  return at < 0
    ? [...columns, ...extra]
    : [...columns.slice(0, at), ...extra, ...columns.slice(at)];
}
