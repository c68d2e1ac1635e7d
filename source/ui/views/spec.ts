/**
 * What a view is, as data: one `ViewSpec` per view, in its own file, listed once in registry.ts.
 * The key map (sort columns, view keys), the view model (rows, row keys), the App (which view to
 * draw, the tab bar, the empty text, header clicks), the help and the footer all read the specs;
 * none of them names a view. The App draws a view as a table of its columns, rows and row
 * colours. A spec imports no Ink or React: the binding table, which `--help` reads before the
 * TUI may load Ink, reads the specs.
 */
import type { Filter } from '../../model/select.js';
import type { ViewSnapshot } from '../../proc/view.js';
import type { Column } from '../../render/columns.js';
import type { TuiInfo } from '../types.js';
import type { SortState, UiState, ViewId } from '../state.js';

/** A view's rows for one snapshot and UI state: filtered and sorted, in display order. */
export interface ViewRows<R> {
  rows: readonly R[];
  /** Rows left out for being idle long (the processes view); `a` shows them. */
  hiddenIdle?: number;
}

export interface ViewSpec<R> {
  id: ViewId;
  /** The key that shows it (also its place in the tab bar's label). */
  key: string;
  title: string;
  /** Its sort until `<`, `>` or a click changes it. */
  sort: SortState;
  /**
   * Its table's columns: what its header shows, what `<` and `>` step through and what a click
   * on the header sorts by. `rows`, when given, scale the sparklines to the rows drawn.
   */
  columns(
    ui: UiState,
    snapshot: ViewSnapshot | undefined,
    rows?: readonly R[],
  ): readonly Column<R>[];
  /** Its rows, filtered and sorted. */
  rows(snapshot: ViewSnapshot, ui: UiState, filter: Filter): ViewRows<R>;
  /**
   * A row's identity, which the selection follows when the rows re-sort; undefined for rows
   * without one (a tail of events: the selection stays at its position).
   */
  rowKey?: (row: R) => string | number;
  /** The tab bar's summary of its rows (`12 of 40 processes`). */
  summary(data: ViewRows<R>, snapshot: ViewSnapshot | undefined, ui: UiState): string;
  /** Why it has nothing to show whatever the filter (e.g. live-only data in a replay). */
  unavailable?(info: TuiInfo): string | undefined;
  /** What it says when it has no rows and no filter narrows them. */
  emptyText?: string;
  /** `d` switches its table to the diagnostics columns. */
  diagnostics?: boolean;
  /** `l` opens the latency panel of its selected row (its rows are process or opcode rows). */
  latency?: boolean;
  /** A row's colour (red for a failure, grey for the idle), when colours are on. */
  rowColor?(row: R, snapshot: ViewSnapshot | undefined): string | undefined;
  /** Lines under the table, as many as there is room for (the rings no one could read). */
  notes?(snapshot: ViewSnapshot | undefined): string[];
}

/** A spec whose row type is not known here (the registry's list mixes them). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyViewSpec = ViewSpec<any>;
