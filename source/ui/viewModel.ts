/**
 * Snapshot + UI state → the rows each view draws. Pure, and run once per render (once per tick,
 * or per key press): its cost is the number of rows, never the number of events.
 */
import type { Finding } from '../doctor/finding.js';
import { processFindings } from './views/doctor.js';
import type { IoEvent } from '../model/event.js';
import type { OpcodeNames } from '../model/opcodes.js';
import { applyFilter, parseFilter, type Filter } from '../model/select.js';
import type { OpcodeRow, ProcessOpcodeRow, ProcessRow } from '../model/snapshot.js';
import type { ViewSnapshot } from '../proc/view.js';
import { activeTable, inDrill, inLatency, resolveSelection } from './keymap.js';
import type { UiState, ViewId } from './state.js';
import type { FileRow } from '../render/fileColumns.js';
import { fileName, type ThreadInfo } from '../proc/view.js';
import { viewSpec } from './views/registry.js';
import type { ViewAsk } from './types.js';
import { recentEvents } from './views/events.js';
import { drillColumns, sortOpcodes } from './views/opcodes.js';
import type { ViewSpec } from './views/spec.js';

export { IDLE_AFTER_US, GONE_AFTER_US, isIdle, isGone, sortProcesses } from './views/processes.js';
export { opcodeRows, sortOpcodes } from './views/opcodes.js';
export { ringRows } from './views/rings.js';
export { sortErrors } from './views/errors.js';

const EMPTY_FILTER: Filter = {};

/** The applied filter (the reducer only ever applies text that parsed). */
export function filterOf(text: string, names: OpcodeNames): Filter {
  if (text.trim() === '') return EMPTY_FILTER;
  const r = parseFilter(text, names);
  return r.ok ? r.filter : EMPTY_FILTER;
}

/** For the reducer: why the prompt's text is not a filter, or undefined when it is one. */
export function checkFilter(text: string, names: OpcodeNames): string | undefined {
  const r = parseFilter(text, names);
  return r.ok ? undefined : r.error;
}

export interface DrillData {
  /** Undefined when the process row is gone (evicted). */
  process?: ProcessRow;
  opcodes: ProcessOpcodeRow[];
  /** Its recent events, newest first. */
  events: IoEvent[];
  /** Its hottest files in the buffered events, named where /proc (or the sidecar) says. */
  files: FileRow[];
  /** Its io_uring threads (live only). */
  threads?: ThreadInfo;
  /** Where the names come from: live, recorded, or nowhere. */
  names: 'live' | 'recorded' | 'none';
  /** Its cgroup v2 path, where known (live, or the recording's sidecar). */
  cgroup?: string;
  /** The doctor's findings of the process, worst first. */
  findings: readonly Finding[];
}

export interface ViewData {
  /** The view on screen (undefined under the drill-down, or before the first snapshot). */
  view?: ViewId;
  /** Its rows, filtered and sorted, in display order (its spec's row type: see viewRows). */
  rows: readonly unknown[];
  drill?: DrillData;
  /** Keys of the active table's rows, in display order: what the reducer moves through. */
  rowKeys: (string | number)[];
  /** Index of the active table's selected row (-1 for none). */
  selected: number;
  /** Rows left out of the view for being idle long (GONE_AFTER_US); `a` shows them. */
  hiddenIdle?: number;
}

/** The rows of the view `spec` describes, typed by it; none when another view is on screen. */
export function viewRows<R>(data: ViewData, spec: ViewSpec<R>): readonly R[] {
  return data.view === spec.id ? (data.rows as readonly R[]) : [];
}

