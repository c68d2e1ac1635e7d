/**
 * One process (Enter on the processes view): a summary line, its per-opcode table, and its recent
 * events. Esc returns.
 */
import React from 'react';
import { Box, Text } from 'ink';
import type { DrillData } from './viewModel.js';
import type { SortState } from './keymap.js';
import { OpcodesView } from './OpcodesView.js';
import { EventsView } from './EventsView.js';
import { bytes, count, latency } from './fmt.js';
import { fit, sanitize } from './text.js';

export interface DrillViewProps {
  data: DrillData;
  /** What the drill-down was opened on (its key), for the message when the process is gone. */
  drillKey?: string | number;
  selected: number;
  sort: SortState;
  width: number;
  height: number;
  color: boolean;
}

export function drillTitle(data: DrillData, drillKey: string | number | undefined): string {
  const p = data.process;
  if (!p)
    return ` process ${sanitize(String(drillKey ?? ''))} is gone (evicted or filtered) — Esc to go back`;
  return (
    ` PID ${p.pid} ${sanitize(p.comm)}: ${count(p.opsPerSec)} ops/s  ` +
    `read ${bytes(p.readBytesPerSec)}/s  write ${bytes(p.writeBytesPerSec)}/s  ` +
    `p99 ${latency(p.p99Ns)}  err ${count(p.errors)}  ` +
    `enter ${count(p.enterCallsPerSec)}/s (${count(p.opsPerEnter)} ops each)  total ${count(p.totalOps)}`
  );
}

/** Lines for the opcode table (header included) out of the body's height: it gets what it needs, up to half. */
export function drillSplit(opcodeRows: number, height: number): { table: number; events: number } {
  const body = Math.max(0, height - 2); // title line + "recent events" line
  const table = Math.min(Math.max(2, opcodeRows + 1), Math.max(2, Math.ceil(body / 2)));
  return { table: Math.min(table, body), events: Math.max(0, body - table) };
}

export function DrillView(props: DrillViewProps): React.JSX.Element {
  const { data, drillKey, selected, sort, width, height, color } = props;
  const split = drillSplit(data.opcodes.length, height);
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate" bold>
        {fit(drillTitle(data, drillKey), width)}
      </Text>
      <OpcodesView
        rows={data.opcodes}
        selected={selected}
        sort={sort}
        width={width}
        height={split.table}
        color={color}
        emptyText="no operations"
      />
      {height >= 4 && (
        <Text wrap="truncate" bold>
          {fit(` recent events (${data.events.length}, newest first)`, width)}
        </Text>
      )}
      {split.events > 0 && (
        <EventsView
          rows={data.events}
          selected={-1}
          width={width}
          height={split.events}
          color={color}
          emptyText="no recent events buffered for this process"
          withProcess={false}
        />
      )}
    </Box>
  );
}
