/** Processes: one row per process with io_uring activity, rates over the refresh window. */
import type { Diagnostics, ProcessRow } from '../model/snapshot.js';
import type { ProcView } from '../proc/view.js';
import { processColumns, processDiagColumns } from '../render/columns.js';
import { withThreadColumns } from '../render/threadColumns.js';
import { sparkScale } from '../render/sparkline.js';
import { Table, type TableFrame } from './Table.js';
import { isIdle } from './viewModel.js';

export interface ProcessesViewProps extends TableFrame {
  rows: readonly ProcessRow[];
  color: boolean;
  /** The snapshot's clock, to grey out idle processes. */
  nowUs: number;
  /** What /proc says: the io_uring thread columns (WRK, SQP%) come from it. */
  proc?: ProcView;
  /** Defined: the diagnostics columns (`d`), of what the capture counts (null: none known). */
  diag?: Diagnostics | null;
}

export function ProcessesView({ rows, color, nowUs, proc, diag, ...frame }: ProcessesViewProps) {
  // one scale for the whole column, so a busy process's line towers over an idle one's
  const columns =
    diag !== undefined
      ? processDiagColumns(diag)
      : withThreadColumns(processColumns(sparkScale(rows.map((r) => r.series.opsPerSec))), proc);
  // a CQ overflow is an alarm: the process is losing (or about to lose) completions
  const rowColor = (r: ProcessRow) =>
    r.window.errors > 0 || r.window.overflow > 0
      ? 'red'
      : proc?.threads.get(r.pid)?.growing
        ? 'yellow'
        : isIdle(r, nowUs)
          ? 'gray'
          : undefined;
  return <Table {...frame} columns={columns} rows={rows} rowColor={color ? rowColor : undefined} />;
}
