/**
 * The root of the TUI. It renders the latest snapshot the store published (one render per tick,
 * whatever the event rate), turns key presses into reducer actions, and runs the reducer's effects
 * against the controller. It never sees an event: the CLI owns the source, the model and timers.
 *
 * (Over 400 lines: the input paths, keys, function-key sequences, mouse clicks and wheel, all
 * end in the one reducer call with the same context, and the view chosen below uses that same
 * context; split, the two would drift apart.)
 */
import React, {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import { Box, Text, useApp, useInput, useStdin, useStdout, type Key } from 'ink';
import type { ViewSnapshot } from '../proc/view.js';
import { OpcodeTable } from '../model/opcodes.js';
import { formatFilter } from '../model/select.js';
import {
  activeTable,
  functionKey,
  inDrill,
  inLatency,
  initialUiState,
  mouseReport,
  pinSelection,
  reduceClick,
  reduceInput,
  reduceKey,
  resolveSelection,
  type Effect,
  type KeyContext,
  type KeyResult,
  type UiState,
  type ViewId,
} from './keymap.js';
import {
  errorColumns,
  opcodeColumns,
  opcodeDiagColumns,
  processColumns,
  processDiagColumns,
  type Column,
} from '../render/columns.js';
import { columnAt, tableWindow } from './Table.js';
import {
  checkFilter,
  filterOf,
  latencyRow,
  latencyTarget,
  selectView,
  tailFilter,
  type ViewData,
} from './viewModel.js';
import { LatencyView } from './LatencyView.js';
import type { SnapshotStore, SourceStatus, TuiController, TuiInfo } from './types.js';
import { Header, headerLines } from './Header.js';
import { ProcessesView } from './ProcessesView.js';
import { OpcodesView } from './OpcodesView.js';
import { EventsView } from './EventsView.js';
import { RingsView } from './RingsView.js';
import { ringColumns } from '../render/ringColumns.js';
import { withThreadColumns } from '../render/threadColumns.js';
import { VIEW_KEYS, VIEWS } from './bindings.js';
import { DrillView } from './DrillView.js';
import { ErrorsView } from './ErrorsView.js';
import { HelpOverlay } from './HelpOverlay.js';
import { FilterPrompt } from './FilterPrompt.js';
import { StatusLine, statusLineCount } from './StatusLine.js';
import { Segments, type Segment } from './Segments.js';
import { colorEnabled, fit } from './text.js';
export type {
  SnapshotStore,
  SourceStatus,
  TuiController,
  TuiInfo,
  ReplayControls,
} from './types.js';

export interface AppProps {
  store: SnapshotStore;
  controller: TuiController;
  info: TuiInfo;
  /** Fixed terminal size (tests); by default the stdout's size, following resizes. */
  size?: { columns: number; rows: number };
  /** Colours on or off; by default from NO_COLOR / FORCE_COLOR. */
  color?: boolean;
}

/** Below this the frame is one line saying so, rather than a broken layout. */
const MIN_COLUMNS = 40;
const MIN_ROWS = 8;

function useTerminalSize(fixed?: { columns: number; rows: number }) {
  const { stdout } = useStdout();
  const read = useCallback(
    () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 }),
    [stdout],
  );
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, read, fixed]);
  return fixed ?? size;
}

const noStatus = (): SourceStatus | undefined => undefined;

/** The sortable table of the view on screen (its header can be clicked), or undefined. */
function viewColumns(
  state: UiState,
  snap: ViewSnapshot | undefined,
): readonly Column<never>[] | undefined {
  if (state.view === 'processes')
    return state.diag ? processDiagColumns(null) : withThreadColumns(processColumns(0), snap?.proc);
  if (state.view === 'opcodes')
    return state.diag ? opcodeDiagColumns(null) : opcodeColumns(state.sparkMetric, 0);
  if (state.view === 'errors') return errorColumns();
  if (state.view === 'rings') return ringColumns();
  return undefined;
}

/** Names before the first snapshot brings the session's table. */
const NO_NAMES = new OpcodeTable();

const VIEW_TITLES: Record<ViewId, string> = {
  processes: 'Processes',
  opcodes: 'Opcodes',
  events: 'Events',
  errors: 'Errors',
  rings: 'Rings',
};

