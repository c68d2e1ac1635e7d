/**
 * The statistic columns the processes and opcodes tables share (the same title, width and
 * format for the same RowStats field), so both read and sort alike.
 */
import type { RowStats } from '../model/snapshot.js';
import type { Column } from './Table.js';
import { count, latency } from './fmt.js';

export function opsColumn<R extends RowStats>(): Column<R> {
  return {
    key: 'ops',
    title: 'OPS/s',
    width: 6,
    align: 'right',
    format: (r) => count(r.opsPerSec),
  };
}

const LATENCY = {
  avg: { title: 'AVG', ns: (r: RowStats) => r.avgNs },
  p50: { title: 'P50', ns: (r: RowStats) => r.p50Ns },
  p99: { title: 'P99', ns: (r: RowStats) => r.p99Ns },
  max: { title: 'MAX', ns: (r: RowStats) => r.maxNs },
} as const;

/** The chosen latency columns, in the order given, then ERR. */
export function latencyAndErrorColumns<R extends RowStats>(
  which: readonly (keyof typeof LATENCY)[],
): Column<R>[] {
  return [
    ...which.map((key): Column<R> => ({
      key,
      title: LATENCY[key].title,
      width: 6,
      align: 'right',
      format: (r) => latency(LATENCY[key].ns(r)),
    })),
    { key: 'err', title: 'ERR', width: 4, align: 'right', format: (r) => count(r.errors) },
  ];
}
