/** Processes (`1`): one row per process with io_uring activity, rates over the refresh window. */
import { applyFilter } from '../../model/select.js';
import type { ProcessRow } from '../../model/snapshot.js';
import {
  processColumns,
  processDiagColumns,
  sortByColumn,
  type Column,
} from '../../render/columns.js';
import { withThreadColumns } from '../../render/threadColumns.js';
import { sparkScale } from '../../render/sparkline.js';
import type { SortState } from '../state.js';
import type { ViewSpec } from './spec.js';

/**
 * A process with no operation in this long is idle. Idle processes are kept but sorted after
 * every active one whatever the sort column (and drawn dim): nothing vanishes while you look at
 * it, and a busy system's screen still starts with what is busy.
 */
export const IDLE_AFTER_US = 60_000_000;

export function isIdle(row: ProcessRow, nowUs: number): boolean {
  return row.window.ops === 0 && nowUs - row.lastSeenUs > IDLE_AFTER_US;
}

/**
 * A process idle this long (most often: it exited) leaves the processes view, unless a filter
 * names it (pid: or comm:) or `a` shows every process. Its counts stay in the totals.
 */
export const GONE_AFTER_US = 300_000_000;

export function isGone(row: ProcessRow, nowUs: number, startUs = 0): boolean {
  // idle since the capture began at the latest: a process seen only before it (a request in
  // flight at start, a name with no operation yet) has not been idle for longer than the capture
  return row.window.ops === 0 && nowUs - Math.max(row.lastSeenUs, startUs) > GONE_AFTER_US;
}

const PROCESS_COLUMNS = processColumns(0);

export function sortProcesses(
  rows: readonly ProcessRow[],
  sort: SortState,
  nowUs: number,
  columns: readonly Column<ProcessRow>[] = PROCESS_COLUMNS,
): ProcessRow[] {
  const sorted = sortByColumn(rows, columns, sort.key, sort.desc);
  const active = sorted.filter((r) => !isIdle(r, nowUs));
  if (active.length === sorted.length) return sorted;
  return active.concat(sorted.filter((r) => isIdle(r, nowUs)));
}

export const processes: ViewSpec<ProcessRow> = {
  id: 'processes',
  key: '1',
  title: 'Processes',
  sort: { key: 'ops', desc: true },
  columns: (ui, snapshot, rows = []) =>
    ui.diag
      ? processDiagColumns(snapshot?.diagnostics ?? null)
      : // one scale for the whole column, so a busy process's line towers over an idle one's
        withThreadColumns(
          processColumns(sparkScale(rows.map((r) => r.series.opsPerSec))),
          snapshot?.proc,
        ),
  rows(snapshot, ui, filter) {
    let rows = applyFilter(snapshot.processes, filter);
    let hiddenIdle: number | undefined;
    const named = (filter.pids?.length ?? 0) > 0 || (filter.comms?.length ?? 0) > 0;
    if (!ui.showAll && !named) {
      const kept = rows.filter((r) => !isGone(r, snapshot.nowUs, snapshot.startUs));
      hiddenIdle = rows.length - kept.length;
      rows = kept;
    }
    const columns = processes.columns(ui, snapshot);
    return { rows: sortProcesses(rows, ui.sort.processes, snapshot.nowUs, columns), hiddenIdle };
  },
  rowKey: (r) => r.key,
  summary({ rows, hiddenIdle }, snapshot, ui) {
    const what = `${rows.length} of ${snapshot?.processes.length ?? 0} processes`;
    if (hiddenIdle) return `${what} (${hiddenIdle} idle > 5 min hidden: a)`;
    return ui.showAll ? `${what} (all: a hides the idle)` : what;
  },
  diagnostics: true,
  latency: true,
  // a CQ overflow is an alarm: the process is losing (or about to lose) completions
  rowColor: (r, snapshot) =>
    r.window.errors > 0 || r.window.overflow > 0
      ? 'red'
      : snapshot?.proc?.threads.get(r.pid)?.growing
        ? 'yellow'
        : isIdle(r, snapshot?.nowUs ?? 0)
          ? 'gray'
          : undefined,
};