function tabSegments(ui: UiState, data: ViewData, snap: ViewSnapshot | undefined): Segment[] {
  const segs: Segment[] = [{ text: ' ' }];
  VIEWS.forEach((v) => {
    const label = ` ${VIEW_KEYS[v]} ${VIEW_TITLES[v]} `;
    segs.push(
      ui.view === v && ui.mode !== 'drill'
        ? { text: label, inverse: true, bold: true }
        : { text: label },
    );
  });
  let what = '';
  if (inLatency(ui)) what = 'latency (↑↓ row, Esc back)';
  else if (inDrill(ui)) what = 'process detail (Esc back)';
  else if (ui.view === 'processes') {
    what = `${data.processes.length} of ${snap?.processes.length ?? 0} processes`;
    if (data.hiddenIdle) what += ` (${data.hiddenIdle} idle > 5 min hidden: a)`;
    else if (ui.showAll) what += ' (all: a hides the idle)';
  } else if (ui.view === 'opcodes') what = `${data.opcodes.length} opcode rows`;
  else if (ui.view === 'rings') what = `${data.rings.length} rings (/proc/<pid>/fdinfo)`;
  else if (ui.view === 'errors') {
    const failures = data.errors.filter((e) => !e.expected).length;
    what = `${failures} failing, ${data.errors.length - failures} expected`;
  } else what = `latest ${data.events.length} events`;
  if (ui.diag && (ui.view === 'processes' || ui.view === 'opcodes' || ui.mode === 'drill'))
    what += ' · diagnostics (d)';
  segs.push({ text: `  ${what}`, dim: true });
  return segs;
}

function emptyText(ui: UiState, snap: ViewSnapshot | undefined, info: TuiInfo): string {
  if (!snap)
    return info.mode === 'replay' ? 'loading the recording…' : 'waiting for the first events…';
  if (ui.view === 'rings' && info.mode === 'replay')
    return 'the rings view is live only: rings are read from /proc/<pid>/fdinfo, which a recording does not hold';
  if (ui.view === 'events' && info.eventKeeping === 'events off')
    return 'events are off (--no-events): the other views count every operation, exactly';
  if (ui.filterText !== '') return `nothing matches the filter "${ui.filterText}" (c clears it)`;
  if (ui.view === 'events') return 'no events buffered yet';
  if (ui.view === 'rings')
    return 'no rings found in the processes seen in the last minute (their /proc/<pid>/fd links to anon_inode:[io_uring])';
  if (ui.view === 'errors') return 'no operation has failed, or returned an expected error, yet';
  return info.mode === 'replay'
    ? 'no io_uring activity at this point of the recording'
    : 'no io_uring activity yet: start a program that uses io_uring';
}

