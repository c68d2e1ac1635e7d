/**
 * The processes view's CGROUP column (`C` toggles it): each process's container, pod or unit
 * (proc/cgroup.ts: cgroupName), after its command name; `-` where its cgroup is not known.
 */
import type { ProcessRow } from '../model/snapshot.js';
import { cgroupName } from '../proc/cgroup.js';
import { nameColumn, type Column } from './columns.js';

/** `columns` with the CGROUP column after COMMAND, when there are cgroups to show. */
export function withCgroupColumn(
  columns: Column<ProcessRow>[],
  cgroups: ReadonlyMap<number, string> | undefined,
): Column<ProcessRow>[] {
  if (!cgroups) return columns;
  const name = (r: ProcessRow): string => {
    const path = cgroups.get(r.pid);
    return path === undefined ? '-' : cgroupName(path);
  };
  const column = nameColumn('cgroup', 'CGROUP', name, {
    width: 12,
    flex: 2,
    maxWidth: 40,
    minWidth: 8,
    drop: 2,
  });
  const at = columns.findIndex((c) => c.key === 'comm');
  return [...columns.slice(0, at + 1), column, ...columns.slice(at + 1)];
}
