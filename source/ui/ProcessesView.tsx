/** Processes: one row per process with io_uring activity, rates over the last second. */
import React from 'react';
import type { ProcessRow } from '../model/snapshot.js';
import { Table, type Column } from './Table.js';
import { latencyAndErrorColumns, opsColumn } from './statColumns.js';
import { bytes } from './fmt.js';
import { renderSparkline, sparkScale } from './Sparkline.js';
import type { SortState } from './keymap.js';
import { isIdle } from './viewModel.js';

/** Widths sum to exactly 80 columns with the gutter and separators; COMMAND, TOP and the sparkline grow. */
export function processColumns(scale: number): Column<ProcessRow>[] {
  return [
    { key: 'pid', title: 'PID', width: 7, align: 'right', format: (r) => String(r.pid) },
    {
      key: 'comm',
      title: 'COMMAND',
      width: 9,
      flex: 2,
      maxWidth: 16,
      minWidth: 6,
      format: (r) => r.comm,
    },
    opsColumn(),
    {
      key: 'read',
      title: 'READ/s',
      width: 7,
      align: 'right',
      format: (r) => bytes(r.readBytesPerSec),
    },
    {
      key: 'write',
      title: 'WRITE/s',
      width: 7,
      align: 'right',
      format: (r) => bytes(r.writeBytesPerSec),
    },
    ...latencyAndErrorColumns<ProcessRow>(['avg', 'p99', 'max']),
    {
      key: 'top',
      title: 'TOP',
      width: 5,
      flex: 1,
      maxWidth: 14,
      format: (r) => (r.topOpcode < 0 ? '' : r.topOpName),
    },
    {
      key: 'spark',
      title: 'OPS 1m',
      width: 6,
      flex: 6,
      maxWidth: 60,
      minWidth: 3,
      format: (r, w) => renderSparkline(r.series.opsPerSec, w, scale),
    },
  ];
}

export interface ProcessesViewProps {
  rows: readonly ProcessRow[];
  selected: number;
  sort: SortState;
  width: number;
  height: number;
  color: boolean;
  emptyText: string;
  /** The snapshot's clock, to grey out idle processes. */
  nowUs: number;
}

export function ProcessesView(props: ProcessesViewProps): React.JSX.Element {
  const { rows, selected, sort, width, height, color, emptyText, nowUs } = props;
  // one scale for the whole column, so a busy process's line towers over an idle one's
  const columns = processColumns(sparkScale(rows.map((r) => r.series.opsPerSec)));
  return (
    <Table
      columns={columns}
      rows={rows}
      rowKey={(r) => r.key}
      width={width}
      height={height}
      selected={selected}
      sortKey={sort.key}
      sortDesc={sort.desc}
      emptyText={emptyText}
      rowColor={
        color ? (r) => (r.errors > 0 ? 'red' : isIdle(r, nowUs) ? 'gray' : undefined) : undefined
      }
    />
  );
}