/** The drill-down's rows: one process's opcodes, events, files and threads. */
function drillData(snap: ViewSnapshot, ui: UiState, filter: Filter): DrillData {
  const process = snap.processes.find((p) => p.key === ui.drillKey);
  const opcodes = sortOpcodes(
    applyFilter(
      snap.processOpcodes.filter((r) => r.processKey === ui.drillKey),
      { opcodes: filter.opcodes },
    ),
    ui.sort.drill,
    drillColumns(ui, snap),
  );
  const events = process
    ? recentEvents(snap, { ...filter, pids: [process.pid], comms: undefined }).filter(
        (e) => e.comm === process.comm,
      )
    : [];
  const files: FileRow[] = (process ? (snap.files ?? []) : []).map((f) => ({
    ...f,
    key: `${f.fixed ? '#' : ''}${f.fd}`,
    name: fileName(snap.proc, process!.pid, f.fd, f.fixed) ?? '',
  }));
  return {
    process,
    opcodes,
    events,
    files,
    threads: process ? snap.proc?.threads.get(process.pid) : undefined,
    cgroup: process ? snap.proc?.cgroups?.get(process.pid) : undefined,
    names: snap.proc?.origin ?? 'none',
    findings: process ? processFindings(snap, process.pid) : [],
  };
}

export function selectView(snap: ViewSnapshot | undefined, ui: UiState, filter: Filter): ViewData {
  const data: ViewData = { rows: [], rowKeys: [], selected: -1 };
  if (!snap) return data;
  const table = activeTable(ui);
  if (table === 'drill') {
    data.drill = drillData(snap, ui, filter);
    data.rowKeys = data.drill.opcodes.map((r) => r.key);
  } else {
    const spec = viewSpec(table);
    const { rows, hiddenIdle } = spec.rows(snap, ui, filter);
    data.view = spec.id;
    data.rows = rows;
    if (hiddenIdle !== undefined) data.hiddenIdle = hiddenIdle;
    // rows without an identity (the events tail) are known by their position
    data.rowKeys = spec.rowKey ? rows.map(spec.rowKey) : rows.map((_r, i) => i);
  }
  data.selected = resolveSelection(ui.selection[table], data.rowKeys);
  return data;
}

/** The filter the events tail should carry for this UI state (see TuiController.setFilter). */
export function tailFilter(ui: UiState, filter: Filter, snap: ViewSnapshot | undefined): Filter {
  if (!inDrill(ui)) return filter;
  const process = snap?.processes.find((p) => p.key === ui.drillKey);
  return process ? { ...filter, pids: [process.pid], comms: undefined } : filter;
}

/**
 * The row the latency panel shows (the selected row of the table under it), and how many of its
 * slowest events fit under its histogram; undefined when the panel is closed or there is no row.
 */
export function latencyTarget(
  ui: UiState,
  data: ViewData,
  bodyLines: number,
): { key: string; limit: number } | undefined {
  const row = latencyRow(ui, data);
  return row && { key: row.key, limit: Math.max(1, Math.min(100, bodyLines)) };
}

/** The latency panel's row: the selected row of the table under it (undefined when closed). */
export function latencyRow(
  ui: UiState,
  data: ViewData,
): ProcessRow | OpcodeRow | ProcessOpcodeRow | undefined {
  if (!inLatency(ui) || data.selected < 0) return undefined;
  const table = activeTable(ui);
  if (table === 'drill') return data.drill?.opcodes[data.selected];
  // a view with a latency panel has process or opcode rows (its spec says so)
  if (!viewSpec(table).latency) return undefined;
  return data.rows[data.selected] as ProcessRow | OpcodeRow | ProcessOpcodeRow | undefined;
}

/**
 * What the view on screen asks of each snapshot for its selected row (its spec's ask: the
 * heatmap), `width` columns wide; nothing under the help, the latency panel or the drill-down.
 */
export function viewAsk(ui: UiState, data: ViewData, width: number, filter: Filter): ViewAsk {
  if (ui.mode === 'help' || inLatency(ui) || data.drill || data.view === undefined) return {};
  const spec = viewSpec(data.view);
  if (!spec.ask) return {};
  return spec.ask(data.selected >= 0 ? data.rows[data.selected] : undefined, width, filter);
}
