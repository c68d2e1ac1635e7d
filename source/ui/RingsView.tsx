/**
 * Rings (`5`): every io_uring ring of the processes seen, as /proc/<pid>/fdinfo/<ring fd> says:
 * SQ and CQ sizes and entries pending, CQEs on the overflow list, the SQPOLL thread (tid@cpu)
 * and its CPU, registered files and buffers. Live only: a recording holds no rings.
 */
import { Box, Text } from 'ink';
import { escape } from '../escape.js';
import { MAX_SCANNED } from '../proc/rings.js';
import { ringColumns, type RingRow } from '../render/ringColumns.js';
import { Table, type TableFrame } from './Table.js';
import { fit } from './text.js';

export interface RingsViewProps extends TableFrame {
  rows: readonly RingRow[];
  color: boolean;
  /** Processes whose rings could not be read, and why (shown under the table when room). */
  failures?: ReadonlyMap<number, string>;
  /** Processes whose descriptors were not all scanned for rings, and how many were not. */
  unscanned?: ReadonlyMap<number, number>;
}

const COLUMNS = ringColumns();

export function RingsView({ rows, color, failures, unscanned, ...frame }: RingsViewProps) {
  const notes = [
    ...[...(unscanned ?? [])].map(
      ([pid, n]) => ` PID ${pid}: ${n} fds past its first ${MAX_SCANNED} not scanned for rings`,
    ),
    ...[...(failures ?? [])].map(
      ([pid, why]) =>
        ` PID ${pid}: rings not readable (${why === 'denied' ? 'no access: run as root' : escape(why)})`,
    ),
  ];
  const room = Math.max(0, Math.min(notes.length, frame.height - 3));
  return (
    <Box flexDirection="column" width={frame.width}>
      <Table
        {...frame}
        height={frame.height - room}
        columns={COLUMNS}
        rows={rows}
        rowColor={color ? (r) => (r.overflow > 0 ? 'red' : undefined) : undefined}
      />
      {notes.slice(0, room).map((n) => (
        <Text key={n} wrap="truncate" dimColor>
          {fit(n, frame.width)}
        </Text>
      ))}
    </Box>
  );
}
