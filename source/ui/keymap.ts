/**
 * Keys are data: every key press goes through `reduceKey`, a pure function from the UI state and
 * the key to a new state plus a list of effects (plain objects the App executes: quit, pause,
 * replay seek, ...). Nothing here touches React, the terminal or the model's data.
 *
 * (Over 400 lines: one reducer over one state, with the terminal's raw input it reads (function
 * keys, mouse reports, pastes) beside it; the binding table itself is in bindings.ts.)
 */
import { ascendingFirst, sortKeys } from '../render/columns.js';
import { actionFor, FKEY, type Action, type KeyInput, type PlaybackAction } from './bindings.js';
import type { Selection, SortState, TableId, UiState, ViewId } from './state.js';
import { tableColumns, viewSpec, VIEW_SPECS, VIEWS } from './views/registry.js';

export { VIEWS } from './views/registry.js';
export type { KeyInput } from './bindings.js';
export type { Mode, Selection, SortState, SparkMetric, TableId, UiState, ViewId } from './state.js';

/** Sortable columns of a table in this state, in screen order (what `<` and `>` step through). */
function sortKeysIn(state: UiState, table: TableId): readonly string[] {
  return sortKeys(tableColumns(table, state));
}

/** Sortable columns of a table, in screen order, with or without the diagnostics columns. */
export function sortKeysOf(table: TableId, diag = false): readonly string[] {
  return sortKeysIn({ ...initialUiState(), diag }, table);
}

/** Sortable columns per table, in screen order, without the diagnostics columns. */
export const SORT_KEYS: Readonly<Record<TableId, readonly string[]>> = Object.fromEntries(
  [...VIEWS, 'drill'].map((t) => [t, sortKeysOf(t)]),
);

function ascending(state: UiState, table: TableId, key: string): boolean {
  return ascendingFirst(tableColumns(table, state), key);
}

/** The tables whose columns `d` switches to the diagnostics: those views, and the drill-down. */
const DIAG_TABLES: readonly TableId[] = [
  ...VIEW_SPECS.filter((v) => v.diagnostics).map((v) => v.id),
  'drill',
];

/** Refresh intervals `+` and `-` step through. */
export const REFRESH_STEPS: readonly number[] = [250, 500, 1000, 2000, 5000, 10000];

/** Each view's selection at the top of its rows (the drill-down's apart). */
function topOfViews(): Record<ViewId, Selection> {
  return Object.fromEntries(VIEWS.map((v) => [v, { index: 0 }]));
}

export function initialUiState(opts: { replay?: boolean; refreshMs?: number } = {}): UiState {
  return {
    mode: 'normal',
    returnMode: 'normal',
    view: VIEWS[0],
    sort: {
      ...Object.fromEntries(VIEW_SPECS.map((v) => [v.id, { ...v.sort }])),
      drill: { key: 'ops', desc: true },
    },
    selection: { ...topOfViews(), drill: { index: 0 } },
    filterText: '',
    filterDraft: '',
    paused: false,
    refreshMs: opts.refreshMs ?? 1000,
    sparkMetric: 'p99',
    replay: opts.replay ?? false,
    showAll: false,
    diag: false,
  };
}

/** A replay key's effect: the playback control to call (`action`, its name) and its argument. */
export type ReplayAction =
  | { type: 'replay'; action: 'togglePause' }
  | { type: 'replay'; action: 'seek'; deltaSec: number }
  | { type: 'replay'; action: 'changeSpeed'; factor: number }
  | { type: 'replay'; action: 'jump'; to: 'start' | 'end' };

export type Effect =
  | { type: 'quit' }
  | { type: 'setRefresh'; ms: number }
  | { type: 'toggleRecording' }
  | ReplayAction;

export interface KeyResult {
  state: UiState;
  effects: Effect[];
}

/** What the reducer needs to know about the screen at the moment of the key press. */
export interface KeyContext {
  /** Keys of the active table's rows, in display order. */
  rowKeys: readonly (string | number)[];
  /** Rows per page for PgUp / PgDn. */
  pageSize: number;
  /** Validates the filter prompt's text: an error message, or undefined when it is good. */
  checkFilter: (text: string) => string | undefined;
}

const DEFAULT_CONTEXT: KeyContext = { rowKeys: [], pageSize: 10, checkFilter: () => undefined };

/** The mode under the help and the prompt: what they return to. */
function browseMode(state: UiState): 'normal' | 'drill' | 'latency' {
  return state.mode === 'help' || state.mode === 'filter' ? state.returnMode : state.mode;
}

