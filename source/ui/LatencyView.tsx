/**
 * The latency panel (`l` on a process, an opcode, or an opcode of the drill-down): the row's
 * latencies since start by power of two of a microsecond, with count, share and a bar; its
 * percentiles; and its slowest buffered requests with every field, slowest first. ↑↓ move to
 * the next row of the table under it; Esc returns.
 */
import { Box, Text } from 'ink';
import { escape } from '../escape.js';
import type { OpcodeNames } from '../model/opcodes.js';
import type {
  LatencyDetail,
  LatencyGroup,
  OpcodeRow,
  ProcessOpcodeRow,
  ProcessRow,
} from '../model/snapshot.js';
import { cell } from '../render/columns.js';
import { EventsView } from './EventsView.js';
import type { TableFrame } from './Table.js';
import { fit } from './text.js';

/** The row the panel is of, as the table under it shows it. */
export type LatencyRow = ProcessRow | OpcodeRow | ProcessOpcodeRow;

export interface LatencyViewProps extends TableFrame {
  row?: LatencyRow;
  /** The snapshot's detail: shown when it is of `row` (a new row's arrives with the next tick). */
  detail?: LatencyDetail;
  nowUs: number;
  color: boolean;
  names: OpcodeNames;
  /** The display is frozen (`p`): a row picked since has no figures until it resumes. */
  paused?: boolean;
}

/** What the row is: `PID 42 fio`, `READ (every process)`, `PID 42 fio · READ`. */
export function latencyRowName(row: LatencyRow): string {
  if (row.kind === 'process') return `PID ${row.pid} ${escape(row.comm)}`;
  if (row.kind === 'opcode') return `${row.opName} (every process)`;
  return `PID ${row.pid} ${escape(row.comm)} · ${row.opName}`;
}

const us = (ns: number): string => String(ns / 1000);

/** A group's range: `<1µs`, `2-4µs`, `512µs-1.0ms`, `1.0ms-2.0ms`. */
export function groupLabel(g: LatencyGroup): string {
  if (g.lowNs === 0) return `<${g.highNs < 1e6 ? `${us(g.highNs)}µs` : cell.latency(g.highNs)}`;
  if (g.highNs <= 1e6) return `${us(g.lowNs)}-${us(g.highNs)}µs`;
  if (g.lowNs < 1e6) return `${us(g.lowNs)}µs-${cell.latency(g.highNs)}`;
  return `${cell.latency(g.lowNs)}-${cell.latency(g.highNs)}`;
}

/**
 * The groups in at most `lines` lines, a run of empty groups as one: while there are more, the two neighbours with the fewest
 * operations between them become one line (the faster pair on a tie). Where the operations are
 * keeps its detail, and every line is still one range of latencies.
 */
export function fitGroups(groups: readonly LatencyGroup[], lines: number): LatencyGroup[] {
  if (lines < 1) return [];
  // a run of empty groups is one line: the gap shows, in one line
  const out: LatencyGroup[] = [];
  for (const g of groups) {
    const last = out[out.length - 1];
    if (last && last.count === 0 && g.count === 0)
      out[out.length - 1] = { ...last, highNs: g.highNs };
    else out.push(g);
  }
  while (out.length > lines) {
    let at = 0;
    for (let i = 1; i + 1 < out.length; i++)
      if (out[i].count + out[i + 1].count < out[at].count + out[at + 1].count) at = i;
    out.splice(at, 2, {
      lowNs: out[at].lowNs,
      highNs: out[at + 1].highNs,
      count: out[at].count + out[at + 1].count,
    });
  }
  return out;
}

const LABEL = 13;

/** One histogram line: range, count, share of the total, and a bar scaled to the largest group. */
export function histogramLine(g: LatencyGroup, total: number, peak: number, width: number): string {
  const share = total > 0 ? `${((g.count / total) * 100).toFixed(1)}%` : '';
  const head = ` ${groupLabel(g).padStart(LABEL)} ${cell.count(g.count).padStart(7)} ${share.padStart(6)} `;
  const room = Math.max(0, width - head.length);
  const bar = peak > 0 && g.count > 0 ? Math.max(1, Math.round((g.count / peak) * room)) : 0;
  return fit(head + '█'.repeat(bar), width);
}

