/**
 * The Rings view's columns (what /proc/<pid>/fdinfo says of each io_uring ring, proc/rings.ts),
 * in the registry's form (columns.ts: Column). Widths sum to 80 columns with the gutter and the
 * separators once COMMAND has shrunk to its minimum.
 */
import type { RingView } from '../proc/view.js';
import { type Column, nameColumn, numberColumn } from './columns.js';

/** A ring as the view lists it: with its process's name and a stable key. */
export interface RingRow extends RingView {
  readonly key: string;
  /** Untrusted text: escaped when drawn. */
  readonly comm: string;
}

export function ringColumns(): Column<RingRow>[] {
  return [
    nameColumn('pid', 'PID', (r) => r.pid, { width: 7, align: 'right' }),
    nameColumn('comm', 'COMMAND', (r) => r.comm, { width: 9, flex: 2, maxWidth: 16, minWidth: 6 }),
    nameColumn('fd', 'FD', (r) => r.fd, { width: 4, align: 'right' }),
    numberColumn('sq', 'SQ', 5, (r) => r.sqEntries, String),
    numberColumn('sqpend', 'SQ PND', 6, (r) => r.sqPending, String),
    numberColumn('cq', 'CQ', 5, (r) => r.cqEntries, String),
    numberColumn('cqpend', 'CQ PND', 6, (r) => r.cqPending, String),
    numberColumn('ovfl', 'OVFL', 5, (r) => r.overflow, String),
    {
      key: 'sqpoll',
      title: 'SQPOLL',
      width: 9,
      flex: 1,
      maxWidth: 14,
      minWidth: 6,
      // the thread's tid and the CPU it last ran on
      format: (r) =>
        r.sqThread === undefined
          ? '-'
          : `${r.sqThread}${r.sqThreadCpu !== undefined ? `@${r.sqThreadCpu}` : ''}`,
      sortBy: (r) => r.sqThread ?? -1,
    },
    numberColumn(
      'sqcpu',
      'SQ CPU',
      6,
      (r) => (r.sqThread === undefined ? undefined : r.sqThreadCpuPct),
      (v) => `${v.toFixed(v < 10 ? 1 : 0)}%`,
    ),
    numberColumn('files', 'FILES', 5, (r) => r.userFiles, String),
    numberColumn('bufs', 'BUFS', 4, (r) => r.userBufs, String),
  ];
}
