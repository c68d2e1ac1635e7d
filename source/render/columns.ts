/**
 * The column registry: every column of every table, defined once (key, title, width, alignment,
 * how its cell is formatted, what it sorts by and in which direction first). The TUI's views draw
 * from it, the key map steps through its sortable keys, the view model sorts by it, and the
 * headless summary takes its statistic columns from the same definitions (since-start figures
 * instead of the window's). bottom's sortable columns and below's per-field render config are
 * the models.
 *
 * (Over 400 lines: one registry is the point; the tables' widths sum to 80 columns each, which
 * is checked by reading them side by side.)
 */
import { errnoName } from '../model/errno.js';
import { FIGURE_KEYS, FIGURES, OPCODE_ROW_FIGURE_KEYS, type Figure } from '../model/figures.js';
import type { IoEvent } from '../model/event.js';
import type { OpcodeNames } from '../model/opcodes.js';
import type {
  DiagnosticKey,
  Diagnostics,
  ErrorDetailRow,
  OpcodeRow,
  ProcessOpcodeRow,
  ProcessRow,
  RowStats,
} from '../model/snapshot.js';
import { formatBytes, formatCount, formatLatencyNs, formatPercent } from '../format.js';
import { renderSparkline } from './sparkline.js';

export type Align = 'left' | 'right';

export interface Column<R> {
  /** Stable id: the sort key, and what marks the sorted column. */
  key: string;
  title: string;
  /** Width in cells at 80 columns (the minimum unless the column is flexible). */
  width: number;
  align?: Align;
  /** Share of spare width this column takes when the terminal is wider than the base layout. */
  flex?: number;
  /** A flexible column never grows past this. */
  maxWidth?: number;
  /** A flexible column may shrink down to this when the terminal is too narrow. */
  minWidth?: number;
  /**
   * Where the columns do not all fit: those with `drop` leave, the highest first, before any
   * other is narrowed below its width (Table.tsx: layoutColumns). Without: kept.
   */
  drop?: number;
  /** The cell text; `width` is the column's final width (sparklines draw to it). */
  format: (row: R, width: number) => string;
  /** What the column sorts by; a column without it cannot be sorted on. */
  sortBy?: (row: R) => number | string;
  /** Sorted ascending when first chosen (names, ids); numbers sort biggest first. */
  ascending?: boolean;
}

/**
 * The cell forms: "1.2K", "12.3 KiB" (as the summary writes them), "0" for zero bytes, "-" for no
 * latency.
 */
export const cell = {
  count: formatCount,
  bytes: (v: number): string => (v === 0 ? '0' : formatBytes(v)),
  latency: formatLatencyNs,
};

/**
 * A statistic every row kind has, in two forms: over the refresh window (the TUI) and since start
 * (the headless summary, the totals).
 */
interface Stat {
  key: string;
  title: string;
  summaryTitle: string;
  width: number;
  kind: 'count' | 'bytes' | 'latency';
  window: (r: RowStats) => number;
  total: (r: RowStats) => number;
}

const stat = (
  key: string,
  title: string,
  summaryTitle: string,
  width: number,
  kind: Stat['kind'],
  window: Stat['window'],
  total: Stat['total'],
): Stat => ({ key, title, summaryTitle, width, kind, window, total });

// prettier-ignore
const STATS = {
  ops: stat('ops', 'OPS/s', 'OPS', 6, 'count', (r) => r.opsPerSec, (r) => r.total.ops),
  read: stat('read', 'RD B/s', 'READ', 8, 'bytes', (r) => r.readBytesPerSec, (r) => r.total.read),
  write: stat('write', 'WR B/s', 'WRITTEN', 8, 'bytes', (r) => r.writeBytesPerSec, (r) => r.total.write),
  bytes: stat('bytes', 'BYTES/s', 'BYTES', 8, 'bytes', (r) => r.readBytesPerSec + r.writeBytesPerSec, (r) => r.total.read + r.total.write),
  avg: stat('avg', 'AVG', 'AVG', 6, 'latency', (r) => r.window.avgNs, (r) => r.total.avgNs),
  p50: stat('p50', 'P50', 'P50', 6, 'latency', (r) => r.window.p50Ns, (r) => r.total.p50Ns),
  p99: stat('p99', 'P99', 'P99', 6, 'latency', (r) => r.window.p99Ns, (r) => r.total.p99Ns),
  max: stat('max', 'MAX', 'MAX', 6, 'latency', (r) => r.window.maxNs, (r) => r.total.maxNs),
  err: stat('err', 'ERR', 'ERRORS', 4, 'count', (r) => r.window.errors, (r) => r.total.errors),
  exp: stat('exp', 'EXP', 'EXPECTED', 4, 'count', (r) => r.window.expected, (r) => r.total.expected),
};

