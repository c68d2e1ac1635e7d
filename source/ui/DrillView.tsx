/**
 * One process (Enter on the processes view): a summary line, its io_uring threads (live), its
 * per-opcode table, its hottest files (from the buffered events, named from /proc or the
 * recording's sidecar) and its recent events. Esc returns.
 */
import { cgroupName } from '../proc/cgroup.js';
import { Box, Text } from 'ink';
import type { DrillData } from './viewModel.js';
import { OpcodesView } from './OpcodesView.js';
import { EventsView } from './EventsView.js';
import type { TableFrame } from './Table.js';
import { escape } from '../escape.js';
import type { OpcodeNames } from '../model/opcodes.js';
import type { Diagnostics } from '../model/snapshot.js';
import { cell } from '../render/columns.js';
import { displayWidth, fit } from './text.js';
import { Table } from './Table.js';
import { fileColumns } from '../render/fileColumns.js';
import { threadsText } from '../render/procSummary.js';

export interface DrillViewProps extends TableFrame {
  data: DrillData;
  /** What the drill-down was opened on (its key), for the message when the process is gone. */
  drillKey?: string | number;
  color: boolean;
  /** The session's opcode names. */
  names: OpcodeNames;
  /** Defined: the diagnostics columns (`d`), of what the capture counts. */
  diag?: Diagnostics | null;
}

/**
 * The title: the process and its figures, most telling first (the rate, the total, the latency,
 * failures, how it submits, bytes), on one line where they fit `width`, else on two, each
 * figure whole.
 */
export function drillTitle(
  data: DrillData,
  drillKey: string | number | undefined,
  width = Infinity,
): string[] {
  const p = data.process;
  if (!p)
    return [
      ` process ${escape(String(drillKey ?? ''))} is gone (evicted or filtered) — Esc to go back`,
    ];
  const submits =
    p.opsPerSec > 0 && p.enterCallsPerSec === 0
      ? 'no io_uring_enter (SQPOLL)'
      : `enter ${cell.count(p.enterCallsPerSec)}/s ×${p.opsPerEnter.toFixed(1)}`;
  const parts = [
    `${cell.count(p.opsPerSec)} ops/s`,
    `total ${cell.count(p.total.ops)}`,
    `p99 ${cell.latency(p.window.p99Ns)}`,
    `err ${cell.count(p.window.errors)}`,
    `exp ${cell.count(p.window.expected)}`,
    submits,
    `rd ${cell.bytes(p.readBytesPerSec)}/s`,
    `wr ${cell.bytes(p.writeBytesPerSec)}/s`,
    // its names before an exec or a rename
    ...(p.formerComms.length > 0 ? [`was ${p.formerComms.map((c) => escape(c)).join(', ')}`] : []),
  ];
  const lines = [` PID ${p.pid} ${escape(p.comm)}`];
  for (const part of parts) {
    const last = lines.length - 1;
    if (displayWidth(`${lines[last]}  ${part}`) <= width || lines.length === 2)
      lines[last] += `  ${part}`;
    else lines.push(`   ${part}`);
  }
  // its cgroup whole (the short name first: its container, pod or unit)
  if (data.cgroup !== undefined)
    lines.push(` cgroup ${escape(cgroupName(data.cgroup))}: ${escape(data.cgroup)}`);
  return lines;
}

/** The threads line: `io_uring threads: 3 iou-wrk (max 3, CPU 0.0%), 1 iou-sqp (CPU 2.0%)`. */
export function threadsLine(data: DrillData): string | undefined {
  if (data.names !== 'live') return undefined;
  return data.threads
    ? ` io_uring threads: ${threadsText(data.threads)}`
    : ' io_uring threads: not read yet';
}

/** Most findings listed in the drill-down (one line each; the doctor view, 7, has them all). */
export const DRILL_FINDINGS = 3;

/** The process's findings, a line each: ` doctor WARN cq_overflow (ring 3): …`. */
export function findingLines(data: DrillData): string[] {
  const shown = data.findings
    .slice(0, DRILL_FINDINGS)
    .map(
      (f) =>
        ` doctor ${f.severity === 'warning' ? 'WARN' : 'info'} ${f.rule}` +
        `${f.opcode !== undefined ? ` ${f.opcode}` : f.ring !== undefined ? ` ring ${f.ring}` : ''}: ${escape(f.what)}`,
    );
  const more = data.findings.length - shown.length;
  if (more > 0) shown[shown.length - 1] += `  (+${more} more: 7)`;
  return shown;
}

/** Most file rows shown (header not counted). */
export const DRILL_FILES = 5;

/**
 * Lines for each part out of the body's height (its title lines taken first): the opcode table
 * gets what it needs up to half, the files up to DRILL_FILES rows, the events the rest.
 */
export function drillSplit(
  opcodeRows: number,
  height: number,
  fileRows = 0,
  extraLines = 0,
): { table: number; files: number; events: number } {
  const titles = 2 + extraLines + (fileRows > 0 ? 1 : 0); // title, events title, threads, files title
  const body = Math.max(0, height - titles);
  const table = Math.min(Math.max(2, opcodeRows + 1), Math.max(2, Math.ceil(body / 2)));
  const t = Math.min(table, body);
  const files = fileRows > 0 ? Math.min(fileRows, DRILL_FILES) + 1 : 0;
  const f = Math.min(files, Math.max(0, body - t - 2));
  return { table: t, files: f, events: Math.max(0, body - t - f) };
}

const FILE_COLUMNS = fileColumns();

export function DrillView({ data, drillKey, names, diag, ...frame }: DrillViewProps) {
  const { width, height } = frame;
  const threads = threadsLine(data);
  const title = drillTitle(data, drillKey, width);
  const doctor = findingLines(data);
  const extra = (threads ? 1 : 0) + title.length - 1 + doctor.length;
  const split = drillSplit(data.opcodes.length, height, data.files.length, extra);
  const origin =
    data.names === 'recorded' ? 'as recorded' : data.names === 'live' ? 'from /proc' : 'unknown';
  return (
    <Box flexDirection="column" width={width}>
      {title.map((line, i) => (
        <Text key={i} wrap="truncate" bold>
          {fit(line, width)}
        </Text>
      ))}
      {threads && (
        <Text wrap="truncate" color={frame.color && data.threads?.growing ? 'yellow' : undefined}>
          {fit(threads, width)}
        </Text>
      )}
      {doctor.map((line, i) => (
        <Text
          key={`doctor${i}`}
          wrap="truncate"
          color={frame.color && line.startsWith(' doctor WARN') ? 'red' : undefined}
        >
          {fit(line, width)}
        </Text>
      ))}
      <OpcodesView
        {...frame}
        rows={data.opcodes}
        height={split.table}
        emptyText="no operations"
        diag={diag}
      />
      {split.files > 0 && (
        <Text wrap="truncate" bold>
          {fit(
            ` hottest files (${data.files.length}; from the buffered events; names ${origin}; #N registered)`,
            width,
          )}
        </Text>
      )}
      {split.files > 0 && (
        <Table
          {...frame}
          columns={FILE_COLUMNS}
          rows={data.files.slice(0, DRILL_FILES)}
          selected={-1}
          sort={undefined}
          height={split.files}
        />
      )}
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
