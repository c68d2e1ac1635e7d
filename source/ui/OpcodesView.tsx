/** Opcodes: one row per io_uring opcode seen, with a p99-latency or ops/s sparkline (`s`). */
import React from 'react';
import type { OpcodeRow, ProcessOpcodeRow } from '../model/snapshot.js';
import { Table, type Column } from './Table.js';
import { latencyAndErrorColumns, opsColumn } from './statColumns.js';
import { bytes } from './fmt.js';
import { renderSparkline, sparkScale } from './Sparkline.js';
import type { SortState, SparkMetric } from './keymap.js';

/** The opcode table serves the opcodes view and the drill-down (whose rows have no history). */
export type OpRow = OpcodeRow | ProcessOpcodeRow;

export function sparkHistory(r: OpRow, metric: SparkMetric): ArrayLike<number> {
  if (r.kind !== 'opcode') return [];
  return metric === 'p99' ? r.series.p99Ns : r.series.opsPerSec;
}

/** Widths sum to exactly 80 columns with the gutter and separators. */
export function opcodeColumns(metric: SparkMetric | undefined, scale: number): Column<OpRow>[] {
  const cols: Column<OpRow>[] = [
    {
      key: 'opcode',
      title: 'OPCODE',
      width: 13,
      flex: 1,
      maxWidth: 18,
      minWidth: 8,
      format: (r) => r.opName,
    },
    opsColumn(),
    {
      key: 'bytes',
      title: 'BYTES/s',
      width: 8,
      align: 'right',
      format: (r) => bytes(r.readBytesPerSec + r.writeBytesPerSec),
    },
    ...latencyAndErrorColumns<OpRow>(['avg', 'p50', 'p99', 'max']),
    {
      key: 'spark',
      title: metric === 'p99' ? 'P99 1m (s)' : 'OPS/s 1m (s)',
      width: 15,
      flex: 4,
      maxWidth: 60,
      minWidth: 3,
      format: (r, w) => (metric ? renderSparkline(sparkHistory(r, metric), w, scale) : ''),
    },
  ];
  if (metric) return cols;
  // no history (drill-down): OPCODE takes the sparkline's room
  const [first, ...rest] = cols.slice(0, -1);
  return [{ ...first, width: first.width + 16, maxWidth: undefined }, ...rest];
}

export interface OpcodesViewProps {
  rows: readonly OpRow[];
  selected: number;
  sort: SortState;
  /** Undefined: no sparkline column (the drill-down). */
  metric?: SparkMetric;
  width: number;
  height: number;
  color: boolean;
  emptyText: string;
}

export function OpcodesView(props: OpcodesViewProps): React.JSX.Element {
  const { rows, selected, sort, metric, width, height, color, emptyText } = props;
  const columns = opcodeColumns(
    metric,
    metric ? sparkScale(rows.map((r) => sparkHistory(r, metric))) : 0,
  );
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
      rowColor={color ? (r) => (r.errors > 0 ? 'red' : undefined) : undefined}
    />
  );
}
