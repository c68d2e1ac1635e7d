/**
 * Snapshot + UI state → the rows each view draws. Pure, and run once per render (once per tick,
 * or per key press): its cost is the number of rows, never the number of events.
 */
import type { IoEvent } from '../model/event.js';
import type { OpcodeNames } from '../model/opcodes.js';
import {
  applyFilter,
  isEmptyFilter,
  matchesFilter,
  parseFilter,
  type Filter,
} from '../model/select.js';
import type {
  Diagnostics,
  ErrorDetailRow,
  OpcodeRow,
  ProcessOpcodeRow,
  ProcessRow,
} from '../model/snapshot.js';
import type { ViewSnapshot } from '../proc/view.js';
import {
  errorColumns,
  opcodeColumns,
  opcodeDiagColumns,
  processColumns,
  processDiagColumns,
  sortByColumn,
  type Column,
  type OpRow,
} from '../render/columns.js';
import {
  activeTable,
  inDrill,
  inLatency,
  resolveSelection,
  type SortState,
  type UiState,
} from './keymap.js';
import { ringColumns, type RingRow } from '../render/ringColumns.js';
import type { FileRow } from '../render/fileColumns.js';
import { fileName, type ThreadInfo } from '../proc/view.js';

/**
 * A process with no operation in this long is idle. Idle processes are kept but sorted after
 * every active one whatever the sort column (and drawn dim): nothing vanishes while you look at
 * it, and a busy system's screen still starts with what is busy.
 */
export const IDLE_AFTER_US = 60_000_000;

export function isIdle(row: ProcessRow, nowUs: number): boolean {
  return row.window.ops === 0 && nowUs - row.lastSeenUs > IDLE_AFTER_US;
}

/**
 * A process idle this long (most often: it exited) leaves the processes view, unless a filter
 * names it (pid: or comm:) or `a` shows every process. Its counts stay in the totals.
 */
export const GONE_AFTER_US = 300_000_000;

export function isGone(row: ProcessRow, nowUs: number, startUs = 0): boolean {
  // idle since the capture began at the latest: a process seen only before it (a request in
  // flight at start, a name with no operation yet) has not been idle for longer than the capture
  return row.window.ops === 0 && nowUs - Math.max(row.lastSeenUs, startUs) > GONE_AFTER_US;
}

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

const PROCESS_COLUMNS = processColumns(0);
const RING_COLUMNS = ringColumns();

/** The rings of the snapshot as rows: with their process's name, narrowed by pid: and comm:. */
export function ringRows(snap: ViewSnapshot, filter: Filter): RingRow[] {
  const comms = new Map<number, string>();
  for (const p of snap.processes) comms.set(p.pid, p.comm); // (the latest row of the pid wins)
  const rows = (snap.proc?.rings ?? []).map((r): RingRow => ({
    ...r,
    key: `${r.pid}/${r.fd}`,
    comm: comms.get(r.pid) ?? '',
  }));
  return applyFilter(rows, { pids: filter.pids, comms: filter.comms });
}
const OPCODE_COLUMNS = opcodeColumns('p99', 0);
const ERROR_COLUMNS = errorColumns();

/**
 * The columns the tables sort on: with `d`, the diagnostics columns (of what this capture
 * counts: the rest sort lowest, as n/a).
 */
function sortColumns(
  diag: boolean,
  counted: Diagnostics | null,
): { processes: Column<ProcessRow>[]; opcodes: Column<OpRow>[] } {
  return diag
    ? { processes: processDiagColumns(counted), opcodes: opcodeDiagColumns(counted) }
    : { processes: PROCESS_COLUMNS, opcodes: OPCODE_COLUMNS };
}

export function sortProcesses(
  rows: readonly ProcessRow[],
  sort: SortState,
  nowUs: number,
  columns: readonly Column<ProcessRow>[] = PROCESS_COLUMNS,
): ProcessRow[] {
  const sorted = sortByColumn(rows, columns, sort.key, sort.desc);
  const active = sorted.filter((r) => !isIdle(r, nowUs));
  if (active.length === sorted.length) return sorted;
  return active.concat(sorted.filter((r) => isIdle(r, nowUs)));
}

export function sortOpcodes<T extends OpcodeRow | ProcessOpcodeRow>(
  rows: readonly T[],
  sort: SortState,
  columns: readonly Column<OpRow>[] = OPCODE_COLUMNS,
): T[] {
  return sortByColumn<OpcodeRow | ProcessOpcodeRow>(rows, columns, sort.key, sort.desc) as T[];
}

