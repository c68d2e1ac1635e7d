/**
 * Errors (`4`): results by errno per process and opcode, since start and in the window. The
 * failures come first (red); the expected results (-EAGAIN, -ECANCELED, -ETIME of a timeout: what
 * the operation is for) after them, dim. INIT counts requests that failed before they were issued.
 */
import { applyFilter } from '../../model/select.js';
import type { ErrorDetailRow } from '../../model/snapshot.js';
import { errorColumns, sortByColumn } from '../../render/columns.js';
import type { SortState } from '../state.js';
import type { ViewSpec } from './spec.js';

const COLUMNS = errorColumns();

/** Errors view rows: the failures first, then the expected results, each group sorted. */
export function sortErrors(rows: readonly ErrorDetailRow[], sort: SortState): ErrorDetailRow[] {
  const sorted = sortByColumn(rows, COLUMNS, sort.key, sort.desc);
  if (sort.key === 'kind') return sorted;
  return sorted.filter((r) => !r.expected).concat(sorted.filter((r) => r.expected));
}

export const errors: ViewSpec<ErrorDetailRow> = {
  id: 'errors',
  key: '4',
  title: 'Errors',
  sort: { key: 'total', desc: true },
  columns: () => COLUMNS,
  rows: (snapshot, ui, filter) => ({
    rows: sortErrors(applyFilter(snapshot.errorDetail, filter), ui.sort.errors),
  }),
  rowKey: (r) => r.key,
  summary({ rows }) {
    const failures = rows.filter((e) => !e.expected).length;
    return `${failures} failing, ${rows.length - failures} expected`;
  },
  emptyText: 'no operation has failed, or returned an expected error, yet',
  rowColor: (r) => (r.expected ? 'gray' : 'red'),
};
