/** Opcodes (`2`): one row per io_uring opcode seen, with a p99-latency or ops/s sparkline (`s`). */
import { applyFilter, type Filter } from '../../model/select.js';
import type { OpcodeRow, ProcessOpcodeRow } from '../../model/snapshot.js';
import type { ViewSnapshot } from '../../proc/view.js';
import type { Diagnostics } from '../../model/snapshot.js';
import {
  opcodeColumns,
  opcodeDiagColumns,
  sortByColumn,
  sparkHistory,
  type Column,
  type OpRow,
  type SparkMetric,
} from '../../render/columns.js';
import { sparkScale } from '../../render/sparkline.js';
import type { SortState, UiState } from '../state.js';
import type { ViewSpec } from './spec.js';

/**
 * The opcode table's columns: the diagnostics (`d`, `diag` defined), or the rates with a
 * sparkline of `metric` (none in the drill-down) scaled to the rows drawn.
 */
export function opcodeTableColumns(
  metric: SparkMetric | undefined,
  diag: Diagnostics | null | undefined,
  rows: readonly OpRow[],
): Column<OpRow>[] {
  if (diag !== undefined) return opcodeDiagColumns(diag);
  const scale = metric ? sparkScale(rows.map((r) => sparkHistory(r, metric))) : 0;
  return opcodeColumns(metric, scale);
}

/** An opcode with failures or overflowed completions is red. */
export function opcodeColor(r: OpRow): string | undefined {
  return r.window.errors > 0 || r.window.overflow > 0 ? 'red' : undefined;
}

/**
 * Opcode rows for the opcodes view. Opcode rows span every process, so a filter on pid or comm
 * cannot narrow them; then the view lists the matching process × opcode rows instead (merging
 * them would need their histograms, and a p99 of p99s is not a p99).
 */
export function opcodeRows(snap: ViewSnapshot, filter: Filter): (OpcodeRow | ProcessOpcodeRow)[] {
  const byProcess = (filter.pids?.length ?? 0) > 0 || (filter.comms?.length ?? 0) > 0;
  return byProcess ? applyFilter(snap.processOpcodes, filter) : applyFilter(snap.opcodes, filter);
}

const OPCODE_COLUMNS = opcodeTableColumns('p99', undefined, []);

export function sortOpcodes<T extends OpcodeRow | ProcessOpcodeRow>(
  rows: readonly T[],
  sort: SortState,
  columns: readonly Column<OpRow>[] = OPCODE_COLUMNS,
): T[] {
  return sortByColumn<OpcodeRow | ProcessOpcodeRow>(rows, columns, sort.key, sort.desc) as T[];
}

/** The drill-down's opcode table (one process's opcodes: no sparkline). */
export function drillColumns(ui: UiState, snapshot: ViewSnapshot | undefined): Column<OpRow>[] {
  return opcodeTableColumns(undefined, ui.diag ? (snapshot?.diagnostics ?? null) : undefined, []);
}

export const opcodes: ViewSpec<OpRow> = {
  id: 'opcodes',
  key: '2',
  title: 'Opcodes',
  sort: { key: 'ops', desc: true },
  columns: (ui, snapshot, rows = []) =>
    opcodeTableColumns(ui.sparkMetric, ui.diag ? (snapshot?.diagnostics ?? null) : undefined, rows),
  rows: (snapshot, ui, filter) => ({
    rows: sortOpcodes(opcodeRows(snapshot, filter), ui.sort.opcodes, opcodes.columns(ui, snapshot)),
  }),
  rowKey: (r) => r.key,
  summary: ({ rows }) => `${rows.length} opcode rows`,
  diagnostics: true,
  latency: true,
  rowColor: opcodeColor,
};
