/**
 * `--replay FILE --export trace`: the recording read row by row and written as a JSON Trace Event
 * trace (writer.ts), in pieces of about 64 KiB, so that memory stays the same whatever the size
 * of the recording (the counts beside it, a line a second, are read whole, as replay does).
 *
 * A window (`from`/`to`, seconds since the start as replay's clock shows it) and a filter (as the
 * TUI's `/`) cut a part out of a large recording: an operation is in it when its row (its
 * completion) is. Rows come in completion order, give or take the reader's slack, so the read
 * stops a minute of rows past the window's end.
 *
 * Counters come from the kernel's exact counts where the recording has whole ones (a process's
 * operations over each interval, over the interval's length), else from the rows, per second of
 * their completion. The trace's time 0 is the capture's start (its metadata), or replay's start
 * when that is earlier or unknown.
 */
import path from 'node:path';
import type { CountsDelta } from '../model/counts.js';
import { emptyEvent } from '../model/event.js';
import { IO_URING_ENTER, OpcodeTable } from '../model/opcodes.js';
import { isEmptyFilter, matchesFilter, type Filter } from '../model/select.js';
import { readFilesSidecar, type RecordedFiles } from '../proc/sidecar.js';
import { loadRecordedCounts } from '../record/countsFile.js';
import { CsvEventReader } from '../record/csvReader.js';
import { isoLocal, readSessionMeta, type SessionMeta } from '../record/meta.js';
import { DEFAULT_QUANTUM_US } from '../record/playback.js';
import { escape } from '../escape.js';
import { emptyTraceCounts, TraceWriter, type FileNamer, type TraceCounts } from './writer.js';

const SECOND_US = 1_000_000;
/** How far rows may go back in time (the reader's slack): the read goes this far past the end. */
const ORDER_SLACK_US = 60_000_000;
/** About this much text per piece handed out. */
const PIECE_CHARS = 64 * 1024;

export interface TraceExportOptions {
  lenient: boolean;
  /** Seconds since replay's start: rows before `fromSec` and from `toSec` on are left out. */
  fromSec?: number;
  toSec?: number;
  filter?: Filter;
}

/** What the export did, for its closing lines on stderr. */
export interface TraceSummary extends TraceCounts {
  rows: number;
  /** Rows in the window and through the filter. */
  exported: number;
  counters: 'recorded kernel counts' | 'events';
  notes: string[];
  skipped: number;
  truncatedLine: string | null;
}

/** Replay's start: the first row's or count's time, down to its clock's grid (record/playback.ts). */
function replayStartUs(firstRowUs: number, counts: readonly CountsDelta[] | undefined): number {
  const firstCount = counts && counts.length > 0 ? counts[0].tsUs : Number.NaN;
  const first = [firstRowUs, firstCount].filter((t) => Number.isFinite(t));
  if (first.length === 0) return 0;
  return Math.floor(Math.min(...first) / DEFAULT_QUANTUM_US) * DEFAULT_QUANTUM_US;
}

/** The name a files sidecar gives a row's fd at its time. */
function namer(files: RecordedFiles | undefined): FileNamer | undefined {
  if (files === undefined) return undefined;
  return (ev) => {
    if (ev.fd <= 0 && !ev.fixedFile) return undefined;
    return files.nameAt(ev.pid, ev.fd, ev.fixedFile, ev.tsUs)?.name ?? undefined;
  };
}

/**
 * The trace of a recording, in pieces (see the module comment). `summary` is filled as it goes
 * and whole once the last piece is out. Throws a one-line error (a recording that is not one).
 */
export async function* traceText(
  file: string,
  opts: TraceExportOptions,
  summary: TraceSummary,
): AsyncGenerator<string> {
  const notes = summary.notes;
  const meta = await readSessionMeta(file, (why) => notes.push(`metadata ${escape(why, 200)}`));
  const names = new OpcodeTable();
  for (const [name, code] of Object.entries(meta?.opcodeNames ?? {})) names.learn(code, name);
  let files: RecordedFiles | undefined;
  try {
    files = await readFilesSidecar(file);
  } catch (e) {
    notes.push(`${(e as Error).message}; the trace names no files`);
  }
  const loaded = await loadRecordedCounts(file, meta);
  if (loaded.note) notes.push(loaded.note);
  const counts = loaded.counts;
  summary.counters = counts ? 'recorded kernel counts' : 'events';
  const metaStartUs = meta ? Date.parse(meta.startedAt) * 1000 : Number.NaN;
  const endMs = meta?.endedAt ? Date.parse(meta.endedAt) : Number.NaN;
  const reader = await CsvEventReader.open(file, {
    lenient: opts.lenient,
    opcodes: names,
    span: Number.isFinite(metaStartUs)
      ? { startUs: metaStartUs, endUs: Number.isFinite(endMs) ? endMs * 1000 : null }
      : undefined,
  });
  try {
    const startUs = replayStartUs(reader.peekTsUs(), counts);
    const zeroUs = Number.isFinite(metaStartUs) ? Math.min(metaStartUs, startUs) : startUs;
    const fromUs = opts.fromSec === undefined ? -Infinity : startUs + opts.fromSec * SECOND_US;
    const toUs = opts.toSec === undefined ? Infinity : startUs + opts.toSec * SECOND_US;
    const writer = new TraceWriter({ names, zeroUs, fileName: namer(files) });
    yield head(file, meta, { zeroUs, startUs, opts, counters: summary.counters });
    let piece = '';
    if (counts) {
      for (const text of countedRates(writer, counts, { zeroUs, fromUs, toUs }, opts.filter))
        piece += text;
    }
    const rates = counts ? undefined : new RowRates(writer);
    const ev = emptyEvent();
    const filter = isEmptyFilter(opts.filter) ? undefined : opts.filter;
    const marks = files?.hasFixed ? files : undefined;
    reading: while (await reader.fill()) {
      while (reader.next(ev)) {
        summary.rows++;
        if (ev.tsUs >= toUs) {
          if (ev.tsUs >= toUs + ORDER_SLACK_US) break reading;
          continue;
        }
        if (ev.tsUs < fromUs || (filter && !matchesFilter(ev, filter))) continue;
        if (marks) ev.fixedFile = marks.isFixed(ev);
        summary.exported++;
        piece += writer.row(ev);
        if (rates && (ev.opcode & 255) !== IO_URING_ENTER)
          piece += rates.add(ev.pid, ev.comm, ev.tsUs);
        if (piece.length >= PIECE_CHARS) {
          yield piece;
          piece = '';
        }
      }
    }
    if (rates) piece += rates.end();
    yield `${piece}\n]}\n`;
    Object.assign(summary, writer.counts);
    summary.skipped = reader.stats.skipped;
    summary.truncatedLine = reader.stats.truncatedLine;
  } finally {
    reader.close();
  }
}

