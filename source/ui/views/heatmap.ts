/**
 * Heatmap (`6`): latency over time, from the kernel's per-second histograms (exact when events
 * are lost or sampled): a column a second, the newest at the right, a band per power of two of a
 * microsecond, shaded by operations. Of every operation through the filter, or of the process or
 * opcode chosen with ↑↓ (its rows: what it can be of).
 */
import { heatmapColumns } from '../../render/heatmap.js';
import { heatmapLines, heatTargets, type HeatTarget } from '../heatmapScreen.js';
import type { ViewSpec } from './spec.js';

export const heatmap: ViewSpec<HeatTarget> = {
  id: 'heatmap',
  key: '6',
  title: 'Heatmap',
  // (no table: nothing to sort)
  sort: { key: '', desc: false },
  columns: () => [],
  rows: (snapshot, _ui, filter) => ({ rows: heatTargets(snapshot, filter) }),
  rowKey: (t) => t.key,
  summary: ({ rows }) => `latency by second · ↑↓ of what: ${rows.length} choices`,
  draw: (snapshot, selected, { width, height, color }) =>
    heatmapLines(snapshot, selected, width, height, color),
  ask: (selected, width, filter) =>
    selected ? { heatmap: { key: selected.key, columns: heatmapColumns(width), filter } } : {},
};