export type StatKey = keyof typeof STATS;

function formatStat(kind: Stat['kind'], v: number, dense: boolean): string {
  if (kind === 'latency') return formatLatencyNs(v);
  if (kind === 'bytes') return dense ? cell.bytes(v) : formatBytes(v);
  return formatCount(v);
}

/** The TUI columns of these statistics (window figures), sortable, biggest first. */
export function statColumns<R extends RowStats>(keys: readonly StatKey[]): Column<R>[] {
  return keys.map((k): Column<R> => {
    const s: Stat = STATS[k];
    return {
      key: s.key,
      title: s.title,
      width: s.width,
      align: 'right',
      format: (r) => formatStat(s.kind, s.window(r), true),
      sortBy: s.window,
    };
  });
}

/** The summary's header and cells for these statistics (since-start figures). */
export function summaryStats(keys: readonly StatKey[]): {
  titles: string[];
  cells: (r: RowStats) => string[];
} {
  const stats: Stat[] = keys.map((k) => STATS[k]);
  return {
    titles: stats.map((s) => s.summaryTitle),
    cells: (r) => stats.map((s) => formatStat(s.kind, s.total(r), false)),
  };
}

/**
 * A diagnostic (figures.ts): the share of operations (punted, poll: the figure that says whether
 * a ring does its work inline) or a count (the rest: any at all is worth a look). Not counted by
 * this capture: `n/a`, and sorted lowest.
 */
type Diag = Figure['column'] & { key: DiagnosticKey };

/** Each diagnostic's column, from the figures' registry. */
export const DIAGS: Readonly<Record<DiagnosticKey, Diag>> = Object.fromEntries(
  FIGURES.map((f) => [f.key, { key: f.key, ...f.column }]),
) as Record<DiagnosticKey, Diag>;

/** The text of a diagnostic `n` of `ops` operations: a share, a count, or n/a. */
export function diagText(d: Diag, n: number, ops: number, counted: boolean): string {
  if (!counted) return 'n/a';
  if (d.share) return ops > 0 ? formatPercent(n, ops) : n > 0 ? formatCount(n) : '-';
  return formatCount(n);
}

/** What a diagnostic column sorts by: the share or the count; NaN (lowest) when not counted. */
function diagValue(d: Diag, r: RowStats, counted: boolean, total: boolean): number {
  if (!counted) return Number.NaN;
  const f = total ? r.total : r.window;
  const n = f[d.key];
  if (!d.share) return n;
  const ops = f.ops;
  // (a punt counted before its completion: the share of none is the highest)
  return ops > 0 ? n / ops : n > 0 ? Infinity : 0;
}

/**
 * The TUI columns of these diagnostics, sortable, biggest first: since start, like the columns
 * beside them in that table (an overflow a minute ago still matters).
 */
export function diagColumns<R extends RowStats>(
  keys: readonly DiagnosticKey[],
  counted: Diagnostics | null,
): Column<R>[] {
  return keys.map((k): Column<R> => {
    const d = DIAGS[k];
    const ok = counted !== null && counted[d.key] === true;
    return {
      key: d.key,
      title: d.title,
      width: d.width,
      align: 'right',
      format: (r) => diagText(d, r.total[d.key], r.total.ops, ok),
      sortBy: (r) => diagValue(d, r, ok, true),
      ...(d.drop !== undefined ? { drop: d.drop } : {}),
    };
  });
}