export function App({
  store,
  controller,
  info,
  size,
  color: colorProp,
}: AppProps): React.JSX.Element {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize(size);
  const color = colorProp ?? colorEnabled();
  const live = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const status = useSyncExternalStore(store.subscribe, store.getStatus ?? noStatus);
  const [ui, setUi] = useState(() =>
    initialUiState({ replay: info.mode === 'replay', refreshMs: info.refreshMs }),
  );
  const [frozen, setFrozen] = useState<ViewSnapshot | undefined>(undefined);
  const snap = ui.paused ? (frozen ?? live) : live;

  const names = snap?.opcodeNames ?? NO_NAMES;
  const filter = useMemo(() => filterOf(ui.filterText, names), [ui.filterText, names]);
  const data = useMemo(() => selectView(snap, ui, filter), [snap, ui, filter]);
  // The selection is a row, not a position: pinned to the row drawn as selected from the first
  // frame, it follows that process when a refresh re-sorts the rows (Enter opens what is marked).
  // (Set while rendering: React renders again at once, before anything is drawn or a key is read.)
  const pinned = pinSelection(ui, data.rowKeys);
  if (pinned !== ui) setUi(pinned);

  // Frame: at most rows − 1 lines (a frame as tall as the terminal makes Ink 6 redraw everything).
  const width = columns;
  const maxLines = Math.max(1, rows - 1);
  const footer = statusLineCount(ui);
  const prompt = ui.mode === 'filter' ? 2 : 0;
  const body = Math.max(0, maxLines - headerLines(info) - 1 - footer - prompt);

  // The reducer reads the latest state and screen synchronously from these refs (several keys can
  // arrive between two renders); they are synced after each render.
  const stateRef = useRef(ui);
  const ctxRef = useRef<Partial<KeyContext>>({});
  const liveRef = useRef(live);
  const snapRef = useRef(snap);
  // layout effect: in place before the next key, which may arrive before passive effects run
  useLayoutEffect(() => {
    stateRef.current = ui;
    ctxRef.current = {
      rowKeys: data.rowKeys,
      pageSize: Math.max(1, body - 2),
      checkFilter: (text) => checkFilter(text, names),
    };
    liveRef.current = live;
    snapRef.current = snap;
  }, [ui, data, body, live, names, snap]);

  const tail = useMemo(() => tailFilter(ui, filter, snap), [ui, filter, snap]);
  const tailText = formatFilter(tail, names);
  useEffect(() => {
    controller.setFilter?.(filterOf(tailText, names), filter);
  }, [controller, tailText, names, filter]);

  // the latency panel's figures are computed only while it is open, for its row
  const target = latencyTarget(ui, data, body);
  const latencyKey = target?.key;
  const latencyLimit = target?.limit ?? 0;
  const latencyAsked = useRef(false);
  useEffect(() => {
    if (latencyKey === undefined && !latencyAsked.current) return; // closed, and never opened
    latencyAsked.current = latencyKey !== undefined;
    controller.setLatency?.(
      latencyKey === undefined ? undefined : { key: latencyKey, limit: latencyLimit },
    );
  }, [controller, latencyKey, latencyLimit]);

  const runEffect = useCallback(
    (e: Effect) => {
      switch (e.type) {
        case 'quit':
          exit();
          controller.quit();
          break;
        case 'setRefresh':
          controller.setRefreshMs(e.ms);
          break;
        case 'toggleRecording':
          controller.toggleRecording?.();
          break;
        case 'replay': {
          const r = controller.replay;
          if (!r) break;
          if (e.action === 'togglePause') r.togglePause();
          else if (e.action === 'seek') r.seek(e.deltaSec);
          else if (e.action === 'speed') r.changeSpeed(e.factor);
          else r.jump(e.to);
          break;
        }
      }
    },
    [controller, exit],
  );

  // Between the terminal's paste brackets: text for the filter prompt, never keys.
  const pasting = useRef(false);
  const geometry = useRef({ bodyTop: 0, body: 0, width: 0 });
  useLayoutEffect(() => {
    geometry.current = { bodyTop: headerLines(info) + 1, body, width };
  }, [info, body, width]);

  /** A mouse report: the wheel moves the selection; a click selects a row or sorts a column. */
  const onMouse = useCallback(
    (m: NonNullable<ReturnType<typeof mouseReport>>): KeyResult | undefined => {
      const state = stateRef.current;
      if (!m.press || (m.button & 32) !== 0 || state.mode !== 'normal') return undefined;
      const ctx = ctxRef.current;
      if ((m.button & 64) !== 0) {
        const down = (m.button & 1) === 1;
        return reduceInput(state, '', down ? { downArrow: true } : { upArrow: true }, ctx);
      }
      if ((m.button & 3) !== 0) return undefined; // left button only
      const g = geometry.current;
      const line = m.y - 1 - g.bodyTop; // 0: the table's header
      const columns = viewColumns(state, snapRef.current);
      if (line === 0 && columns) {
        const column = columnAt(columns, g.width, m.x - 1);
        return column ? reduceClick(state, { kind: 'header', column }, ctx) : undefined;
      }
      const rowKeys = ctx.rowKeys ?? [];
      const selected = resolveSelection(state.selection[activeTable(state)], rowKeys);
      const w = tableWindow(rowKeys.length, g.body, selected);
      if (line < 1 || line > w.visible) return undefined;
      return reduceClick(state, { kind: 'row', index: w.start + line - 1 }, ctx);
    },
    [],
  );

  const onKey = useCallback(
    (input: string, key: Key) => {
      const before = stateRef.current;
      let result: KeyResult | undefined;
      const mouse = mouseReport(input);
      if (mouse) {
        result = onMouse(mouse);
      } else if (input === '[200~' || input === '\x1b[200~') {
        pasting.current = true;
      } else if (input === '[201~' || input === '\x1b[201~') {
        pasting.current = false;
      } else if (!pasting.current || before.mode === 'filter') {
        // (pasted text goes into an open prompt as text; elsewhere it is dropped)
        result = pasting.current
          ? reduceKey(before, input, {}, ctxRef.current)
          : reduceInput(before, input, key, ctxRef.current);
      }
      if (!result) return;
      // the display freezes on the snapshot shown when the key was pressed
      if (result.state.paused !== before.paused)
        setFrozen(result.state.paused ? liveRef.current : undefined);
      if (result.state !== stateRef.current) {
        stateRef.current = result.state;
        setUi(result.state);
      }
      for (const e of result.effects) runEffect(e);
    },
    [runEffect, onMouse],
  );
  useInput(onKey);
  // Function keys reach useInput without a name (F1 and F10 alike): read their sequences here.
  const { internal_eventEmitter: rawInput } = useStdin();
  useEffect(() => {
    const onRaw = (raw: string): void => {
      const f = functionKey(raw);
      if (f) onKey(f, {} as Key);
    };
    rawInput.on('input', onRaw);
    return () => {
      rawInput.removeListener('input', onRaw);
    };
  }, [rawInput, onKey]);

  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return (
      <Text wrap="truncate">
        {fit(
          `iouringtop needs ${MIN_COLUMNS}×${MIN_ROWS}; this is ${columns}×${rows} (q quits)`,
          columns,
        )}
      </Text>
    );
  }

  // what every view gets: its room, its selection and sort, the colour switch, the empty text
  const table = activeTable(ui);
  const counted = snap?.diagnostics ?? null;
  const frame = {
    width,
    height: body,
    color,
    selected: data.selected,
    sort: ui.sort[table],
    emptyText: emptyText(ui, snap, info),
  };
  // the process, opcode and drill-down tables: their diagnostics columns when `d` is on
  const tables = { ...frame, diag: ui.diag ? counted : undefined };
  const nowUs = snap?.nowUs ?? 0;
  let view: React.JSX.Element;
  if (ui.mode === 'help') view = <HelpOverlay replay={ui.replay} width={width} height={body} />;
  else if (inLatency(ui))
    view = (
      <LatencyView
        {...frame}
        row={latencyRow(ui, data)}
        detail={snap?.latency}
        nowUs={nowUs}
        names={names}
        paused={ui.paused}
      />
    );
  else if (data.drill)
    view = <DrillView {...tables} data={data.drill} drillKey={ui.drillKey} names={names} />;
  else if (table === 'processes')
    view = <ProcessesView {...tables} rows={data.processes} nowUs={nowUs} proc={snap?.proc} />;
  else if (table === 'opcodes')
    view = <OpcodesView {...tables} rows={data.opcodes} metric={ui.sparkMetric} />;
  else if (table === 'rings')
    view = (
      <RingsView
        {...frame}
        rows={data.rings}
        failures={snap?.proc?.ringFailures}
        unscanned={snap?.proc?.ringsUnscanned}
      />
    );
  else if (table === 'errors') view = <ErrorsView {...frame} rows={data.errors} />;
  else view = <EventsView {...frame} rows={data.events} names={names} />;

  return (
    <Box flexDirection="column" width={width}>
      <Header
        info={info}
        snapshot={snap}
        status={status}
        filterText={ui.filterText}
        paused={ui.paused}
        refreshMs={ui.refreshMs}
        width={width}
        color={color}
      />
      <Segments segments={tabSegments(ui, data, snap)} width={width} />
      <Box flexDirection="column" height={body} overflow="hidden">
        {view}
      </Box>
      {ui.mode === 'filter' && (
        <FilterPrompt draft={ui.filterDraft} error={ui.filterError} width={width} color={color} />
      )}
      <StatusLine state={ui} status={status} width={width} />
    </Box>
  );
}
