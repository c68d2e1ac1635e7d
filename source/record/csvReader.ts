/**
 * Streaming reader of recordings (`.csv`, `.csv.gz`): decodes rows straight from the bytes into
 * columns of a batch, then hands them out one at a time through a reused IoEvent.
 *
 * - Hand-written byte scanning (RFC 4180: quoted fields, doubled quotes, embedded newlines; CRLF
 *   accepted). A record ends at a newline outside quotes; a bare CR inside an unquoted field is
 *   data (csv-writer does not quote CR).
 * - Allocation-light: numbers and timestamps are parsed from the bytes; the only per-row string is
 *   the command name; opcode names go through a byte-keyed cache.
 * - A malformed row is an error `file:line: reason: <text>`; with `lenient` it is skipped and
 *   counted. A last line cut short (no newline at the end of the file, however well it reads, or
 *   an unterminated quote at EOF) is skipped and reported in `truncatedLine` (`truncatedRows`).
 * - Memory stays bounded whatever the file size: one chunk plus one partial record.
 *
 * (Over 400 lines: one streaming state machine, chunk → records → rows → positions, whose steps
 * share its cursor; the record scanner and the field parsers are apart, in csvScan.ts and
 * csvFields.ts.)
 */
import type { Readable } from 'node:stream';
import { commFromCsv } from '../model/comm.js';
import { emptyEvent, type EventSink, type IoEvent } from '../model/event.js';
import { escape } from '../escape.js';
import { OpcodeTable } from '../model/opcodes.js';
import { CsvFormatError } from './csvError.js';
import { Batch, openBytes, parseInteger, parseLatencyNs, TimestampParser } from './csvFields.js';
import { CR, LF, RecordScanner, Scan } from './csvScan.js';
import { formatTimestamp, RECORDING_COLUMNS, RECORDING_HEADER } from './format.js';

export { CsvFormatError } from './csvError.js';

const FIELDS = 9;
/** A record longer than this is not a recording row. */
const MAX_RECORD_BYTES = 1 << 20;
const SAMPLE_LIMIT = 5;

/** A place in a plain CSV recording to resume reading at (CsvEventReader.position()). */
export interface ReaderPosition {
  /** File offset of the next row. */
  readonly offset: number;
  /** Its line number. */
  readonly line: number;
  /** Rows decoded before it. */
  readonly rows: number;
}

export interface CsvReaderOptions {
  /** Skip malformed rows (counted in `skipped`) instead of failing on the first one. */
  lenient?: boolean;
  /** Bytes read per chunk. */
  chunkBytes?: number;
  /**
   * The session's opcode names: the reader takes the code of every name from it, and gives a
   * well-formed name it does not know a code of its own (a recording from a newer kernel).
   */
  opcodes?: OpcodeTable;
  /**
   * The recording's span, from its metadata (µs; end null while unknown): a row far outside it
   * is bad. Without it, only rows in the future are.
   */
  span?: { startUs: number; endUs: number | null };
  /** Now, for the rows-in-the-future check (µs; default the clock's). */
  nowUs?: number;
}

/**
 * Slack around the recording's span, and how far back in time a row may go (events from several
 * CPUs arrive slightly out of order).
 */
const TIME_SLACK_US = 60_000_000;
/** A row may be stamped up to this far in the future (another machine's clock). */
const FUTURE_SLACK_US = 86_400_000_000;
/** Live capture writes pids up to PID_MAX_LIMIT, latencies far below 2^53 ns (104 days). */
const MAX_PID = 4_194_304;
const MAX_LATENCY_NS = 2 ** 53;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;

export interface ReadStats {
  /** Events decoded. */
  rows: number;
  /** Malformed rows skipped (lenient mode). */
  skipped: number;
  /** The first few skipped rows' messages. */
  skippedSamples: string[];
  /** The truncated last line, if the file ends with one (`file:line: …`), else null. */
  truncatedLine: string | null;
  /** Rows skipped for it: 1 when there is one (a row cut by a crash or a full disk), else 0. */
  truncatedRows: number;
  /** Physical lines consumed so far (the header is line 1). */
  lines: number;
}

interface OpcodeEntry {
  bytes: Buffer;
  code: number;
}

