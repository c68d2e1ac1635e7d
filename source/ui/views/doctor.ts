/**
 * Doctor (`7`): the doctor's findings over the last 10 s (doctor/doctor.ts), worst first:
 * warnings, then infos, the heaviest first. Under the table, what to change for the first one;
 * the drill-down of a process lists its findings with theirs. In a replay, what the recording's
 * counts support (no rings, no threads). docs/doctor.md says what each rule means.
 */
import { worstFirst, type Finding } from '../../doctor/finding.js';
import { escape } from '../../escape.js';
import { matchesFilter, type Filter } from '../../model/select.js';
import { sortByColumn } from '../../render/columns.js';
import { findingColumns, findingPlace, wrap } from '../../render/findings.js';
import type { TuiSnapshot } from '../types.js';
import type { ViewSpec } from './spec.js';

const COLUMNS = findingColumns();

/** The findings of the snapshot that the filter's pid: and comm: take. */
export function findingRows(snap: TuiSnapshot | undefined, filter: Filter): Finding[] {
  const only = { pids: filter.pids, comms: filter.comms };
  return (snap?.findings ?? []).filter((f) => matchesFilter({ pid: f.pid, comm: f.comm }, only));
}

/** The findings of one process (the drill-down's), worst first. */
export function processFindings(snap: TuiSnapshot | undefined, pid: number): Finding[] {
  return (snap?.findings ?? []).filter((f) => f.pid === pid).sort(worstFirst);
}

/** What to change for the worst finding, wrapped to fit 80 columns. */
function fixNotes(snap: TuiSnapshot | undefined): string[] {
  const worst = [...(snap?.findings ?? [])].sort(worstFirst)[0];
  if (worst === undefined) return [];
  return [
    ...wrap(`${worst.rule}, ${findingPlace(worst)}: ${escape(worst.what)}`, 79, ' '),
    ...wrap(`fix: ${worst.fix}`, 79, ' '),
  ];
}

export const doctor: ViewSpec<Finding> = {
  id: 'doctor',
  key: '7',
  title: 'Doctor',
  sort: { key: 'severity', desc: true },
  columns: () => COLUMNS,
  rows: (snapshot: TuiSnapshot, ui, filter) => ({
    rows: sortByColumn(
      findingRows(snapshot, filter),
      COLUMNS,
      ui.sort.doctor.key,
      ui.sort.doctor.desc,
    ),
  }),
  rowKey: (f) => f.key,
  summary({ rows }) {
    const warnings = rows.filter((f) => f.severity === 'warning').length;
    return `${warnings} warnings, ${rows.length - warnings} notes (last 10 s)`;
  },
  emptyText: 'nothing to say: no rule has fired over the last 10 s (docs/doctor.md lists them)',
  rowColor: (f) => (f.severity === 'warning' ? 'red' : undefined),
  notes: fixNotes,
};