/** The table whose selection and sort the keys act on (under the latency panel: its row's). */
export function activeTable(state: UiState): TableId {
  let mode = browseMode(state);
  if (mode === 'latency') mode = state.latencyFrom ?? 'normal';
  return mode === 'drill' ? 'drill' : state.view;
}

/** The drill-down is on screen, or under the help, the prompt or the latency panel. */
export function inDrill(state: UiState): boolean {
  return activeTable(state) === 'drill';
}

/** The latency panel is on screen, or under the help or the prompt. */
export function inLatency(state: UiState): boolean {
  return browseMode(state) === 'latency';
}

/** The selected row's index among `rowKeys` (following its key), or -1 when there are no rows. */
export function resolveSelection(sel: Selection, rowKeys: readonly (string | number)[]): number {
  if (rowKeys.length === 0) return -1;
  if (sel.key !== undefined) {
    const at = rowKeys.indexOf(sel.key);
    if (at >= 0) return at;
  }
  return Math.max(0, Math.min(sel.index, rowKeys.length - 1));
}

/**
 * The state with the active table's selection pinned to the row drawn as selected (its key), so
 * that it follows that row, a process, an opcode, when the rows re-sort: from the first frame,
 * and again when its row is gone. The same state when there is nothing to pin (no rows, the
 * events tail, whose rows have no identity, or already pinned to a row on screen).
 */
export function pinSelection(state: UiState, rowKeys: readonly (string | number)[]): UiState {
  const table = activeTable(state);
  if (rowKeys.length === 0 || (table !== 'drill' && !viewSpec(table).rowKey)) return state;
  const sel = state.selection[table];
  if (sel.key !== undefined && rowKeys.includes(sel.key)) return state;
  const index = resolveSelection(sel, rowKeys);
  return withSelection(state, table, { index, key: rowKeys[index] });
}

const none = (state: UiState): KeyResult => ({ state, effects: [] });

function withSelection(state: UiState, table: TableId, sel: Selection): UiState {
  return { ...state, selection: { ...state.selection, [table]: sel } };
}

function moveSelection(
  state: UiState,
  ctx: KeyContext,
  to: (current: number, n: number) => number,
) {
  const table = activeTable(state);
  const n = ctx.rowKeys.length;
  if (n === 0) return none(withSelection(state, table, { index: 0 }));
  const current = resolveSelection(state.selection[table], ctx.rowKeys);
  const index = Math.max(0, Math.min(n - 1, to(current, n)));
  return none(withSelection(state, table, { index, key: ctx.rowKeys[index] }));
}

function stepSort(state: UiState, step: 1 | -1 | 0): KeyResult {
  const table = activeTable(state);
  const keys = sortKeysIn(state, table);
  if (keys.length === 0) return none(state);
  const cur = state.sort[table];
  let next: SortState;
  if (step === 0) {
    next = { ...cur, desc: !cur.desc };
  } else {
    const at = keys.indexOf(cur.key);
    const k = keys[(((at < 0 ? 0 : at + step) % keys.length) + keys.length) % keys.length];
    next = { key: k, desc: !ascending(state, table, k) };
  }
  return none({ ...state, sort: { ...state.sort, [table]: next } });
}

function nextRefresh(ms: number, dir: 1 | -1): number {
  if (dir > 0) return REFRESH_STEPS.find((s) => s > ms) ?? REFRESH_STEPS[REFRESH_STEPS.length - 1];
  return [...REFRESH_STEPS].reverse().find((s) => s < ms) ?? REFRESH_STEPS[0];
}

function switchView(state: UiState, view: ViewId): KeyResult {
  return none({ ...state, view, mode: 'normal', returnMode: 'normal' });
}