/** An empty summary, for traceText to fill. */
export function emptyTraceSummary(): TraceSummary {
  return {
    ...emptyTraceCounts(),
    rows: 0,
    exported: 0,
    counters: 'events',
    notes: [],
    skipped: 0,
    truncatedLine: null,
  };
}

/** The document's start: what the trace is of, then the opening of its events. */
function head(
  file: string,
  meta: SessionMeta | null,
  at: { zeroUs: number; startUs: number; opts: TraceExportOptions; counters: string },
): string {
  const other: Record<string, unknown> = {
    recording: escape(path.basename(file)),
    zero: isoLocal(new Date(at.zeroUs / 1000)),
    replay_start_us: at.startUs - at.zeroUs,
    counters_from: at.counters,
  };
  if (at.opts.fromSec !== undefined) other.from_seconds = at.opts.fromSec;
  if (at.opts.toSec !== undefined) other.to_seconds = at.opts.toSec;
  if (meta) {
    other.host = escape(meta.host, 256);
    other.kernel = escape(meta.kernel, 128);
    other.capture = escape(meta.captureTier, 200);
    if ((meta.eventSampling ?? 1) > 1)
      other.events_sampled = `about 1 in ${meta.eventSampling}: the spans are a sample; the counters are whole`;
  }
  return `{"displayTimeUnit":"ms","otherData":${JSON.stringify(other)},"traceEvents":[\n`;
}

/**
 * Counter samples from the kernel's counts: per interval in the window, each process's operations
 * through the filter (io_uring_enter calls apart) over the interval's length; 0 where a process
 * did nothing, and after the last interval. The first interval begins when the program did,
 * before its probes were all attached: its operations are over the time since the capture's start.
 */
function* countedRates(
  writer: TraceWriter,
  counts: readonly CountsDelta[],
  at: { zeroUs: number; fromUs: number; toUs: number },
  filter: Filter | undefined,
): Generator<string> {
  const { fromUs, toUs } = at;
  const busy = new Map<number, string>();
  let prevEnd = -Infinity;
  const idle = function* (atUs: number, except?: Map<number, number>): Generator<string> {
    for (const [pid, comm] of busy) if (!except?.has(pid)) yield writer.counter(pid, comm, atUs, 0);
  };
  for (const d of counts) {
    const begin = Math.max(d.tsUs - d.intervalUs, at.zeroUs);
    // (an interval that began before the window is shown from the window's start)
    const start = Math.max(begin, fromUs);
    if (d.tsUs <= fromUs || start >= toUs || d.tsUs <= begin) continue;
    if (prevEnd < start) yield* idle(prevEnd);
    const ops = new Map<number, number>();
    const comms = new Map<number, string>();
    for (const r of d.rows) {
      if ((r.opcode & 255) === IO_URING_ENTER) continue;
      if (filter && !matchesFilter(r, filter)) continue;
      ops.set(r.pid, (ops.get(r.pid) ?? 0) + r.ops);
      comms.set(r.pid, r.comm);
    }
    yield* idle(start, ops);
    busy.clear();
    for (const [pid, n] of ops) {
      busy.set(pid, comms.get(pid)!);
      yield writer.counter(pid, comms.get(pid)!, start, (n * SECOND_US) / (d.tsUs - begin));
    }
    prevEnd = d.tsUs;
  }
  yield* idle(prevEnd);
}

/**
 * Counter samples from the rows, per second of their completion (an operation in (S − 1 s, S]
 * counts in the second ending at S; a row older than its process's open second joins it, as
 * replay's per-second figures do).
 */
class RowRates {
  private readonly open = new Map<number, { comm: string; end: number; n: number }>();

  constructor(private readonly writer: TraceWriter) {}

  add(pid: number, comm: string, tsUs: number): string {
    const end = Math.ceil(tsUs / SECOND_US) * SECOND_US;
    const s = this.open.get(pid);
    if (s === undefined) {
      this.open.set(pid, { comm, end, n: 1 });
      return '';
    }
    s.comm = comm;
    if (end <= s.end) {
      s.n++;
      return '';
    }
    let text = this.writer.counter(pid, comm, s.end - SECOND_US, s.n);
    if (end > s.end + SECOND_US) text += this.writer.counter(pid, comm, s.end, 0);
    s.end = end;
    s.n = 1;
    return text;
  }

  /** The open seconds, then a 0 after each. */
  end(): string {
    let text = '';
    for (const [pid, s] of this.open) {
      text += this.writer.counter(pid, s.comm, s.end - SECOND_US, s.n);
      text += this.writer.counter(pid, s.comm, s.end, 0);
    }
    this.open.clear();
    return text;
  }
}
