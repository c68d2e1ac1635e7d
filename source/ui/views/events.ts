/** Events (`3`): a live tail of the latest events, newest first (not sortable: it is in time order). */
import type { IoEvent } from '../../model/event.js';
import { OpcodeTable } from '../../model/opcodes.js';
import { isEmptyFilter, matchesFilter, type Filter } from '../../model/select.js';
import type { ViewSnapshot } from '../../proc/view.js';
import { eventColumns } from '../../render/columns.js';
import type { ViewSpec } from './spec.js';

/** The snapshot's buffered events that pass the filter, newest first. */
export function recentEvents(snap: ViewSnapshot, filter: Filter): IoEvent[] {
  const out: IoEvent[] = [];
  const empty = isEmptyFilter(filter);
  for (let i = snap.recent.length - 1; i >= 0; i--) {
    const e = snap.recent[i];
    if (empty || matchesFilter(e, filter)) out.push(e);
  }
  return out;
}

/** Names before the first snapshot brings the session's table. */
const NO_NAMES = new OpcodeTable();

/** A failed operation's event is red. */
export function eventColor(e: IoEvent): string | undefined {
  return e.hasResult && e.result < 0 ? 'red' : undefined;
}

export const events: ViewSpec<IoEvent> = {
  id: 'events',
  key: '3',
  title: 'Events',
  sort: { key: '', desc: true },
  columns: (_ui, snapshot) => eventColumns(true, snapshot?.opcodeNames ?? NO_NAMES),
  rows: (snapshot, _ui, filter) => ({ rows: recentEvents(snapshot, filter) }),
  summary: ({ rows }) => `latest ${rows.length} events`,
  unavailable: (info) =>
    info.eventKeeping === 'events off'
      ? 'events are off (--no-events): the other views count every operation, exactly'
      : undefined,
  emptyText: 'no events buffered yet',
  rowColor: eventColor,
};