/** Errors view rows: the failures first, then the expected results, each group sorted. */
export function sortErrors(rows: readonly ErrorDetailRow[], sort: SortState): ErrorDetailRow[] {
  const sorted = sortByColumn(rows, ERROR_COLUMNS, sort.key, sort.desc);
  if (sort.key === 'kind') return sorted;
  return sorted.filter((r) => !r.expected).concat(sorted.filter((r) => r.expected));
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
}

export interface ViewData {
  processes: ProcessRow[];
  /** Opcode rows; per process × opcode when the filter names processes (see opcodeRows). */
  opcodes: (OpcodeRow | ProcessOpcodeRow)[];
  /** Newest first. */
  events: IoEvent[];
  /** The rings of the processes seen (live only), filtered by pid: and comm:, sorted. */
  rings: RingRow[];
  /** Results by errno per process and opcode: failures first. */
  errors: ErrorDetailRow[];
  drill?: DrillData;
  /** Keys of the active table's rows, in display order: what the reducer moves through. */
  rowKeys: (string | number)[];
  /** Index of the active table's selected row (-1 for none). */
  selected: number;
  /** Processes left out of the view for being idle long (GONE_AFTER_US); `a` shows them. */
  hiddenIdle?: number;
}

/** Newest first, filtered. */
function recentEvents(snap: ViewSnapshot, filter: Filter): IoEvent[] {
  const out: IoEvent[] = [];
  const empty = isEmptyFilter(filter);
  for (let i = snap.recent.length - 1; i >= 0; i--) {
    const e = snap.recent[i];
    if (empty || matchesFilter(e, filter)) out.push(e);
  }
  return out;
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

export function selectView(snap: ViewSnapshot | undefined, ui: UiState, filter: Filter): ViewData {
  const data: ViewData = {
    processes: [],
    opcodes: [],
    events: [],
    rings: [],
    errors: [],
    rowKeys: [],
    selected: -1,
  };
  if (!snap) return data;
  const table = activeTable(ui);
  const cols = sortColumns(ui.diag, snap.diagnostics);
  if (table === 'drill') {
    const process = snap.processes.find((p) => p.key === ui.drillKey);
    const opcodes = sortOpcodes(
      applyFilter(
        snap.processOpcodes.filter((r) => r.processKey === ui.drillKey),
        { opcodes: filter.opcodes },
      ),
      ui.sort.drill,
      cols.opcodes,
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
    data.drill = {
      process,
      opcodes,
      events,
      files,
      threads: process ? snap.proc?.threads.get(process.pid) : undefined,
      names: snap.proc?.origin ?? 'none',
    };
    data.rowKeys = opcodes.map((r) => r.key);
  } else if (table === 'processes') {
    let rows = applyFilter(snap.processes, filter);
    const named = (filter.pids?.length ?? 0) > 0 || (filter.comms?.length ?? 0) > 0;
    if (!ui.showAll && !named) {
      const kept = rows.filter((r) => !isGone(r, snap.nowUs, snap.startUs));
      data.hiddenIdle = rows.length - kept.length;
      rows = kept;
    }
    data.processes = sortProcesses(rows, ui.sort.processes, snap.nowUs, cols.processes);
    data.rowKeys = data.processes.map((r) => r.key);
  } else if (table === 'opcodes') {
    data.opcodes = sortOpcodes(opcodeRows(snap, filter), ui.sort.opcodes, cols.opcodes);
    data.rowKeys = data.opcodes.map((r) => r.key);
  } else if (table === 'rings') {
    data.rings = sortByColumn(
      ringRows(snap, filter),
      RING_COLUMNS,
      ui.sort.rings.key,
      ui.sort.rings.desc,
    );
    data.rowKeys = data.rings.map((r) => r.key);
  } else if (table === 'errors') {
    data.errors = sortErrors(applyFilter(snap.errorDetail, filter), ui.sort.errors);
    data.rowKeys = data.errors.map((r) => r.key);
  } else {
    data.events = recentEvents(snap, filter);
    data.rowKeys = data.events.map((_e, i) => i);
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
  if (table === 'processes') return data.processes[data.selected];
  if (table === 'opcodes') return data.opcodes[data.selected];
  return undefined;
}
