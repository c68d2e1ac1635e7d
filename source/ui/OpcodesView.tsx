/** Opcodes: one row per io_uring opcode seen, with a p99-latency or ops/s sparkline (`s`). */
import type { Diagnostics } from '../model/snapshot.js';
import type { OpRow, SparkMetric } from '../render/columns.js';
import { Table, type TableFrame } from './Table.js';
import { opcodeColor, opcodeTableColumns } from './views/opcodes.js';

export interface OpcodesViewProps extends TableFrame {
  rows: readonly OpRow[];
  /** Undefined: no sparkline column (the drill-down). */
  metric?: SparkMetric;
  color: boolean;
  /** Defined: the diagnostics columns (`d`), of what the capture counts (null: none known). */
  diag?: Diagnostics | null;
}

export function OpcodesView({ rows, metric, color, diag, ...frame }: OpcodesViewProps) {
  return (
    <Table
      {...frame}
      columns={opcodeTableColumns(metric, diag, rows)}
      rows={rows}
      rowColor={color ? opcodeColor : undefined}
    />
  );
}
