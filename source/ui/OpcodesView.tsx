/** Opcodes: one row per io_uring opcode seen, with a p99-latency or ops/s sparkline (`s`). */
import type { Diagnostics } from '../model/snapshot.js';
import {
  opcodeColumns,
  opcodeDiagColumns,
  sparkHistory,
  type OpRow,
  type SparkMetric,
} from '../render/columns.js';
import { sparkScale } from '../render/sparkline.js';
import { Table, type TableFrame } from './Table.js';

export interface OpcodesViewProps extends TableFrame {
  rows: readonly OpRow[];
  /** Undefined: no sparkline column (the drill-down). */
  metric?: SparkMetric;
  color: boolean;
  /** Defined: the diagnostics columns (`d`), of what the capture counts (null: none known). */
  diag?: Diagnostics | null;
}

export function OpcodesView({ rows, metric, color, diag, ...frame }: OpcodesViewProps) {
  const scale =
    metric && diag === undefined ? sparkScale(rows.map((r) => sparkHistory(r, metric))) : 0;
  return (
    <Table
      {...frame}
      columns={diag !== undefined ? opcodeDiagColumns(diag) : opcodeColumns(metric, scale)}
      rows={rows}
      rowColor={
        color
          ? (r) => (r.window.errors > 0 || r.window.overflow > 0 ? 'red' : undefined)
          : undefined
      }
    />
  );
}