function reduceFilter(state: UiState, input: string, key: KeyInput, ctx: KeyContext): KeyResult {
  const back = state.returnMode;
  if (key.escape) {
    return none({ ...state, mode: back, filterDraft: '', filterError: undefined });
  }
  if (key.return) {
    const text = state.filterDraft.trim();
    const error = text === '' ? undefined : ctx.checkFilter(text);
    if (error !== undefined) return none({ ...state, filterError: error });
    return none({
      ...state,
      mode: back,
      filterText: text,
      filterDraft: '',
      filterError: undefined,
      // rows change under a new filter: start the lists from the top
      selection: { ...state.selection, ...topOfViews() },
    });
  }
  if (key.backspace || key.delete) {
    return none({
      ...state,
      filterDraft: [...state.filterDraft].slice(0, -1).join(''),
      filterError: undefined,
    });
  }
  if (key.ctrl && input === 'u') return none({ ...state, filterDraft: '', filterError: undefined });
  if (input.startsWith('\u0000')) return none(state); // a function key: not text
  if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow) return none(state);
  // printable text only (a paste arrives as one string); drop anything a terminal would act on
  // eslint-disable-next-line no-control-regex
  const text = input.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  if (text === '') return none(state);
  return none({
    ...state,
    filterDraft: (state.filterDraft + text).slice(0, 200),
    filterError: undefined,
  });
}

/**
 * The whole key map. Ctrl-C quits from every mode; the rest depends on the mode:
 * help closes on any of ? Esc q Enter; the filter prompt edits text; normal and drill share the
 * navigation, sort, pause, refresh and replay keys.
 */
export function reduceKey(
  state: UiState,
  input: string,
  key: KeyInput,
  ctx: Partial<KeyContext> = {},
): KeyResult {
  const c: KeyContext = { ...DEFAULT_CONTEXT, ...ctx };
  // the binding table says what the key does here (in help and the prompt: only quit)
  const action = actionFor(input, key, {
    mode: state.mode,
    table: activeTable(state),
    replay: state.replay,
  });
  if (state.mode === 'help' && action?.type !== 'quit') {
    if (key.escape || key.return || input === '?' || input === 'q') {
      return none({ ...state, mode: state.returnMode });
    }
    return none(state);
  }
  if (state.mode === 'filter' && action?.type !== 'quit') return reduceFilter(state, input, key, c);
  return action === undefined ? none(state) : perform(state, action, c);
}

/** A replay key: its effect calls the playback control of the same name with its argument. */
function replayEffect(state: UiState, { type: action, ...args }: PlaybackAction): KeyResult {
  return { state, effects: [{ type: 'replay', action, ...args } as ReplayAction] };
}

function perform(state: UiState, action: Action, c: KeyContext): KeyResult {
  switch (action.type) {
    case 'quit':
      return { state, effects: [{ type: 'quit' }] };
    case 'help':
      return none({ ...state, mode: 'help', returnMode: browseMode(state) });
    case 'filter':
      return none({
        ...state,
        mode: 'filter',
        returnMode: browseMode(state),
        // what is typed adds a term to the filter in force
        filterDraft: state.filterText === '' ? '' : `${state.filterText} `,
        filterError: undefined,
      });
    case 'clearFilter':
      return none({ ...state, filterText: '' });
    case 'nextView': {
      const at = VIEWS.indexOf(state.view);
      return switchView(state, VIEWS[(at + VIEWS.length + action.step) % VIEWS.length]);
    }
    case 'view':
      return switchView(state, action.to);
    case 'move': {
      const page = Math.max(1, c.pageSize);
      const to = action.to;
      return moveSelection(state, c, (i, n) =>
        to === 'up'
          ? i - 1
          : to === 'down'
            ? i + 1
            : to === 'pageUp'
              ? i - page
              : to === 'pageDown'
                ? i + page
                : to === 'home'
                  ? 0
                  : n - 1,
      );
    }
    case 'drill': {
      const idx = resolveSelection(state.selection.processes, c.rowKeys);
      if (idx < 0) return none(state);
      const rowKey = c.rowKeys[idx];
      return none({
        ...state,
        mode: 'drill',
        returnMode: 'drill',
        drillKey: rowKey,
        selection: {
          ...state.selection,
          processes: { index: idx, key: rowKey },
          drill: { index: 0 },
        },
      });
    }
    case 'latency': {
      const from = state.mode === 'drill' ? 'drill' : 'normal';
      if (resolveSelection(state.selection[activeTable(state)], c.rowKeys) < 0) return none(state);
      return none({ ...state, mode: 'latency', returnMode: 'latency', latencyFrom: from });
    }
    case 'back':
      if (state.mode === 'latency') {
        const to = state.latencyFrom ?? 'normal';
        return none({ ...state, mode: to, returnMode: to, latencyFrom: undefined });
      }
      return none({ ...state, mode: 'normal', returnMode: 'normal', drillKey: undefined });
    case 'sort':
      return stepSort(state, action.step);
    case 'freeze':
      return none({ ...state, paused: !state.paused });
    case 'refresh': {
      const ms = nextRefresh(state.refreshMs, action.step);
      if (ms === state.refreshMs) return none(state);
      return { state: { ...state, refreshMs: ms }, effects: [{ type: 'setRefresh', ms }] };
    }
    case 'spark':
      return none({ ...state, sparkMetric: state.sparkMetric === 'p99' ? 'ops' : 'p99' });
    case 'showAll':
      return none({ ...state, showAll: !state.showAll });
    case 'diag': {
      // a sort column the other set lacks falls back to ops
      const diag = !state.diag;
      const sort = { ...state.sort };
      for (const t of DIAG_TABLES)
        if (!sortKeysIn({ ...state, diag }, t).includes(sort[t].key))
          sort[t] = { key: 'ops', desc: true };
      return none({ ...state, diag, sort });
    }
    case 'record':
      return { state, effects: [{ type: 'toggleRecording' }] };
    case 'togglePause':
    case 'seek':
    case 'changeSpeed':
    case 'jump':
      return replayEffect(state, action);
  }
}

