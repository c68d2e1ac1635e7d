/**
 * The Rings view's columns (what /proc/<pid>/fdinfo says of each io_uring ring, proc/rings.ts),
 * in the registry's form (columns.ts: Column). Widths sum to 80 columns with the gutter and the
 * separators once COMMAND has shrunk to its minimum.
 */
import type { RingView } from '../proc/view.js';
import type { Column } from './columns.js';

/** A ring as the view lists it: with its process's name and a stable key. */
export interface RingRow extends RingView {
  readonly key: string;
  /** Untrusted text: escaped when drawn. */
  readonly comm: string;
}

const n = (v: number | undefined): string => (v === undefined ? '-' : String(v));
const sortNum = (v: number | undefined): number => v ?? -1;

function numColumn(
  key: string,
  title: string,
  width: number,
  value: (r: RingRow) => number | undefined,
): Column<RingRow> {
  return {
    key,
    title,
    width,
    align: 'right',
    format: (r) => n(value(r)),
    sortBy: (r) => sortNum(value(r)),
  };
}

export function ringColumns(): Column<RingRow>[] {
  return [
    {
      key: 'pid',
      title: 'PID',
      width: 7,
      align: 'right',
      format: (r) => String(r.pid),
      sortBy: (r) => r.pid,
      ascending: true,
    },
    {
      key: 'comm',
      title: 'COMMAND',
      width: 9,
      flex: 2,
      maxWidth: 16,
      minWidth: 6,
      format: (r) => r.comm,
      sortBy: (r) => r.comm,
      ascending: true,
    },
    {
      key: 'fd',
      title: 'FD',
      width: 4,
      align: 'right',
      format: (r) => String(r.fd),
      sortBy: (r) => r.fd,
      ascending: true,
    },
    numColumn('sq', 'SQ', 5, (r) => r.sqEntries),
    numColumn('sqpend', 'SQ PND', 6, (r) => r.sqPending),
    numColumn('cq', 'CQ', 5, (r) => r.cqEntries),
    numColumn('cqpend', 'CQ PND', 6, (r) => r.cqPending),
    numColumn('ovfl', 'OVFL', 5, (r) => r.overflow),
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
      sortBy: (r) => sortNum(r.sqThread),
    },
    {
      key: 'sqcpu',
      title: 'SQ CPU',
      width: 6,
      align: 'right',
      format: (r) =>
        r.sqThread === undefined || r.sqThreadCpuPct === undefined
          ? '-'
          : `${r.sqThreadCpuPct.toFixed(r.sqThreadCpuPct < 10 ? 1 : 0)}%`,
      sortBy: (r) => sortNum(r.sqThreadCpuPct),
    },
    numColumn('files', 'FILES', 5, (r) => r.userFiles),
    numColumn('bufs', 'BUFS', 4, (r) => r.userBufs),
  ];
}
