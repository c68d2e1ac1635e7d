/**
 * The heatmap view's content, without React: what it can be of (every operation through the
 * filter, each process, each opcode: ↑↓ move through them) and its lines (a title, then the
 * heatmap drawn by render/heatmap.ts). The heatmap itself comes with the snapshot, asked for
 * by its key and width (Snapshot.heatmap).
 */
import { escape } from '../escape.js';
import { applyFilter, isEmptyFilter, type Filter } from '../model/select.js';
import type { Snapshot } from '../model/snapshot.js';
import { formatCount } from '../format.js';
import { renderHeatmap, type Run } from '../render/heatmap.js';
import { span } from './time.js';

/** What a heatmap is of: its key (as the model takes it) and its name. */
export interface HeatTarget {
  readonly key: string;
  readonly name: string;
}

/** The key of every operation through the filter. */
export const ALL_OPERATIONS = 'total';

/**
 * What the heatmap can show, in the order ↑↓ go through them: every operation through the
 * filter first, then the processes the filter lets through (busiest first), then the opcodes.
 */
export function heatTargets(snap: Snapshot, filter: Filter): HeatTarget[] {
  const all = isEmptyFilter(filter) ? 'every operation' : 'every operation through the filter';
  const out: HeatTarget[] = [{ key: ALL_OPERATIONS, name: all }];
  const procs = applyFilter(snap.processes, filter).sort((a, b) => b.total.ops - a.total.ops);
  for (const p of procs) out.push({ key: p.key, name: `PID ${p.pid} ${escape(p.comm)}` });
  const ops = applyFilter(snap.opcodes, filter).sort((a, b) => b.total.ops - a.total.ops);
  for (const o of ops) out.push({ key: o.key, name: `${o.opName} (every process)` });
  return out;
}

/**
 * The view's lines: a title (what it is of, how to change it, what a cell is), then the heatmap,
 * its time axis labelled on the session's clock (0:00 at its start), and its legend.
 */
export function heatmapLines(
  snap: Snapshot | undefined,
  target: HeatTarget | undefined,
  width: number,
  height: number,
  color: boolean,
): Run[][] {
  if (!snap || !target || height < 1) return [];
  const h = snap.heatmap;
  const title: Run[] = [
    { text: ' latency of ', dim: true },
    { text: target.name, color: color ? 'cyan' : undefined },
  ];
  if (!h || h.key !== target.key) {
    // (the heatmap of a target just picked comes with the next snapshot)
    return [[...title, { text: ' …', dim: true }]];
  }
  title.push({
    text: `  ${formatCount(h.total)} operations in ${h.columns} s, a column a second  (↑↓ what)`,
    dim: true,
  });
  const originSec = Math.floor(snap.startUs / 1e6);
  const tick = (sec: number): string => (sec < originSec ? '' : span(sec - originSec));
  return [title, ...renderHeatmap(h, width, height - 1, { color, tick, originSec })];
}