export class CsvEventReader {
  readonly path: string;
  /** Whether the file is gzip-compressed. */
  readonly gzip: boolean;
  private readonly lenient: boolean;
  private readonly stream: Readable;
  private readonly chunks: AsyncIterator<Buffer>;
  private carry: Buffer | null = null;
  /** File offset of the first byte of `carry` (or of the next chunk when there is none). */
  private carryOffset = 0;
  /** File offset of the buffer being decoded. */
  private decodeBase = 0;
  /** Where the cut last line starts, once met. */
  private truncatedAt: { offset: number; line: number } | null = null;
  private eof = false;
  private headerSeen = false;
  private line = 1;
  private readonly batch = new Batch();
  private readonly scanner = new RecordScanner();
  private readonly span: CsvReaderOptions['span'];
  private readonly nowUs: number;
  /** The latest time of the rows taken so far. */
  private latestUs = Number.NEGATIVE_INFINITY;
  private readonly timestamps = new TimestampParser();
  private readonly opcodes = new Map<number, OpcodeEntry>();
  private readonly statsData: ReadStats = {
    rows: 0,
    skipped: 0,
    skippedSamples: [],
    truncatedLine: null,
    truncatedRows: 0,
    lines: 0,
  };

  /**
   * Opens a recording and checks its header; with `at` (from position()), resumes reading at that
   * row of a plain CSV instead.
   */
  static async open(
    path: string,
    opts: CsvReaderOptions = {},
    at?: ReaderPosition,
  ): Promise<CsvEventReader> {
    const chunkBytes = opts.chunkBytes ?? 1 << 18;
    const { stream, gz } = await openBytes(path, chunkBytes, at?.offset ?? 0);
    if (at && gz) {
      stream.destroy();
      throw new CsvFormatError(path, 0, 'cannot resume a gzip recording at an offset');
    }
    const reader = new CsvEventReader(path, stream, gz, opts);
    if (at) {
      reader.headerSeen = true;
      reader.line = at.line;
      reader.carryOffset = at.offset;
      reader.statsData.rows = at.rows;
    }
    try {
      await reader.fill();
    } catch (err) {
      reader.close();
      throw err;
    }
    return reader;
  }

  private readonly names: OpcodeTable;

