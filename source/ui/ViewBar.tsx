/**
 * The line under the header: a tab per view (the one on screen inverse), then what is shown, in
 * the words of the view's spec (`12 of 40 processes`), or of the drill-down or latency panel.
 */
import type { ViewSnapshot } from '../proc/view.js';
import { inDrill, inLatency } from './keymap.js';
import { Segments, type Segment } from './Segments.js';
import type { UiState } from './state.js';
import type { ViewData } from './viewModel.js';
import { VIEW_SPECS, viewSpec } from './views/registry.js';

export function viewBarSegments(
  ui: UiState,
  data: ViewData,
  snap: ViewSnapshot | undefined,
): Segment[] {
  const segs: Segment[] = [{ text: ' ' }];
  for (const v of VIEW_SPECS) {
    const label = ` ${v.key} ${v.title} `;
    segs.push(
      ui.view === v.id && ui.mode !== 'drill'
        ? { text: label, inverse: true, bold: true }
        : { text: label },
    );
  }
  const spec = viewSpec(ui.view);
  let what: string;
  if (inLatency(ui)) what = 'latency (↑↓ row, Esc back)';
  else if (inDrill(ui)) what = 'process detail (Esc back)';
  else what = spec.summary({ rows: data.rows, hiddenIdle: data.hiddenIdle }, snap, ui);
  if (ui.diag && (spec.diagnostics || ui.mode === 'drill')) what += ' · diagnostics (d)';
  segs.push({ text: `  ${what}`, dim: true });
  return segs;
}

export interface ViewBarProps {
  ui: UiState;
  data: ViewData;
  snapshot: ViewSnapshot | undefined;
  width: number;
}

export function ViewBar({ ui, data, snapshot, width }: ViewBarProps) {
  return <Segments segments={viewBarSegments(ui, data, snapshot)} width={width} />;
}
