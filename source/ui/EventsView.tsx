/** Events: a live tail of the latest events (newest first), all nine fields. */
import type { IoEvent } from '../model/event.js';
import type { OpcodeNames } from '../model/opcodes.js';
import { eventColumns } from '../render/columns.js';
import { Table, type TableFrame } from './Table.js';
import { eventColor } from './views/events.js';

export interface EventsViewProps extends TableFrame {
  rows: readonly IoEvent[];
  color: boolean;
  /** The session's opcode names. */
  names: OpcodeNames;
  /** False in the drill-down, where every event is the same process. */
  withProcess?: boolean;
}

export function EventsView({ rows, color, names, withProcess = true, ...frame }: EventsViewProps) {
  return (
    <Table
      {...frame}
      columns={eventColumns(withProcess, names)}
      rows={rows}
      rowColor={color ? eventColor : undefined}
    />
  );
}
