/** Events: a live tail of the latest events (newest first), all nine fields. */
import React from 'react';
import { opcodeName } from '../model/opcodes.js';
import { errnoName } from '../model/errno.js';
import type { IoEvent } from '../model/event.js';
import { Table, type Column } from './Table.js';
import { bytes, latency } from './fmt.js';

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `HH:MM:SS.mmm` local time (with µs when the column is wide enough). */
export function eventTime(tsUs: number, width: number): string {
  const d = new Date(Math.floor(tsUs / 1000));
  const base = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  const us = String(Math.floor(tsUs % 1e6)).padStart(6, '0');
  return width >= 15 ? `${base}.${us}` : `${base}.${us.slice(0, 3)}`;
}

/** Bytes or a count as a plain number when it fits, human-scaled when it does not; blank when 0. */
function amount(v: number, width: number): string {
  if (v === 0) return '';
  const plain = String(v);
  return plain.length <= width ? plain : bytes(v);
}

/** The result: bytes, or `-EAGAIN` for a negative errno; blank when the event has none. */
export function resultText(e: IoEvent, width: number): string {
  if (!e.hasResult) return '';
  if (e.result < 0) return `-${errnoName(e.result)}`;
  return amount(e.result, width) || '0';
}

export function eventColumns(withProcess: boolean): Column<IoEvent>[] {
  const cols: Column<IoEvent>[] = [
    {
      key: 'time',
      title: 'TIME',
      width: 12,
      flex: 1,
      maxWidth: 15,
      format: (e, w) => eventTime(e.tsUs, w),
    },
    { key: 'pid', title: 'PID', width: 7, align: 'right', format: (e) => String(e.pid) },
    {
      key: 'comm',
      title: 'COMM',
      width: 8,
      flex: 2,
      maxWidth: 16,
      minWidth: 5,
      format: (e) => e.comm,
    },
    {
      key: 'opcode',
      title: 'OPCODE',
      width: 10,
      flex: 2,
      maxWidth: 16,
      minWidth: 6,
      format: (e) => opcodeName(e.opcode),
    },
    {
      key: 'fd',
      title: 'FD',
      width: 5,
      align: 'right',
      format: (e) => (e.fd === 0 ? '' : String(e.fd)),
    },
    {
      key: 'offset',
      title: 'OFFSET',
      width: 8,
      flex: 1,
      maxWidth: 14,
      align: 'right',
      format: (e, w) => amount(e.offset, w),
    },
    {
      key: 'length',
      title: 'LEN',
      width: 7,
      align: 'right',
      format: (e, w) => amount(e.length, w),
    },
    {
      key: 'result',
      title: 'RESULT',
      width: 8,
      flex: 1,
      maxWidth: 12,
      align: 'right',
      format: resultText,
    },
    {
      key: 'latency',
      title: 'LAT',
      width: 6,
      align: 'right',
      format: (e) => (e.latencyNs > 0 ? latency(e.latencyNs) : ''),
    },
  ];
  return withProcess ? cols : cols.filter((c) => c.key !== 'pid' && c.key !== 'comm');
}

export interface EventsViewProps {
  rows: readonly IoEvent[];
  selected: number;
  width: number;
  height: number;
  color: boolean;
  emptyText: string;
  /** False in the drill-down, where every event is the same process. */
  withProcess?: boolean;
}

export function EventsView(props: EventsViewProps): React.JSX.Element {
  const { rows, selected, width, height, color, emptyText, withProcess = true } = props;
  return (
    <Table
      columns={eventColumns(withProcess)}
      rows={rows}
      rowKey={(_e, i) => i}
      width={width}
      height={height}
      selected={selected}
      emptyText={emptyText}
      rowColor={color ? (e) => (e.hasResult && e.result < 0 ? 'red' : undefined) : undefined}
    />
  );
}
