/**
 * Errors: results by errno per process and opcode, since start and in the window. The failures
 * come first (red); the expected results (-EAGAIN, -ECANCELED, -ETIME of a timeout: what the
 * operation is for) after them, dim. INIT counts requests that failed before they were issued.
 */
import type { ErrorDetailRow } from '../model/snapshot.js';
import { errorColumns } from '../render/columns.js';
import { Table, type TableFrame } from './Table.js';

export interface ErrorsViewProps extends TableFrame {
  rows: readonly ErrorDetailRow[];
  color: boolean;
}

const COLUMNS = errorColumns();

export function ErrorsView({ rows, color, ...frame }: ErrorsViewProps) {
  return (
    <Table
      {...frame}
      columns={COLUMNS}
      rows={rows}
      rowColor={color ? (r) => (r.expected ? 'gray' : 'red') : undefined}
    />
  );
}
