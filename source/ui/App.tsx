/**
 * The root of the TUI. It renders the latest snapshot the store published (one render per tick,
 * whatever the event rate) and lays the screen out: header, view bar, the view body (ViewBody:
 * the view on screen, from the registry), the prompt and the footer. Input (input.ts) goes
 * through the reducer; its effects and the filter and latency row on screen go to the
 * controller (controller.ts). It never sees an event: the CLI owns the source, the model and
 * timers.
 */
import React, { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Box, Text, useApp, useStdout } from 'ink';
import type { ViewSnapshot } from '../proc/view.js';
import { OpcodeTable } from '../model/opcodes.js';
import { initialUiState, pinSelection, type KeyResult } from './keymap.js';
import { checkFilter, filterOf, latencyTarget, selectView } from './viewModel.js';
import type { SnapshotStore, SourceStatus, TuiController, TuiInfo } from './types.js';
import { Header, headerLines } from './Header.js';
import { FilterPrompt } from './FilterPrompt.js';
import { StatusLine, statusLineCount } from './StatusLine.js';
import { ViewBar } from './ViewBar.js';
import { ViewBody } from './ViewBody.js';
import { useKeys, useScreenRef } from './input.js';
import { useControllerFilter, useEffectRunner, useLatencyTarget } from './controller.js';
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

/** Names before the first snapshot brings the session's table. */
const NO_NAMES = new OpcodeTable();

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

  const screenRef = useScreenRef({
    state: ui,
    ctx: {
      rowKeys: data.rowKeys,
      pageSize: Math.max(1, body - 2),
      checkFilter: (text) => checkFilter(text, names),
    },
    live,
    snapshot: snap,
    bodyTop: headerLines(info) + 1,
    body,
    width,
  });
  useControllerFilter(controller, ui, filter, snap, names);
  // the latency panel's figures are computed only while it is open, for its row
  useLatencyTarget(controller, latencyTarget(ui, data, body));
  const runEffect = useEffectRunner(controller, exit);
  const apply = useCallback(
    (result: KeyResult) => {
      const s = screenRef.current;
      // the display freezes on the snapshot shown when the key was pressed
      if (result.state.paused !== s.state.paused)
        setFrozen(result.state.paused ? s.live : undefined);
      if (result.state !== s.state) {
        s.state = result.state;
        setUi(result.state);
      }
      for (const e of result.effects) runEffect(e);
    },
    [screenRef, runEffect],
  );
  useKeys(screenRef, apply);

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
      <ViewBar ui={ui} data={data} snapshot={snap} width={width} />
      <Box flexDirection="column" height={body} overflow="hidden">
        <ViewBody
          ui={ui}
          data={data}
          snapshot={snap}
          info={info}
          names={names}
          width={width}
          height={body}
          color={color}
        />
      </Box>
      {ui.mode === 'filter' && (
        <FilterPrompt draft={ui.filterDraft} error={ui.filterError} width={width} color={color} />
      )}
      <StatusLine state={ui} status={status} width={width} />
    </Box>
  );
}