  private constructor(path: string, stream: Readable, gzip: boolean, opts: CsvReaderOptions) {
    this.path = path;
    this.stream = stream;
    this.gzip = gzip;
    this.lenient = opts.lenient ?? false;
    this.names = opts.opcodes ?? new OpcodeTable();
    this.span = opts.span;
    this.nowUs = opts.nowUs ?? Date.now() * 1000;
    this.chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  get stats(): Readonly<ReadStats> {
    this.statsData.lines = this.line - 1;
    return this.statsData;
  }

  /** Decoded rows not yet taken with next(). */
  get buffered(): number {
    return this.batch.count - this.batch.cursor;
  }

  /** True once the file is exhausted and every decoded row has been taken. */
  get done(): boolean {
    return this.eof && this.buffered === 0;
  }

  /** Timestamp of the next buffered row, or NaN when none is buffered (call fill()). */
  peekTsUs(): number {
    const b = this.batch;
    return b.cursor < b.count ? b.ts[b.cursor] : Number.NaN;
  }

  /**
   * Where the next row to be taken with next() starts, to resume there with open(…, at); null
   * for gzip (which cannot be entered in the middle) or once rows were skipped (--lenient: their
   * count could not be told apart from those of rows ahead).
   */
  position(): ReaderPosition | null {
    if (this.gzip || this.statsData.skipped > 0 || !this.headerSeen) return null;
    const b = this.batch;
    const ahead = b.count - b.cursor;
    return ahead > 0
      ? {
          offset: b.start[b.cursor],
          line: b.line[b.cursor],
          rows: this.statsData.rows - ahead,
        }
      : {
          // before a cut last line, so that a resumed read meets it again, or reads it whole
          // if the file has grown since (a recording still being written)
          offset: this.truncatedAt?.offset ?? this.carryOffset,
          line: this.truncatedAt?.line ?? this.line,
          rows: this.statsData.rows,
        };
  }

  /** Copies the next buffered row into `ev`; false when none is buffered (call fill()). */
  next(ev: IoEvent): boolean {
    const b = this.batch;
    const i = b.cursor;
    if (i >= b.count) return false;
    b.cursor = i + 1;
    ev.tsUs = b.ts[i];
    ev.pid = b.pid[i];
    ev.comm = b.comm[i];
    ev.opcode = b.opcode[i];
    ev.fd = b.fd[i];
    ev.fixedFile = false;
    ev.offset = b.offset[i];
    ev.length = b.length[i];
    ev.result = b.result[i];
    ev.hasResult = b.hasResult[i] === 1;
    ev.latencyNs = b.latency[i];
    return true;
  }

  /**
   * Reads and decodes more of the file once the buffered rows are used up. Resolves true when
   * rows are buffered, false at the end of the file. Throws CsvFormatError on a malformed row
   * (unless lenient) or a file that is not a recording.
   */
  async fill(): Promise<boolean> {
    if (this.buffered > 0) return true;
    const b = this.batch;
    b.count = 0;
    b.cursor = 0;
    while (b.count === 0 && !this.eof) {
      let chunk: Buffer | null = null;
      try {
        const r = await this.chunks.next();
        if (!r.done) chunk = r.value;
      } catch (err) {
        const msg = (err as Error).message;
        throw new CsvFormatError(
          this.path,
          0,
          this.gzip ? `not readable as gzip data: ${msg}` : `read failed: ${msg}`,
        );
      }
      if (chunk === null) {
        this.eof = true;
        const rest = this.carry;
        this.carry = null;
        this.decodeBase = this.carryOffset;
        if (rest !== null && rest.length > 0) this.decode(rest, true);
        if (rest !== null) this.carryOffset += rest.length;
        if (!this.headerSeen) {
          throw new CsvFormatError(
            this.path,
            0,
            `empty file: not an iouringtop recording (expected the header "${RECORDING_HEADER}")`,
          );
        }
      } else {
        const buf = this.carry !== null ? Buffer.concat([this.carry, chunk]) : chunk;
        this.decodeBase = this.carryOffset;
        const used = this.decode(buf, false);
        this.carryOffset += used;
        if (used < buf.length) {
          if (buf.length - used > MAX_RECORD_BYTES) {
            throw new CsvFormatError(
              this.path,
              this.line,
              'line longer than 1 MiB: not an iouringtop recording',
            );
          }
          this.carry = Buffer.from(buf.subarray(used));
        } else {
          this.carry = null;
        }
      }
    }
    return b.count > 0;
  }

  /** Streams every remaining row into `sink`; resolves with the final stats. */
  async readAll(sink: EventSink, ev: IoEvent = emptyEvent()): Promise<Readonly<ReadStats>> {
    while (await this.fill()) {
      while (this.next(ev)) sink.push(ev);
    }
    return this.stats;
  }

  close(): void {
    this.stream.destroy();
  }

  /** Decodes whole records from buf; returns the offset of the first byte not consumed. */
  private decode(buf: Buffer, atEof: boolean): number {
    let pos = 0;
    const end = buf.length;
    this.batch.ensure(this.batch.count + Math.ceil(end / 40) + 1);
    while (pos < end) {
      const status = this.scanner.scan(buf, pos, end, atEof);
      if (status === Scan.NeedMore) return pos;
      const next = this.scanner.recordEnd;
      const recLine = this.line;
      if (status === Scan.Truncated) {
        this.truncated(buf, pos, end, recLine, this.scanner.error);
        return end;
      }
      this.line += 1 + this.scanner.innerLines;
      const noNewline = next >= end && buf[end - 1] !== LF;
      if (status === Scan.Error) {
        if (noNewline && atEof) {
          this.truncated(buf, pos, end, recLine, this.scanner.error);
          return end;
        }
        this.malformed(buf, pos, next, recLine, this.scanner.error);
      } else if (this.blankLine()) {
        // Blank line: ignored.
      } else if (!this.headerSeen) {
        this.checkHeader(buf, pos, next, recLine);
      } else {
        const why = this.convert(buf);
        if (noNewline && atEof) {
          // The capture ends every row with a newline: a last row without one was cut, however
          // well it reads (a latency cut to fewer digits is a number still). Not taken.
          if (why === '') this.untake();
          this.truncated(buf, pos, end, recLine, why || 'no newline at the end of the file');
          return end;
        }
        if (why === '') {
          const b = this.batch;
          b.start[b.count - 1] = this.decodeBase + pos;
          b.line[b.count - 1] = recLine;
        } else {
          this.malformed(buf, pos, next, recLine, why);
        }
      }
      pos = next;
    }
    return pos;
  }

  /** The record just scanned is an empty line. */
  private blankLine(): boolean {
    const { fs, fe, fq, nfields } = this.scanner;
    return nfields === 1 && fe[0] === fs[0] && fq[0] === 0;
  }

  private rawText(buf: Buffer, start: number, end: number): string {
    let e = end;
    if (e > start && buf[e - 1] === LF) e--;
    if (e > start && buf[e - 1] === CR) e--;
    return escape(buf.toString('utf8', start, Math.min(e, start + 512)));
  }

  private malformed(buf: Buffer, start: number, end: number, line: number, why: string): void {
    if (!this.headerSeen) this.notRecording(buf, start, end, line);
    const msg = `${why}: ${this.rawText(buf, start, end)}`;
    if (!this.lenient) throw new CsvFormatError(this.path, line, msg, true);
    this.statsData.skipped++;
    if (this.statsData.skippedSamples.length < SAMPLE_LIMIT) {
      this.statsData.skippedSamples.push(`${escape(this.path, 300)}:${line}: ${msg}`);
    }
  }

  /** Takes back the row convert() just added (a cut last row). */
  private untake(): void {
    this.batch.count--;
    this.statsData.rows--;
  }

  private truncated(buf: Buffer, start: number, end: number, line: number, why: string): void {
    if (!this.headerSeen) this.notRecording(buf, start, end, line);
    this.truncatedAt = { offset: this.decodeBase + start, line };
    this.statsData.truncatedRows = 1;
    this.statsData.truncatedLine = `${escape(this.path, 300)}:${line}: truncated last line, 1 row skipped (${why}): ${this.rawText(buf, start, end)}`;
  }

  private checkHeader(buf: Buffer, start: number, end: number, line: number): void {
    let s = start;
    if (buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
    const names: string[] = [];
    const { fs, fe, nfields } = this.scanner;
    for (let i = 0; i < nfields; i++) {
      names.push(buf.toString('latin1', Math.max(fs[i], s), fe[i]).trim().toLowerCase());
    }
    if (names.join(',') !== RECORDING_HEADER) this.notRecording(buf, start, end, line);
    this.headerSeen = true;
  }

  private notRecording(buf: Buffer, start: number, end: number, line: number): never {
    throw new CsvFormatError(
      this.path,
      line,
      `not an iouringtop recording: expected the header "${RECORDING_HEADER}", found "${this.rawText(buf, start, end)}"`,
    );
  }

  /** Converts the scanned fields into the batch; returns '' or the reason the row is invalid. */
  private convert(buf: Buffer): string {
    const { fs, fe, fq, nfields } = this.scanner;
    if (nfields !== FIELDS) return `expected ${FIELDS} fields, found ${nfields}`;
    for (let k = 0; k < FIELDS; k++) {
      if (fq[k] === 2 && k !== 2) return `unexpected quote in the ${RECORDING_COLUMNS[k]} field`;
    }
    const b = this.batch;
    const i = b.count;
    if (i >= b.capacity) b.ensure(i + 1);

    // every field as the live capture writes it: anything else is not a row of ours
    const ts = this.timestamps.parse(buf, fs[0], fe[0]);
    if (Number.isNaN(ts))
      return 'invalid timestamp (expected YYYY-MM-DD HH:MM:SS.ffffff, from the year 1970)';
    const pid = parseInteger(buf, fs[1], fe[1], false);
    if (Number.isNaN(pid) || fs[1] === fe[1] || pid > MAX_PID)
      return `invalid pid (expected 0 to ${MAX_PID})`;
    const op = this.parseOpcode(buf, fs[3], fe[3]);
    if (op < 0) return 'unknown opcode';
    const late = this.timeCheck(ts);
    if (late !== '') return late;
    const fd = fs[4] === fe[4] ? 0 : parseInteger(buf, fs[4], fe[4], true);
    if (Number.isNaN(fd) || fd < INT32_MIN || fd > INT32_MAX) return 'invalid fd (a 32-bit int)';
    // -1 is io_uring's "the file's current position", which other tools write as it is
    const offset = fs[5] === fe[5] ? 0 : parseInteger(buf, fs[5], fe[5], true);
    if (Number.isNaN(offset) || offset < -1 || offset > 2 ** 64)
      return 'invalid offset (a 64-bit file offset, or -1)';
    const length = fs[6] === fe[6] ? 0 : parseInteger(buf, fs[6], fe[6], false);
    if (Number.isNaN(length) || length > UINT32_MAX) return 'invalid length (0 to 2^32-1)';
    const hasResult = fs[7] !== fe[7];
    const result = hasResult ? parseInteger(buf, fs[7], fe[7], true) : 0;
    if (Number.isNaN(result) || result < INT32_MIN || result > INT32_MAX)
      return 'invalid result (a 32-bit int)';
    const latency = fs[8] === fe[8] ? 0 : parseLatencyNs(buf, fs[8], fe[8]);
    if (Number.isNaN(latency) || latency > MAX_LATENCY_NS)
      return 'invalid latency_ms (0 to 104 days)';
    if (ts > this.latestUs) this.latestUs = ts;

    let comm = buf.toString('utf8', fs[2], fe[2]);
    if (fq[2] === 2) comm = comm.replaceAll('""', '"');
    comm = commFromCsv(comm);

    b.ts[i] = ts;
    b.pid[i] = pid;
    b.comm[i] = comm;
    b.opcode[i] = op;
    b.fd[i] = fd;
    b.offset[i] = offset;
    b.length[i] = length;
    b.result[i] = result;
    b.hasResult[i] = hasResult ? 1 : 0;
    b.latency[i] = latency;
    b.count = i + 1;
    this.statsData.rows++;
    return '';
  }

  /**
   * Why a row's time cannot be the recording's ('' when it can); the row itself is quoted after.
   * Every row type gets the same checks: within the recording's span (when the metadata gives
   * it), not in the future, and at most TIME_SLACK_US behind the latest row before it (the
   * capture sends each CPU's rows at least ten times a second, IO_URING_ENTER rows as the rest).
   */
  private timeCheck(ts: number): string {
    const span = this.span;
    if (span && ts < span.startUs - TIME_SLACK_US)
      return `timestamp before the recording began (${formatTimestamp(span.startUs)})`;
    if (span && span.endUs !== null && ts > span.endUs + TIME_SLACK_US)
      return `timestamp after the recording ended (${formatTimestamp(span.endUs)})`;
    if (ts > this.nowUs + FUTURE_SLACK_US) return 'timestamp in the future';
    if (ts < this.latestUs - TIME_SLACK_US)
      return `timestamp ${((this.latestUs - ts) / 1e6).toFixed(0)} s before an earlier row`;
    return '';
  }

  /** Opcode name (or OP_<n>, or a plain number) → code, or -1. Cached by the name's bytes. */
  private parseOpcode(buf: Buffer, s: number, e: number): number {
    const n = e - s;
    if (n === 0 || n > 40) return -1;
    let h = n;
    for (let k = s; k < e; k++) h = (Math.imul(h, 31) + buf[k]) | 0;
    const hit = this.opcodes.get(h);
    if (hit !== undefined && hit.bytes.length === n && hit.bytes.compare(buf, s, e) === 0) {
      return hit.code;
    }
    const code = this.names.adopt(buf.toString('latin1', s, e));
    if (code === undefined) return -1;
    this.opcodes.set(h, { bytes: Buffer.from(buf.subarray(s, e)), code });
    return code;
  }
}

/** Reads a whole recording into a sink (convenience for tools and tests). */
export async function readRecording(
  path: string,
  sink: EventSink,
  opts: CsvReaderOptions = {},
): Promise<Readonly<ReadStats>> {
  const reader = await CsvEventReader.open(path, opts);
  try {
    return await reader.readAll(sink);
  } finally {
    reader.close();
  }
}
