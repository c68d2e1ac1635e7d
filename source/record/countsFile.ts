/**
 * The kernel's exact counts, recorded beside the events: `iouring_<stamp>.counts.jsonl`, one JSON
 * line per interval (about a second) in which anything happened:
 *
 *   {"t":<end µs since the epoch>,"i":<interval µs>,"r":[[pid,"comm",opcode,ops,read,write,
 *     errors,submitted,[errno,n,…],[latency ns,n,…]],…]}
 *
 * A row with diagnostics has an eleventh field, [punted,poll,short,links,overflow,failed,
 * [errno,n,…],other]: each counted figure at its place (model/figures.ts: `counts`), the fields
 * of figures counted later (`late`) absent in older files (see OpCounts; the metadata's
 * `diagnostics` says which were counted at all).
 *
 * Latencies are the middle of their bucket in nanoseconds, not bucket numbers, so the file does
 * not depend on how a build buckets them. A replay that has this file takes every figure from it,
 * as the live view did: the numbers stay exact when events were lost or sampled, and the replay
 * shows what the live view showed.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { escape } from '../escape.js';
import type { CountsDelta, OpCounts } from '../model/counts.js';
import {
  COUNTS_FIELDS,
  COUNTS_REQUIRED_FIELDS,
  FIGURE_KEYS,
  FIGURES,
  type Figure,
} from '../model/figures.js';
import { bucketOf, bucketValue } from '../model/histogram.js';
import { sidecarPathFor, type SessionMeta } from './meta.js';
import { createExclusive, DEFAULT_FILE_MODE } from './outputDir.js';
import { readRegularFile } from './regularFile.js';

/** `…/iouring_X.csv[.gz]` → `…/iouring_X.counts.jsonl`. */
export function countsPathFor(csvPath: string): string {
  return sidecarPathFor(csvPath, '.counts.jsonl');
}

export function formatCountsLine(d: CountsDelta): string {
  const rows = d.rows.map((r) => {
    const lat: number[] = [];
    for (let i = 0; i + 1 < r.latency.length; i += 2)
      lat.push(bucketValue(r.latency[i]), r.latency[i + 1]);
    const row: unknown[] = [
      r.pid,
      r.comm,
      r.opcode,
      r.ops,
      r.read,
      r.write,
      r.errors,
      r.submitted,
      r.errnos,
      lat,
    ];
    if (hasDiagnostics(r)) row.push(diagnosticsField(r));
    return row;
  });
  return `${JSON.stringify({ t: d.tsUs, i: d.intervalUs, r: rows })}\n`;
}

function hasDiagnostics(r: OpCounts): boolean {
  let sum = 0;
  for (const k of FIGURE_KEYS) sum += r[k] ?? 0;
  return sum > 0;
}

/** The figures at their places in a row's diagnostics field (figures.ts: `counts`). */
function diagnosticsField(r: OpCounts): unknown[] {
  const out: unknown[] = new Array<unknown>(COUNTS_FIELDS);
  for (const f of FIGURES) {
    out[f.counts.field] = r[f.key] ?? 0;
    const errnos = (f as Figure).counts.errnosField;
    if (errnos !== undefined) out[errnos] = r.failedErrnos ?? [];
  }
  return out;
}

/**
 * A row's diagnostics field back into figures; a string saying what is wrong. The fields of
 * late figures may be absent (files from before them): none, and left out when 0.
 */
function parseDiagnostics(diag: unknown): Partial<OpCounts> | string {
  if (!Array.isArray(diag) || diag.length < COUNTS_REQUIRED_FIELDS || diag.length > COUNTS_FIELDS)
    return 'a row has a bad diagnostics field';
  const out: Partial<OpCounts> = {};
  for (const f of FIGURES) {
    const v: unknown = f.counts.field < diag.length ? diag[f.counts.field] : 0;
    if (!isCount(v)) return 'a row has a diagnostic out of range';
    if ((f as Figure).late !== true || v !== 0) out[f.key] = v;
    const errnosAt = (f as Figure).counts.errnosField;
    if (errnosAt !== undefined) {
      const errnos: unknown = diag[errnosAt];
      if (!isPairs(errnos)) return 'a row has a diagnostic out of range';
      out.failedErrnos = errnos;
    }
  }
  return out;
}

const isCount = (v: unknown): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isPairs = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length % 2 === 0 && v.every(isCount);