/** Since-start statistic columns for the diagnostics tables (OPS: operations, not a rate). */
function totalColumns<R extends RowStats>(keys: readonly StatKey[]): Column<R>[] {
  return keys.map((k): Column<R> => {
    const s: Stat = STATS[k];
    return {
      key: s.key,
      title: k === 'ops' ? 'OPS' : s.title,
      width: s.width,
      align: 'right',
      format: (r) => formatStat(s.kind, s.total(r), true),
      sortBy: s.total,
    };
  });
}

/** The summary's header and cells for these diagnostics (since start: a count, and a share). */
export function summaryDiags(
  keys: readonly DiagnosticKey[],
  counted: Diagnostics | null,
): { titles: string[]; cells: (r: RowStats) => string[] } {
  const ds = keys.map((k) => DIAGS[k]);
  return {
    titles: ds.map((d) => d.summaryTitle),
    cells: (r) =>
      ds.map((d) => {
        if (counted === null || !counted[d.key]) return 'n/a';
        const n = r.total[d.key];
        return d.share && n > 0
          ? `${formatCount(n)} (${formatPercent(n, r.total.ops)})`
          : formatCount(n);
      }),
  };
}

/** Operations submitted per io_uring_enter call, since start: `-` without calls (SQPOLL). */
const batchOf = (r: ProcessRow): number =>
  r.totalEnterCalls > 0 ? r.totalEnterSubmitted / r.totalEnterCalls : 0;
const batchColumn: Column<ProcessRow> = {
  key: 'batch',
  title: 'BATCH',
  width: 5,
  align: 'right',
  format: (r) => (r.totalEnterCalls > 0 ? formatCount(batchOf(r)) : '-'),
  sortBy: batchOf,
};

type Layout = Pick<Column<unknown>, 'width' | 'align' | 'flex' | 'maxWidth' | 'minWidth' | 'drop'>;

/** A column of names or ids: shown as they are, sorted on them, ascending when first chosen. */
export function nameColumn<R>(
  key: string,
  title: string,
  value: (r: R) => string | number,
  layout: Layout,
): Column<R> {
  return { key, title, ...layout, format: (r) => String(value(r)), sortBy: value, ascending: true };
}

/**
 * A right-aligned figure, biggest first: `-` (sorted lowest) where the row has none, `text` (a
 * count, "1.2K", by default) where it has.
 */
export function numberColumn<R>(
  key: string,
  title: string,
  width: number,
  value: (r: R) => number | undefined,
  text: (v: number) => string = formatCount,
): Column<R> {
  return {
    key,
    title,
    width,
    align: 'right',
    format: (r) => {
      const v = value(r);
      return v === undefined ? '-' : text(v);
    },
    sortBy: (r) => value(r) ?? -1,
  };
}

/**
 * The COMMAND column of the process tables: what a user reads first after the pid, never
 * narrower than 12 (a 15-byte name loses 3 at most), up to 16.
 */
const COMMAND: Layout = { width: 12, flex: 2, maxWidth: 16, minWidth: 12 };

/**
 * Processes: one row per process. Width goes to what a user reads first: the command (12 at
 * least), then the figures, then the sparkline. Where they do not all fit (80 columns), the
 * sparkline goes first (it is never drawn narrower than 8), then TOP, then MAX: at 80 columns
 * every figure but the sparkline shows, and with the thread columns (WRK, SQP%) all but TOP and
 * MAX.
 */
export function processColumns(sparkScale: number): Column<ProcessRow>[] {
  return [
    nameColumn('pid', 'PID', (r) => r.pid, { width: 7, align: 'right' }),
    nameColumn('comm', 'COMMAND', (r) => r.comm, COMMAND),
    ...statColumns<ProcessRow>(['ops', 'read', 'write', 'avg', 'p99', 'max', 'err']).map((c) =>
      c.key === 'max' ? { ...c, drop: 1 } : c,
    ),
    nameColumn('top', 'TOP', (r) => r.topOpName, {
      width: 5,
      flex: 1,
      maxWidth: 14,
      minWidth: 4,
      drop: 2,
    }),
    {
      key: 'spark',
      title: 'OPS 1m',
      width: 8,
      flex: 6,
      maxWidth: 60,
      minWidth: 8,
      drop: 3,
      format: (r, w) => renderSparkline(r.series.opsPerSec, w, sparkScale),
    },
  ];
}

