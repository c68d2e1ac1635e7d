/** Opcodes: one row per io_uring opcode seen, with a p99-latency or ops/s sparkline (`s`). */
import { opcodeColumns, sparkHistory, type OpRow, type SparkMetric } from '../render/columns.js';
import { sparkScale } from '../render/sparkline.js';
import { Table, type TableFrame } from './Table.js';

export interface OpcodesViewProps extends TableFrame {
  rows: readonly OpRow[];
  /** Undefined: no sparkline column (the drill-down). */
  metric?: SparkMetric;
  color: boolean;
}

export function OpcodesView({ rows, metric, color, ...frame }: OpcodesViewProps) {
  const scale = metric ? sparkScale(rows.map((r) => sparkHistory(r, metric))) : 0;
  return (
    <Table
      {...frame}
      columns={opcodeColumns(metric, scale)}
      rowKey={(r) => r.key}
      rows={rows}
      rowColor={color ? (r) => (r.errors > 0 ? 'red' : undefined) : undefined}
    />
  );
}
