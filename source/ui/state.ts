/**
 * The UI's state, as types only: what the reducer (keymap.ts) changes, and what the views and
 * the view registry (views/) read. It imports nothing that could import it back.
 */
import type { SparkMetric } from '../render/columns.js';

export type { SparkMetric } from '../render/columns.js';

/**
 * A view's id, as its spec in views/registry.ts declares it (`processes`, `opcodes`, …). An open
 * string, so that a new view is its file and one line in the registry.
 */
export type ViewId = string;

/**
 * `normal`: a view; `drill`: one process; `latency`: the latency panel of the selected row (over
 * a view or the drill-down); `filter`: the prompt is open; `help`: the key list.
 */
export type Mode = 'normal' | 'filter' | 'help' | 'drill' | 'latency';

/** The tables that keep their own selection and sort: the views (their ids) and `drill`. */
export type TableId = ViewId;

export interface SortState {
  key: string;
  desc: boolean;
}

export interface Selection {
  /** Position in the displayed (filtered, sorted) rows. */
  index: number;
  /** Key of the selected row (a pid, an opcode), so the selection follows it when rows re-sort. */
  key?: string | number;
}

export interface UiState {
  mode: Mode;
  /** Where `help` and `filter` return to when closed: `normal`, `drill` or `latency`. */
  returnMode: 'normal' | 'drill' | 'latency';
  /** What the latency panel (`l`) was opened over, and Esc returns to. */
  latencyFrom?: 'normal' | 'drill';
  view: ViewId;
  sort: Record<TableId, SortState>;
  selection: Record<TableId, Selection>;
  /** Key of the process row shown in the drill-down. */
  drillKey?: string | number;
  /** The applied filter's text ('' = none). */
  filterText: string;
  /** The prompt's text while mode is `filter`. */
  filterDraft: string;
  /** Why the draft was rejected (shown under the prompt). */
  filterError?: string;
  /** Display frozen (`p`): capture, recording and playback go on. The UI alone owns this. */
  paused: boolean;
  refreshMs: number;
  /** What the opcode sparklines draw. */
  sparkMetric: SparkMetric;
  /** Replay mode: space pauses playback and the arrow/[ ]/g/G keys drive the replay controller. */
  replay: boolean;
  /** `a`: list processes idle for long (exited, most often) too. */
  showAll: boolean;
  /** `d`: the processes, opcodes and drill-down tables show the diagnostics columns. */
  diag: boolean;
}
