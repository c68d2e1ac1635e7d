/**
 * One process (Enter on the processes view): a summary line, its per-opcode table, and its recent
 * events. Esc returns.
 */
import { Box, Text } from 'ink';
import type { DrillData } from './viewModel.js';
import { OpcodesView } from './OpcodesView.js';
import { EventsView } from './EventsView.js';
import type { TableFrame } from './Table.js';
import { escape } from '../escape.js';
import type { OpcodeNames } from '../model/opcodes.js';
import { cell } from '../render/columns.js';
import { fit } from './text.js';

export interface DrillViewProps extends TableFrame {
  data: DrillData;
  /** What the drill-down was opened on (its key), for the message when the process is gone. */
  drillKey?: string | number;
  color: boolean;
  /** The session's opcode names. */
  names: OpcodeNames;
}

export function drillTitle(data: DrillData, drillKey: string | number | undefined): string {
  const p = data.process;
  if (!p)
    return ` process ${escape(String(drillKey ?? ''))} is gone (evicted or filtered) — Esc to go back`;
  // most telling first: what fits 80 columns is the rate, latency, failures and how it submits
  const submits =
    p.opsPerSec > 0 && p.enterCallsPerSec === 0
      ? 'no io_uring_enter (SQPOLL)'
      : `enter ${cell.count(p.enterCallsPerSec)}/s ×${p.opsPerEnter.toFixed(1)}`;
  return (
    ` PID ${p.pid} ${escape(p.comm)}  ${cell.count(p.opsPerSec)} ops/s  p99 ${cell.latency(p.p99Ns)}  ` +
    `err ${cell.count(p.errors)}  ${submits}  ` +
    `rd ${cell.bytes(p.readBytesPerSec)}/s  wr ${cell.bytes(p.writeBytesPerSec)}/s  ` +
    `exp ${cell.count(p.expected)}  total ${cell.count(p.totalOps)}`
  );
}

/** Lines for the opcode table (header included) out of the body's height: it gets what it needs, up to half. */
export function drillSplit(opcodeRows: number, height: number): { table: number; events: number } {
  const body = Math.max(0, height - 2); // title line + "recent events" line
  const table = Math.min(Math.max(2, opcodeRows + 1), Math.max(2, Math.ceil(body / 2)));
  return { table: Math.min(table, body), events: Math.max(0, body - table) };
}

export function DrillView({ data, drillKey, names, ...frame }: DrillViewProps) {
  const { width, height } = frame;
  const split = drillSplit(data.opcodes.length, height);
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate" bold>
        {fit(drillTitle(data, drillKey), width)}
      </Text>
      <OpcodesView {...frame} rows={data.opcodes} height={split.table} emptyText="no operations" />
      {height >= 4 && (
        <Text wrap="truncate" bold>
          {fit(` recent events (${data.events.length}, newest first)`, width)}
        </Text>
      )}
      {split.events > 0 && (
        <EventsView
          {...frame}
          rows={data.events}
          selected={-1}
          sort={undefined}
          height={split.events}
          emptyText="no recent events buffered for this process"
          withProcess={false}
          names={names}
        />
      )}
    </Box>
  );
}
