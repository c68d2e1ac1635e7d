/**
 * Session metadata written beside each recording as `iouring_<stamp>.meta.json`. The CSV keeps the
 * seed's exact format; everything else a replay wants to show (host, kernel, capture tier, filters,
 * loss counters) lives here. Replay works without it.
 */
import os from 'node:os';
import path from 'node:path';
import { FIGURES, type Diagnostics, type Figure, type FigureKey } from '../model/figures.js';
import { DEFAULT_FILE_MODE, openOwnFile, writeFileAtomically } from './outputDir.js';
import { readRegularFile, RefusedFile } from './regularFile.js';

/**
 * 2: `startedAt`/`endedAt` span the capture itself (probes attached → stop asked), so a replay
 * takes the session's length from them. In version 1 they were the recorder's open and close,
 * seconds wider (bpftrace's start-up and shutdown), and are shown but not used for rates.
 */
export const META_FORMAT_VERSION = 2;

/** Metadata of one capture session. The capture side fills it; the recorder adds file and times. */
export interface SessionMeta {
  formatVersion: number;
  /** Base name of the CSV this file describes. */
  csvFile: string;
  host: string;
  /** `uname -r` of the traced machine. */
  kernel: string;
  /** `bpftrace --version` output, or null when unknown (e.g. a converted recording). */
  bpftraceVersion: string | null;
  /** Which capture tier ran (the capture side names them). */
  captureTier: string;
  /** The filters in force (pid, comm, opcode, …), as the capture side describes them. */
  filters: Record<string, unknown>;
  /** ISO 8601 times with the local offset; `endedAt` is null while the session runs. */
  startedAt: string;
  endedAt: string | null;
  /**
   * Events recorded in the CSV; events the kernel side lost (perf buffer full); events dropped
   * in user space (parse failures, queue overflow); io_uring CQ overflows observed. Read back,
   * null where the file's figure is not a count (negative, fractional, past 2^53, not a number):
   * unknown, never printed as `1e+308`.
   */
  events: number | null;
  lost: number | null;
  dropped: number | null;
  overflow: number | null;
  /**
   * Rows the recording could not write (the disk filled, or another write error), and why:
   * the CSV then holds `events` complete rows, which is all that was captured before that.
   */
  rowsNotWritten?: number;
  recordingError?: string;
  /**
   * Opcode names learned from the traced kernel that the built-in table may lack (name → code),
   * so that a replay elsewhere can still map them.
   */
  opcodeNames?: Record<string, number>;
  /**
   * The kernel's exact counts beside the events (countsFile.ts): the file's base name, the
   * intervals it holds, and whether it is whole (a replay uses it only then); when it is not,
   * why (`reason`) and since when (`at`, ISO 8601), where known.
   */
  counts?: SessionCounts;
  /**
   * Events recorded: 1 = every one the capture received, N = one in N (--sample N; under a budget,
   * about one in N: the counted events over those sent).
   */
  eventSampling?: number;
  /** Which events were sent: every one, up to a budget a second (a sample above), or 1 in N. */
  eventMode?: 'all' | 'budget' | 'sample';
  /** The budget, events a second (eventMode budget). */
  eventBudget?: number;
  /** Events the kernel sent, and those it counted (operations and io_uring_enter calls). */
  eventsSent?: number;
  eventsCounted?: number;
  /** Latencies were sampled (the histograms in the counts file are weighted estimates). */
  latencySampled?: boolean;
  /**
   * Rows of operations whose submission was not seen (no fd, offset, length or latency): in
   * flight when the capture started, or submitted after bpftrace took its submission probe off
   * as it stopped (--all-events records their completions all the same).
   */
  rowsWithoutSubmit?: number;
  /** Operations the kernel counted while the recording was open (IO_URING_ENTER apart). */
  operationsCounted?: number;
  /**
   * Which diagnostics the counts file holds (punted, poll, short, failed, links, overflow): a
   * replay shows the others as n/a. Absent in recordings made before they were counted.
   */
  diagnostics?: Diagnostics;
}

/** The `counts` field of the metadata. */
export interface SessionCounts {
  file: string;
  intervals: number;
  complete: boolean;
  reason?: string;
  at?: string;
}