/** One line back into a delta; a string saying what is wrong when it is not one. */
export function parseCountsLine(line: string): CountsDelta | string {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  const o = raw as { t?: unknown; i?: unknown; r?: unknown };
  if (
    typeof raw !== 'object' ||
    raw === null ||
    !isCount(o.t) ||
    !isCount(o.i) ||
    !Array.isArray(o.r)
  )
    return 'not an interval ({"t","i","r"})';
  const rows: OpCounts[] = [];
  for (const r of o.r as unknown[]) {
    if (!Array.isArray(r) || (r.length !== 10 && r.length !== 11))
      return 'a row is not 10 or 11 fields';
    const [pid, comm, opcode, ops, read, write, errors, submitted, errnos, lat, diag] =
      r as unknown[];
    if (
      !isCount(pid) ||
      pid > 4194304 ||
      typeof comm !== 'string' ||
      comm.length > 64 ||
      !isCount(opcode) ||
      opcode > 255 ||
      ![ops, read, write, errors, submitted].every(isCount) ||
      !isPairs(errnos) ||
      !isPairs(lat)
    )
      return 'a row has a field out of range';
    const d = diag === undefined ? {} : parseDiagnostics(diag);
    if (typeof d === 'string') return d;
    const latency: number[] = [];
    for (let i = 0; i < lat.length; i += 2) latency.push(bucketOf(lat[i]), lat[i + 1]);
    rows.push({
      pid,
      comm,
      opcode,
      ops: ops as number,
      read: read as number,
      write: write as number,
      errors: errors as number,
      submitted: submitted as number,
      errnos,
      latency,
      ...d,
    });
  }
  return { tsUs: o.t, intervalUs: o.i, rows };
}

/**
 * The most a counts file may hold: a line a second, a few KiB each (the demo's 76 s: 430 KiB), so
 * about a day of a busy machine.
 */
export const COUNTS_MAX_BYTES = 256 << 20;

/** Reads a whole counts file (it is small: a line a second); throws a one-line error. */
export async function readCountsFile(
  file: string,
  maxBytes = COUNTS_MAX_BYTES,
): Promise<CountsDelta[]> {
  const text = await readRegularFile(file, maxBytes);
  if (text === undefined) throw new Error(`${path.basename(file)}: no such file`);
  const out: CountsDelta[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    if (lines[n].length === 0) continue;
    const d = parseCountsLine(lines[n]);
    if (typeof d === 'string') throw new Error(`${file} line ${n + 1}: ${d}`);
    if (out.length > 0 && d.tsUs < out[out.length - 1].tsUs)
      throw new Error(`${file} line ${n + 1}: goes back in time`);
    out.push(d);
  }
  return out;
}

/**
 * The counts recorded beside a recording, when its metadata says they are whole: every figure
 * then comes from them, as it did live. Otherwise the figures come from the events, and `note`
 * says why, when there was a counts file (none: neither is set).
 */
export async function loadRecordedCounts(
  csvPath: string,
  meta: SessionMeta | null,
): Promise<{ counts?: CountsDelta[]; note?: string }> {
  const c = meta?.counts;
  if (!c) return {};
  if (!c.complete) {
    const why = c.reason ? `: ${escape(c.reason, 200)}${c.at ? ` (${escape(c.at, 40)})` : ''}` : '';
    return {
      note: `the counts beside this recording are incomplete (${escape(c.file, 100)}${why}): figures come from its events`,
    };
  }
  let counts: CountsDelta[];
  try {
    counts = await readCountsFile(path.join(path.dirname(csvPath), c.file));
  } catch (e) {
    return {
      note: `cannot use the counts beside this recording (${escape((e as Error).message, 200)}): figures come from its events`,
    };
  }
  // Every row is an event the kernel counted: counts that stand for fewer events than the rows
  // are not whole, whatever the metadata says (a capture cut short before its last counts).
  let counted = 0;
  for (const d of counts) for (const r of d.rows) counted += r.ops;
  // (the metadata's count of rows: unknown when it was never closed, or is not a count)
  const rows = meta?.endedAt ? (meta.events ?? 0) : 0;
  if (counted < rows)
    return {
      note: `the counts beside this recording (${escape(c.file, 100)}) stand for ${counted} events, fewer than its ${rows} rows: they are not whole; figures come from its events`,
    };
  return { counts };
}

/**
 * Appends intervals to the counts file, one write each (a line a second: no batching needed),
 * in order. After a write fails, nothing more is written and `error` says why.
 */
export class CountsWriter {
  private chain: Promise<void> = Promise.resolve();
  /** Intervals known to be on disk. */
  written = 0;
  error: unknown;

  private constructor(
    readonly path: string,
    private readonly fh: fsp.FileHandle,
  ) {}

  /** Makes the file (exclusively, never through a link: outputDir.ts), with `mode`. */
  static async create(file: string, mode = DEFAULT_FILE_MODE): Promise<CountsWriter> {
    return new CountsWriter(file, await createExclusive(file, mode));
  }

  push(d: CountsDelta): void {
    if (this.error !== undefined || d.rows.length === 0) return;
    const line = formatCountsLine(d);
    this.chain = this.chain.then(async () => {
      if (this.error !== undefined) return;
      try {
        await this.fh.write(line);
        this.written++;
      } catch (err) {
        this.error = err;
      }
    });
  }

  /** Waits for every write and closes the file; resolves whatever happened (see `error`). */
  async close(): Promise<void> {
    await this.chain;
    await this.fh.close().catch((err: unknown) => {
      this.error ??= err;
    });
  }
}
