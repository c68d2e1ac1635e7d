/**
 * The views, in tab order: one line each. A view is its spec (spec.ts) in a file of its own;
 * listing it here gives it its key, its tab, its line in the help, its sort keys and its place
 * in the App. The drill-down and the latency panel are modes over a view, not views.
 */
import type { ViewSnapshot } from '../../proc/view.js';
import type { Column } from '../../render/columns.js';
import type { TableId, UiState, ViewId } from '../state.js';
import { doctor } from './doctor.js';
import { errors } from './errors.js';
import { events } from './events.js';
import { heatmap } from './heatmap.js';
import { drillColumns, opcodes } from './opcodes.js';
import { processes } from './processes.js';
import { rings } from './rings.js';
import type { AnyViewSpec } from './spec.js';

// prettier-ignore
export const VIEW_SPECS: readonly AnyViewSpec[] = [
  processes,
  opcodes,
  events,
  errors,
  rings,
  heatmap,
  doctor,
];

/** The views' ids, in tab order. */
export const VIEWS: readonly ViewId[] = VIEW_SPECS.map((v) => v.id);

/** The spec of a view (the first one for an id no view has). */
export function viewSpec(id: ViewId): AnyViewSpec {
  return VIEW_SPECS.find((v) => v.id === id) ?? VIEW_SPECS[0];
}

/** The columns of a table (a view's, or the drill-down's): what it sorts on and shows. */
export function tableColumns(
  table: TableId,
  ui: UiState,
  snapshot?: ViewSnapshot,
): readonly Column<never>[] {
  return table === 'drill' ? drillColumns(ui, snapshot) : viewSpec(table).columns(ui, snapshot);
}
