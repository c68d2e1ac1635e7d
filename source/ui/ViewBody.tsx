/**
 * The body of the screen: the help, the latency panel, the drill-down, or the view on screen,
 * drawn by its spec's component, with the text it shows when it has no rows.
 */
import React from 'react';
import { Box, Text } from 'ink';
import type { OpcodeNames } from '../model/opcodes.js';
import type { ViewSnapshot } from '../proc/view.js';
import { DrillView } from './DrillView.js';
import { HelpOverlay } from './HelpOverlay.js';
import { activeTable, inLatency } from './keymap.js';
import { LatencyView } from './LatencyView.js';
import type { UiState } from './state.js';
import type { TuiInfo } from './types.js';
import { latencyRow, type ViewData } from './viewModel.js';
import { viewSpec } from './views/registry.js';
import { Table, type TableFrame } from './Table.js';
import { fit } from './text.js';

/** What the view says when it has no rows: why, and what to do about it. */
export function emptyText(ui: UiState, snap: ViewSnapshot | undefined, info: TuiInfo): string {
  if (!snap)
    return info.mode === 'replay' ? 'loading the recording…' : 'waiting for the first events…';
  const spec = viewSpec(ui.view);
  const unavailable = spec.unavailable?.(info);
  if (unavailable !== undefined) return unavailable;
  if (ui.filterText !== '') return `nothing matches the filter "${ui.filterText}" (c clears it)`;
  if (spec.emptyText !== undefined) return spec.emptyText;
  return info.mode === 'replay'
    ? 'no io_uring activity at this point of the recording'
    : 'no io_uring activity yet: start a program that uses io_uring';
}

export interface ViewBodyProps {
  ui: UiState;
  data: ViewData;
  snapshot: ViewSnapshot | undefined;
  info: TuiInfo;
  names: OpcodeNames;
  width: number;
  height: number;
  color: boolean;
}

export function ViewBody({
  ui,
  data,
  snapshot,
  info,
  names,
  width,
  height,
  color,
}: ViewBodyProps): React.JSX.Element {
  // what every view gets: its room, its selection and sort, the colour switch, the empty text
  const frame = {
    width,
    height,
    color,
    selected: data.selected,
    sort: ui.sort[activeTable(ui)],
    emptyText: emptyText(ui, snapshot, info),
  };
  if (ui.mode === 'help') return <HelpOverlay replay={ui.replay} width={width} height={height} />;
  if (inLatency(ui))
    return (
      <LatencyView
        {...frame}
        row={latencyRow(ui, data)}
        detail={snapshot?.latency}
        nowUs={snapshot?.nowUs ?? 0}
        names={names}
        paused={ui.paused}
      />
    );
  if (data.drill) {
    // the drill-down's tables: their diagnostics columns when `d` is on
    const diag = ui.diag ? (snapshot?.diagnostics ?? null) : undefined;
    return (
      <DrillView {...frame} diag={diag} data={data.drill} drillKey={ui.drillKey} names={names} />
    );
  }
  return <SpecView {...frame} ui={ui} rows={data.rows} snapshot={snapshot} />;
}

interface SpecViewProps extends TableFrame {
  ui: UiState;
  rows: readonly unknown[];
  snapshot: ViewSnapshot | undefined;
  color: boolean;
}

/** A view as its spec says: its columns, rows and row colours; under it, its notes when room. */
function SpecView({ ui, rows, snapshot, color, ...frame }: SpecViewProps): React.JSX.Element {
  const spec = viewSpec(ui.view);
  const rowColor = color && spec.rowColor ? (r: unknown) => spec.rowColor!(r, snapshot) : undefined;
  const columns = spec.columns(ui, snapshot, rows);
  if (!spec.notes) return <Table {...frame} columns={columns} rows={rows} rowColor={rowColor} />;
  const notes = spec.notes(snapshot);
  const room = Math.max(0, Math.min(notes.length, frame.height - 3));
  return (
    <Box flexDirection="column" width={frame.width}>
      <Table
        {...frame}
        height={frame.height - room}
        columns={columns}
        rows={rows}
        rowColor={rowColor}
      />
      {notes.slice(0, room).map((n) => (
        <Text key={n} wrap="truncate" dimColor>
          {fit(n, frame.width)}
        </Text>
      ))}
    </Box>
  );
}