/**
 * Processes, with the diagnostics instead of the rates and latencies (`d`), every figure since
 * start; `counted` says which the capture counts (null: none known). Widths sum to 80 columns.
 */
export function processDiagColumns(counted: Diagnostics | null): Column<ProcessRow>[] {
  return [
    nameColumn('pid', 'PID', (r) => r.pid, { width: 7, align: 'right' }),
    nameColumn('comm', 'COMMAND', (r) => r.comm, COMMAND),
    ...totalColumns<ProcessRow>(['ops']),
    ...diagColumns<ProcessRow>(FIGURE_KEYS, counted),
    batchColumn,
    ...totalColumns<ProcessRow>(['err']),
    // (the first to go where 80 columns cannot hold it)
    nameColumn('top', 'TOP', (r) => r.topOpName, { width: 6, flex: 1, maxWidth: 14, drop: 1 }),
  ];
}

/**
 * Opcodes (and the drill-down's), with the diagnostics instead of the rates and latencies, since
 * start. Overflows are a ring's, not an opcode's: they show on the IO_URING_ENTER row.
 */
export function opcodeDiagColumns(counted: Diagnostics | null): Column<OpRow>[] {
  const layout = { width: 21, flex: 1, maxWidth: 24, minWidth: 8 };
  return [
    nameColumn<OpRow>('opcode', 'OPCODE', (r) => r.opName, layout),
    ...totalColumns<OpRow>(['ops']),
    ...diagColumns<OpRow>(OPCODE_ROW_FIGURE_KEYS, counted),
    ...totalColumns<OpRow>(['err', 'exp', 'p99']),
  ];
}

/** The opcode table serves the opcodes view and the drill-down (whose rows have no history). */
export type OpRow = OpcodeRow | ProcessOpcodeRow;
export type SparkMetric = 'p99' | 'ops';

export function sparkHistory(r: OpRow, metric: SparkMetric): ArrayLike<number> {
  if (r.kind !== 'opcode') return [];
  return metric === 'p99' ? r.series.p99Ns : r.series.opsPerSec;
}

/**
 * Opcodes (and the drill-down's opcodes of one process, `metric` undefined: no sparkline). The
 * OPCODE column is wide enough for IO_URING_ENTER and ends at 24 (the figures stay beside the
 * names); at 80 columns the sparkline takes what is left (14), and goes below 8.
 */
export function opcodeColumns(
  metric: SparkMetric | undefined,
  sparkScale: number,
): Column<OpRow>[] {
  const layout = { width: 14, flex: 1, maxWidth: metric ? 18 : 24, minWidth: 14 };
  const opcode = nameColumn<OpRow>('opcode', 'OPCODE', (r) => r.opName, layout);
  const stats = statColumns<OpRow>(['ops', 'bytes', 'avg', 'p50', 'p99', 'max', 'err']);
  if (!metric) return [opcode, ...stats];
  return [
    opcode,
    ...stats,
    {
      key: 'spark',
      title: metric === 'p99' ? 'P99 1m (s)' : 'OPS/s 1m (s)',
      width: 14,
      flex: 4,
      maxWidth: 60,
      minWidth: 8,
      drop: 1,
      format: (r, w) => renderSparkline(sparkHistory(r, metric), w, sparkScale),
    },
  ];
}

/**
 * The Errors view: results by errno per process and opcode. KIND says whether the result is a
 * failure or what the operation is for (errno.ts: isExpectedError); NOW counts the window, TOTAL
 * since start, INIT those that failed before being issued (io_uring_req_failed). 80 columns.
 */
export function errorColumns(): Column<ErrorDetailRow>[] {
  return [
    nameColumn('pid', 'PID', (r) => r.pid, { width: 7, align: 'right' }),
    nameColumn('comm', 'COMMAND', (r) => r.comm, { width: 13, flex: 2, maxWidth: 16, minWidth: 6 }),
    nameColumn('opcode', 'OPCODE', (r) => r.opName, {
      width: 12,
      flex: 1,
      maxWidth: 18,
      minWidth: 6,
    }),
    nameColumn('errno', 'ERRNO', (r) => r.name, { width: 15, flex: 1, maxWidth: 22, minWidth: 6 }),
    {
      key: 'kind',
      title: 'KIND',
      width: 8,
      format: (r) => (r.expected ? 'expected' : 'failure'),
      sortBy: (r) => (r.expected ? 1 : 0),
      ascending: true,
    },
    numberColumn('count', 'NOW', 5, (r) => r.count),
    numberColumn('total', 'TOTAL', 7, (r) => r.total),
    numberColumn('init', 'INIT', 5, (r) => r.failedInit),
  ];
}

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
  return plain.length <= width ? plain : cell.bytes(v);
}