/**
 * One `useInput` call's worth of input. Ink hands over characters that arrived together as one
 * string: keys typed fast over SSH (`r<<<`, `]]]`), a filter typed in one go (`/pid:42⏎`). They
 * are what the user typed, one key after the other, so each goes through the key map in turn
 * (Enter, Tab and Backspace included; a quit ends the run). Pasted text never arrives here as
 * keys: the terminal brackets a paste, and the App passes it to the filter prompt or drops it.
 */
export function reduceInput(
  state: UiState,
  input: string,
  key: KeyInput,
  ctx: Partial<KeyContext> = {},
): KeyResult {
  const chars = [...input];
  if (chars.length <= 1 || key.ctrl || key.meta || input.startsWith('\u0000'))
    return reduceKey(state, input, key, ctx);
  let current = state;
  const effects: Effect[] = [];
  for (const ch of chars) {
    const k: KeyInput =
      ch === '\r' || ch === '\n'
        ? { return: true }
        : ch === '\t'
          ? { tab: true }
          : ch === '\x7f' || ch === '\b'
            ? { backspace: true }
            : { shift: ch !== ch.toLowerCase() };
    const r = reduceKey(current, k.return || k.tab || k.backspace ? '' : ch, k, ctx);
    current = r.state;
    effects.push(...r.effects);
    if (r.effects.some((e) => e.type === 'quit')) break;
  }
  return { state: current, effects };
}

/** A function key's escape sequence (xterm, VT220, the Linux console) → its stand-in, or undefined. */
export function functionKey(raw: string): string | undefined {
  if (raw === '\x1bOP' || raw === '\x1b[11~' || raw === '\x1b[[A') return FKEY.F1;
  if (raw === '\x1b[21~') return FKEY.F10;
  return undefined;
}

/** An SGR mouse report as Ink passes it on (`[<b;x;yM`, the ESC taken off), or undefined. */
export function mouseReport(
  input: string,
): { button: number; x: number; y: number; press: boolean } | undefined {
  const m = /^\[<(\d+);(\d+);(\d+)([Mm])$/.exec(input.startsWith('\x1b') ? input.slice(1) : input);
  if (!m) return undefined;
  return { button: Number(m[1]), x: Number(m[2]), y: Number(m[3]), press: m[4] === 'M' };
}

/** Where a click landed in the active table: its header (on a column), or a row. */
export type ClickTarget = { kind: 'header'; column: string } | { kind: 'row'; index: number };

/** A click: on a sortable header, sort by it (again: reverse); on a row, select it. */
export function reduceClick(
  state: UiState,
  target: ClickTarget,
  ctx: Partial<KeyContext> = {},
): KeyResult {
  if (state.mode !== 'normal' && state.mode !== 'drill') return none(state);
  const c: KeyContext = { ...DEFAULT_CONTEXT, ...ctx };
  const table = activeTable(state);
  if (target.kind === 'header') {
    if (!sortKeysIn(state, table).includes(target.column)) return none(state);
    const cur = state.sort[table];
    const next: SortState =
      cur.key === target.column
        ? { key: cur.key, desc: !cur.desc }
        : { key: target.column, desc: !ascending(state, table, target.column) };
    return none({ ...state, sort: { ...state.sort, [table]: next } });
  }
  if (target.index < 0 || target.index >= c.rowKeys.length) return none(state);
  return none(withSelection(state, table, { index: target.index, key: c.rowKeys[target.index] }));
}