/** Narrowest terminal that takes the histogram in two columns. */
const TWO_COLUMNS = 76;

/**
 * The histogram's text in at most `lines` lines of `width`: one group a line while they fit;
 * past that, on a wide enough terminal, two columns (fastest down the left, then the right);
 * past that, neighbours merged (fitGroups).
 */
export function histogramLines(d: LatencyDetail, lines: number, width: number): string[] {
  if (lines < 1) return [];
  const twoCols = d.groups.length > lines && width >= TWO_COLUMNS;
  const groups = fitGroups(d.groups, twoCols ? lines * 2 : lines);
  const peak = groups.reduce((m, g) => Math.max(m, g.count), 0);
  if (!twoCols) return groups.map((g) => histogramLine(g, d.count, peak, width));
  const colWidth = Math.floor((width - 1) / 2);
  const rows = Math.ceil(groups.length / 2);
  const out: string[] = [];
  for (let i = 0; i < rows; i++) {
    const left = histogramLine(groups[i], d.count, peak, colWidth).padEnd(colWidth);
    const right = groups[rows + i];
    out.push(right ? `${left} ${histogramLine(right, d.count, peak, colWidth)}` : left);
  }
  return out;
}

/** Lines for the histogram and for the table of slowest events (its header line included). */
export function latencySplit(
  groups: number,
  height: number,
): { histogram: number; events: number } {
  const body = Math.max(0, height - 3); // title, percentiles, the slowest requests' title
  const histogram = Math.min(groups, Math.max(3, Math.ceil(body / 2)), body);
  return { histogram, events: Math.max(0, body - histogram) };
}

export function LatencyView({ row, detail, nowUs, names, paused, ...frame }: LatencyViewProps) {
  const { width, height } = frame;
  if (!row)
    return (
      <Text wrap="truncate">
        {fit(' the row is gone (evicted or filtered) — Esc to go back', width)}
      </Text>
    );
  const d = detail && detail.key === row.key ? detail : undefined;
  const title = ` latency of ${latencyRowName(row)}, since start`;
  if (!d)
    return (
      <Box flexDirection="column" width={width}>
        <Text wrap="truncate" bold>
          {fit(title, width)}
        </Text>
        <Text wrap="truncate">
          {fit(
            paused
              ? " the display is frozen: p resumes it, with this row's latencies"
              : ' reading its latencies…',
            width,
          )}
        </Text>
      </Box>
    );
  const [p50, p90, p99, p999] = d.percentilesNs;
  const pct =
    d.count === 0
      ? ' no operation with a latency yet'
      : ` ${cell.count(d.count)} ops  p50 ${cell.latency(p50)}  p90 ${cell.latency(p90)}  ` +
        `p99 ${cell.latency(p99)}  p99.9 ${cell.latency(p999)}  max ${cell.latency(d.maxNs)}`;
  const split = latencySplit(fitGroups(d.groups, Infinity).length, height);
  const histogram = histogramLines(d, split.histogram, width);
  const shown = Math.min(d.slowest.length, Math.max(0, split.events - 1));
  const buffered =
    d.bufferStartUs > 0
      ? ` (last ${Math.max(0, Math.round((nowUs - d.bufferStartUs) / 1e6))}s)`
      : '';
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate" bold>
        {fit(title, width)}
      </Text>
      <Text wrap="truncate">{fit(pct, width)}</Text>
      {histogram.map((line, i) => (
        <Text key={i} wrap="truncate">
          {line}
        </Text>
      ))}
      <Text wrap="truncate" bold>
        {fit(
          ` slowest ${shown} of its ${cell.count(d.considered)} buffered requests${buffered}, slowest first`,
          width,
        )}
      </Text>
      {split.events > 0 && (
        <EventsView
          {...frame}
          rows={d.slowest.slice(0, shown)}
          selected={-1}
          sort={undefined}
          height={split.events}
          emptyText="no buffered request of this row has a latency"
          names={names}
        />
      )}
    </Box>
  );
}
