/**
 * Rings (`5`): every io_uring ring of the processes seen, as /proc/<pid>/fdinfo/<ring fd> says:
 * SQ and CQ sizes and entries pending, CQEs on the overflow list, the SQPOLL thread (tid@cpu)
 * and its CPU, registered files and buffers. Live only: a recording holds no rings.
 */
import { escape } from '../../escape.js';
import { applyFilter, type Filter } from '../../model/select.js';
import type { ViewSnapshot } from '../../proc/view.js';
import { MAX_SCANNED } from '../../proc/rings.js';
import { sortByColumn } from '../../render/columns.js';
import { ringColumns, type RingRow } from '../../render/ringColumns.js';
import type { ViewSpec } from './spec.js';

const COLUMNS = ringColumns();

/** The rings of the snapshot as rows: with their process's name, narrowed by pid: and comm:. */
export function ringRows(snap: ViewSnapshot, filter: Filter): RingRow[] {
  const comms = new Map<number, string>();
  for (const p of snap.processes) comms.set(p.pid, p.comm); // (the latest row of the pid wins)
  const rows = (snap.proc?.rings ?? []).map((r): RingRow => ({
    ...r,
    key: `${r.pid}/${r.fd}`,
    comm: comms.get(r.pid) ?? '',
  }));
  return applyFilter(rows, { pids: filter.pids, comms: filter.comms });
}

/** The processes whose rings were not all read, and why. */
function ringNotes(snapshot: ViewSnapshot | undefined): string[] {
  const failures = snapshot?.proc?.ringFailures;
  const unscanned = snapshot?.proc?.ringsUnscanned;
  return [
    ...[...(unscanned ?? [])].map(
      ([pid, n]) => ` PID ${pid}: ${n} fds past its first ${MAX_SCANNED} not scanned for rings`,
    ),
    ...[...(failures ?? [])].map(
      ([pid, why]) =>
        ` PID ${pid}: rings not readable (${why === 'denied' ? 'no access: run as root' : escape(why)})`,
    ),
  ];
}

export const rings: ViewSpec<RingRow> = {
  id: 'rings',
  key: '5',
  title: 'Rings',
  sort: { key: 'pid', desc: false },
  columns: () => COLUMNS,
  rows: (snapshot, ui, filter) => ({
    rows: sortByColumn(ringRows(snapshot, filter), COLUMNS, ui.sort.rings.key, ui.sort.rings.desc),
  }),
  rowKey: (r) => r.key,
  summary: ({ rows }) => `${rows.length} rings (/proc/<pid>/fdinfo)`,
  unavailable: (info) =>
    info.mode === 'replay'
      ? 'the rings view is live only: rings are read from /proc/<pid>/fdinfo, which a recording does not hold'
      : undefined,
  emptyText:
    'no rings found in the processes seen in the last minute (their /proc/<pid>/fd links to anon_inode:[io_uring])',
  rowColor: (r) => (r.overflow > 0 ? 'red' : undefined),
  notes: ringNotes,
};