/** What the caller provides; the recorder fills the rest. */
export type SessionMetaInit = Partial<Omit<SessionMeta, 'formatVersion' | 'csvFile'>>;

/** Host facts that cost nothing to gather: host name and kernel release. */
export function hostFacts(): Pick<SessionMeta, 'host' | 'kernel'> {
  return { host: os.hostname(), kernel: os.release() };
}

/** ISO 8601 in local time with the UTC offset, e.g. `2026-03-01T14:05:09.123+01:00`. */
export function isoLocal(date: Date): string {
  const off = -date.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${p(date.getFullYear(), 4)}-${p(date.getMonth() + 1)}-${p(date.getDate())}T` +
    `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}.${p(date.getMilliseconds(), 3)}` +
    `${sign}${p(Math.floor(abs / 60))}:${p(abs % 60)}`
  );
}

/**
 * The recorded session's length in µs, from its start and end times; undefined when the session
 * never ended cleanly (no `endedAt`), the times do not parse, or they predate format 2.
 */
export function sessionSpanUs(
  meta: Pick<SessionMeta, 'formatVersion' | 'startedAt' | 'endedAt'>,
): number | undefined {
  if (!meta.endedAt || meta.formatVersion < 2) return undefined;
  const start = Date.parse(meta.startedAt);
  const end = Date.parse(meta.endedAt);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return undefined;
  return (end - start) * 1000;
}

/**
 * One line for the replay's header: when the session ran (in the recording host's local time),
 * for how long, its events and losses, its capture filter and the bpftrace version (what matters
 * first: the end may not fit). Plain text; the UI strips control characters from it like from any
 * other text.
 */
export function describeRecording(meta: SessionMeta): string {
  const valid = (iso: string | null): iso is string =>
    iso !== null && Number.isFinite(Date.parse(iso));
  const at = (iso: string): string => iso.slice(0, 19).replace('T', ' ');
  const parts: string[] = [];
  if (!valid(meta.startedAt)) {
    parts.push('recording times unknown');
  } else if (!meta.endedAt) {
    parts.push(`recorded from ${at(meta.startedAt)}, never closed (cut short?)`);
  } else if (!valid(meta.endedAt) || Date.parse(meta.endedAt) < Date.parse(meta.startedAt)) {
    parts.push(`recorded from ${at(meta.startedAt)}, end time unknown`);
  } else {
    const sameDay = meta.endedAt.slice(0, 10) === meta.startedAt.slice(0, 10);
    const end = sameDay ? at(meta.endedAt).slice(11) : at(meta.endedAt);
    const seconds = (Date.parse(meta.endedAt) - Date.parse(meta.startedAt)) / 1000;
    parts.push(`recorded ${at(meta.startedAt)} → ${end} (${seconds.toFixed(1)} s)`);
  }
  // the count is written at close: an unclosed session's says nothing
  if (meta.endedAt) {
    const said = (n: number | null, what: string): string =>
      n === null ? `, ${what} unknown` : n > 0 ? `, ${n} ${what}` : '';
    parts.push(
      `${meta.events ?? 'unknown'} events${said(meta.lost, 'lost')}${said(meta.dropped, 'dropped')}`,
    );
  } else {
    parts.push('loss counts unknown');
  }
  const filter =
    typeof meta.filters.text === 'string' && meta.filters.text ? meta.filters.text : 'none';
  parts.push(`capture filter ${filter}`);
  if (meta.bpftraceVersion) parts.push(`bpftrace ${meta.bpftraceVersion}`);
  return parts.join('  ');
}

/** `…/iouring_X.csv` or `…/iouring_X.csv.gz` → `…/iouring_X.meta.json`. */
export function metaPathFor(csvPath: string): string {
  return sidecarPathFor(csvPath, '.meta.json');
}

/** A file beside a recording: `…/iouring_X.csv[.gz]` → `…/iouring_X<suffix>`. */
export function sidecarPathFor(csvPath: string, suffix: string): string {
  return `${csvPath.replace(/\.gz$/i, '').replace(/\.csv$/i, '')}${suffix}`;
}

/** The most a `.meta.json` may hold (iouringtop writes 4 KiB). */
export const META_MAX_BYTES = 1 << 20;

/**
 * A JSON file beside a recording, parsed: undefined when it cannot be read (there is none);
 * throws RefusedFile when it is not a regular file or holds more than `maxBytes`, and a
 * SyntaxError when it is not JSON.
 */
export async function readSidecarJson(file: string, maxBytes: number): Promise<unknown> {
  let text: string | undefined;
  try {
    text = await readRegularFile(file, maxBytes);
  } catch (err) {
    if (err instanceof RefusedFile) throw err;
    return undefined;
  }
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

export function buildSessionMeta(csvPath: string, init: SessionMetaInit, now: Date): SessionMeta {
  return {
    formatVersion: META_FORMAT_VERSION,
    csvFile: path.basename(csvPath),
    host: init.host ?? os.hostname(),
    kernel: init.kernel ?? os.release(),
    bpftraceVersion: init.bpftraceVersion ?? null,
    captureTier: init.captureTier ?? 'unknown',
    filters: init.filters ?? {},
    startedAt: init.startedAt ?? isoLocal(now),
    endedAt: init.endedAt ?? null,
    events: init.events ?? 0,
    lost: init.lost ?? 0,
    dropped: init.dropped ?? 0,
    overflow: init.overflow ?? 0,
    ...(init.opcodeNames ? { opcodeNames: init.opcodeNames } : {}),
    ...(init.counts ? { counts: init.counts } : {}),
    ...(init.eventSampling !== undefined ? { eventSampling: init.eventSampling } : {}),
    ...(init.operationsCounted !== undefined ? { operationsCounted: init.operationsCounted } : {}),
    ...(init.diagnostics ? { diagnostics: { ...init.diagnostics } } : {}),
    ...pick(init, ['eventMode', 'eventBudget', 'eventsSent', 'eventsCounted', 'latencySampled']),
    ...pick(init, ['rowsWithoutSubmit']),
  };
}

/** The fields of `from` named, those it has. */
function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Partial<T> {
  const out: Partial<T> = {};
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}

/**
 * The metadata file's size when first written: padded with spaces (JSON allows them) so that its
 * final version can be written over it in place, in the blocks it already has, when the disk is
 * full and a new file cannot be made.
 */
export const META_RESERVED_BYTES = 4096;

/**
 * Writes the metadata atomically (temporary file, then rename: outputDir.ts), so a crash never
 * leaves half.
 * When that cannot be done (a full disk), the temporary file is removed and the file is written
 * over in place, in the room reserved when it was made (`reserve`: pad it to that many bytes).
 */
export async function writeSessionMeta(
  metaPath: string,
  meta: SessionMeta,
  reserve = 0,
  mode = DEFAULT_FILE_MODE,
): Promise<void> {
  const json = `${JSON.stringify(meta, null, 2)}\n`;
  const text = json.length < reserve ? json + ' '.repeat(reserve - json.length - 1) + '\n' : json;
  try {
    await writeFileAtomically(metaPath, text, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOSPC' && code !== 'EDQUOT') throw err;
    const fh = await openOwnFile(metaPath).catch(() => undefined);
    if (!fh) throw err;
    try {
      const { size } = await fh.stat();
      // the same size as before, so no new block is needed (trailing spaces are still JSON)
      const inPlace = Buffer.byteLength(text) < size ? text.padEnd(size - 1) + '\n' : text;
      await fh.write(inPlace, 0, 'utf8');
      await fh.truncate(Buffer.byteLength(inPlace));
    } catch {
      throw err;
    } finally {
      await fh.close();
    }
  }
}

/**
 * The metadata beside a recording, or null when there is none or it is not readable as such.
 * Unknown fields are kept; missing ones get neutral defaults.
 */
export async function readSessionMeta(
  csvPath: string,
  /** Told why a metadata file that is there was not read (not a regular file, too big). */
  onRefused?: (why: string) => void,
): Promise<SessionMeta | null> {
  let raw: unknown;
  try {
    raw = await readSidecarJson(metaPathFor(csvPath), META_MAX_BYTES);
  } catch (err) {
    if (err instanceof RefusedFile) onRefused?.(err.message);
    return null; // refused, or not JSON
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  const str = (k: string, d: string) => (typeof r[k] === 'string' ? r[k] : d);
  // a count: absent is 0 (older files); anything but a whole number a counter can reach, unknown
  const count = (k: string): number | null => {
    const v = r[k] ?? 0;
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
  };
  const names =
    typeof r.opcodeNames === 'object' && r.opcodeNames !== null
      ? (r.opcodeNames as Record<string, number>)
      : undefined;
  return {
    formatVersion: typeof r.formatVersion === 'number' ? r.formatVersion : 1,
    csvFile: str('csvFile', path.basename(csvPath)),
    host: str('host', ''),
    kernel: str('kernel', ''),
    bpftraceVersion: typeof r.bpftraceVersion === 'string' ? r.bpftraceVersion : null,
    captureTier: str('captureTier', 'unknown'),
    filters:
      typeof r.filters === 'object' && r.filters !== null
        ? (r.filters as Record<string, unknown>)
        : {},
    startedAt: str('startedAt', ''),
    endedAt: typeof r.endedAt === 'string' ? r.endedAt : null,
    events: count('events'),
    lost: count('lost'),
    dropped: count('dropped'),
    overflow: count('overflow'),
    ...(names ? { opcodeNames: names } : {}),
    ...(typeof r.rowsNotWritten === 'number' ? { rowsNotWritten: r.rowsNotWritten } : {}),
    ...(typeof r.recordingError === 'string' ? { recordingError: r.recordingError } : {}),
    ...(countsOf(r.counts) ?? {}),
    ...(typeof r.eventSampling === 'number' &&
    Number.isInteger(r.eventSampling) &&
    r.eventSampling >= 1
      ? { eventSampling: r.eventSampling }
      : {}),
    ...(typeof r.operationsCounted === 'number' ? { operationsCounted: r.operationsCounted } : {}),
    ...(diagnosticsOf(r.diagnostics) ?? {}),
    ...(r.eventMode === 'all' || r.eventMode === 'budget' || r.eventMode === 'sample'
      ? { eventMode: r.eventMode }
      : {}),
    ...wholeNumbers(r, ['eventBudget', 'eventsSent', 'eventsCounted', 'rowsWithoutSubmit']),
    ...(typeof r.latencySampled === 'boolean' ? { latencySampled: r.latencySampled } : {}),
  };
}

/** Those of the fields named that are whole numbers from 0 to 2^53. */
function wholeNumbers(
  r: Record<string, unknown>,
  keys: readonly ('eventBudget' | 'eventsSent' | 'eventsCounted' | 'rowsWithoutSubmit')[],
): Partial<SessionMeta> {
  const out: Partial<SessionMeta> = {};
  for (const k of keys) {
    const v = r[k];
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) out[k] = v;
  }
  return out;
}

/** The `diagnostics` field, when it is well formed: every key a boolean. */
function diagnosticsOf(v: unknown): { diagnostics: Diagnostics } | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const d = v as Record<string, unknown>;
  // (a late figure came later: a recording without it did not count it)
  if (!FIGURES.every((f) => (f as Figure).late === true || typeof d[f.key] === 'boolean'))
    return undefined;
  const out = {} as Record<FigureKey, boolean>;
  for (const f of FIGURES) out[f.key] = d[f.key] === true;
  return { diagnostics: out };
}

/** The `counts` field, when it is well formed (a plain file name beside the recording). */
function countsOf(v: unknown): { counts: NonNullable<SessionMeta['counts']> } | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const c = v as Record<string, unknown>;
  if (
    typeof c.file !== 'string' ||
    c.file !== path.basename(c.file) ||
    !c.file.endsWith('.counts.jsonl')
  )
    return undefined;
  return {
    counts: {
      file: c.file,
      intervals: typeof c.intervals === 'number' ? c.intervals : 0,
      complete: c.complete === true,
      ...(typeof c.reason === 'string' ? { reason: c.reason } : {}),
      ...(typeof c.at === 'string' ? { at: c.at } : {}),
    },
  };
}