/** The result: bytes, or `-EAGAIN` for a negative errno; blank when the event has none. */
export function resultText(e: IoEvent, width: number): string {
  if (!e.hasResult) return '';
  if (e.result < 0) return `-${errnoName(e.result)}`;
  return amount(e.result, width) || '0';
}

/**
 * Events: all nine fields, newest first (not sortable: a tail is in time order); below 88
 * columns, with the process, all but the offset.
 */
export function eventColumns(withProcess: boolean, names: OpcodeNames): Column<IoEvent>[] {
  const cols: Column<IoEvent>[] = [
    {
      key: 'time',
      title: 'TIME',
      width: 12,
      flex: 1,
      maxWidth: 15,
      minWidth: 12,
      format: (e, w) => eventTime(e.tsUs, w),
    },
    { key: 'pid', title: 'PID', width: 7, align: 'right', format: (e) => String(e.pid) },
    { key: 'comm', title: 'COMM', ...COMMAND, format: (e) => e.comm },
    {
      key: 'opcode',
      title: 'OPCODE',
      width: 14,
      flex: 2,
      maxWidth: 16,
      minWidth: 14,
      format: (e) => names.name(e.opcode),
    },
    {
      key: 'fd',
      title: 'FD',
      width: 5,
      align: 'right',
      // a registered-file index is `#N`, never a bare number (index 0 included)
      format: (e) => (e.fixedFile ? `#${e.fd}` : e.fd === 0 ? '' : String(e.fd)),
    },
    {
      // (below 88 columns, with the command and the opcode whole, the offset is left out)
      key: 'offset',
      title: 'OFFSET',
      width: 8,
      flex: 1,
      maxWidth: 14,
      minWidth: 8,
      drop: 1,
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
      minWidth: 8,
      align: 'right',
      format: resultText,
    },
    {
      key: 'latency',
      title: 'LAT',
      width: 6,
      align: 'right',
      format: (e) => (e.latencyNs > 0 ? formatLatencyNs(e.latencyNs) : ''),
    },
  ];
  return withProcess ? cols : cols.filter((c) => c.key !== 'pid' && c.key !== 'comm');
}

/** The keys of a table's sortable columns, in screen order (what `<` and `>` step through). */
export function sortKeys<R>(columns: readonly Column<R>[]): string[] {
  return columns.filter((c) => c.sortBy !== undefined).map((c) => c.key);
}

/** Whether a column sorts ascending when first chosen. */
export function ascendingFirst<R>(columns: readonly Column<R>[], key: string): boolean {
  return columns.find((c) => c.key === key)?.ascending ?? false;
}

/**
 * The rows sorted on one column, a new array; equal values keep their input order, so the order
 * is stable across ticks. Numbers compare numerically (NaN lowest), strings by code unit. An
 * unknown key leaves the order as it is.
 */
export function sortByColumn<R>(
  rows: readonly R[],
  columns: readonly Column<R>[],
  key: string,
  desc: boolean,
): R[] {
  const by = columns.find((c) => c.key === key)?.sortBy;
  if (!by) return rows.slice();
  const sign = desc ? -1 : 1;
  return rows
    .map((row, i) => ({ row, i, v: by(row) }))
    .sort((a, b) => {
      const c = compareValues(a.v, b.v);
      return c !== 0 ? sign * c : a.i - b.i;
    })
    .map((x) => x.row);
}

function compareValues(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') {
    const x = Number.isNaN(a) ? -Infinity : a;
    const y = Number.isNaN(b) ? -Infinity : b;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const s = String(a);
  const t = String(b);
  return s < t ? -1 : s > t ? 1 : 0;
}
