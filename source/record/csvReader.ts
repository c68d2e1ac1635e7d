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
 *   counted. A last line cut short (no newline at the end of the file and unparseable, or an
 *   unterminated quote at EOF) is tolerated and reported in `truncatedLine`.
 * - Memory stays bounded whatever the file size: one chunk plus one partial record.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { emptyEvent, type EventSink, type IoEvent } from '../model/event.js';
import { opcodeCode } from '../model/opcodes.js';
import { escapeText, RECORDING_COLUMNS, RECORDING_HEADER } from './format.js';

/** A row or file that cannot be read; the message is `file:line: reason: text`. */
export class CsvFormatError extends Error {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, message: string) {
    // the file name is shown too: a shared recording's name is as untrusted as its rows
    const where = escapeText(file, 300);
    super(line > 0 ? `${where}:${line}: ${message}` : `${where}: ${message}`);
    this.name = 'CsvFormatError';
    this.file = file;
    this.line = line;
  }
}

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
}

export interface ReadStats {
  /** Events decoded. */
  rows: number;
  /** Malformed rows skipped (lenient mode). */
  skipped: number;
  /** The first few skipped rows' messages. */
  skippedSamples: string[];
  /** The truncated last line, if the file ends with one (`file:line: …`), else null. */
  truncatedLine: string | null;
  /** Physical lines consumed so far (the header is line 1). */
  lines: number;
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const FIELDS = 9;
/** Command names are ≤ 16 bytes: a quoted field this long means an unbalanced quote. */
const MAX_QUOTED_BYTES = 4096;
/** A record longer than this is not a recording row. */
const MAX_RECORD_BYTES = 1 << 20;
const SAMPLE_LIMIT = 5;

const enum Scan {
  Ok = 0,
  NeedMore = 1,
  Error = 2,
  Truncated = 3,
}

/** Decoded rows, column-wise, reused from chunk to chunk. */
class Batch {
  capacity = 0;
  count = 0;
  cursor = 0;
  ts = new Float64Array(0);
  pid = new Float64Array(0);
  opcode = new Uint8Array(0);
  fd = new Float64Array(0);
  offset = new Float64Array(0);
  length = new Float64Array(0);
  result = new Float64Array(0);
  hasResult = new Uint8Array(0);
  latency = new Float64Array(0);
  /** File offset where each row starts, and its line number (for ReaderPosition). */
  start = new Float64Array(0);
  line = new Float64Array(0);
  comm: string[] = [];

  ensure(n: number): void {
    if (n <= this.capacity) return;
    const cap = Math.max(n, this.capacity * 2, 1024);
    const grow = <T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    const f64 = (k: number) => new Float64Array(k);
    const u8 = (k: number) => new Uint8Array(k);
    this.ts = grow(this.ts, f64);
    this.pid = grow(this.pid, f64);
    this.opcode = grow(this.opcode, u8);
    this.fd = grow(this.fd, f64);
    this.offset = grow(this.offset, f64);
    this.length = grow(this.length, f64);
    this.result = grow(this.result, f64);
    this.hasResult = grow(this.hasResult, u8);
    this.latency = grow(this.latency, f64);
    this.start = grow(this.start, f64);
    this.line = grow(this.line, f64);
    this.capacity = cap;
  }
}

interface OpcodeEntry {
  bytes: Buffer;
  code: number;
}

/** Opens `path` as a byte stream, gunzipping when it is gzip data (by magic, not by name). */
async function openBytes(
  path: string,
  chunkBytes: number,
  start = 0,
): Promise<{ stream: Readable; gz: boolean }> {
  let magic: Buffer;
  try {
    const fh = await fsp.open(path, 'r');
    try {
      magic = Buffer.alloc(2);
      const { bytesRead } = await fh.read(magic, 0, 2, 0);
      magic = magic.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT'
        ? 'no such file'
        : e.code === 'EACCES'
          ? 'permission denied'
          : e.code === 'EISDIR'
            ? 'is a directory'
            : e.message;
    throw new CsvFormatError(path, 0, `cannot open the recording: ${why}`);
  }
  const gz = magic.length === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  const file = createReadStream(path, { highWaterMark: chunkBytes, start });
  if (!gz) return { stream: file, gz };
  // Z_SYNC_FLUSH: a gzip file cut short yields what it holds instead of an error; the cut last
  // line is then reported like any truncated line.
  const gunzip = zlib.createGunzip({
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
    chunkSize: chunkBytes,
  });
  file.on('error', (err) => gunzip.destroy(err));
  file.pipe(gunzip);
  return { stream: gunzip, gz };
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
  private readonly fs = new Int32Array(16);
  private readonly fe = new Int32Array(16);
  private readonly fq = new Uint8Array(16);
  private nfields = 0;
  private innerLines = 0;
  private scanError = '';
  private recordEnd = 0;
  private readonly opcodes = new Map<number, OpcodeEntry>();
  private minuteKey = -1;
  private minuteBaseMs = 0;
  private readonly statsData: ReadStats = {
    rows: 0,
    skipped: 0,
    skippedSamples: [],
    truncatedLine: null,
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
    const reader = new CsvEventReader(path, stream, gz, opts.lenient ?? false);
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

  private constructor(path: string, stream: Readable, gzip: boolean, lenient: boolean) {
    this.path = path;
    this.stream = stream;
    this.gzip = gzip;
    this.lenient = lenient;
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
      const status = this.scan(buf, pos, end, atEof);
      if (status === Scan.NeedMore) return pos;
      const next = this.recordEnd;
      const recLine = this.line;
      if (status === Scan.Truncated) {
        this.truncated(buf, pos, end, recLine, this.scanError);
        return end;
      }
      this.line += 1 + this.innerLines;
      const noNewline = next >= end && buf[end - 1] !== LF;
      if (status === Scan.Error) {
        if (noNewline && atEof) {
          this.truncated(buf, pos, end, recLine, this.scanError);
          return end;
        }
        this.malformed(buf, pos, next, recLine, this.scanError);
      } else if (this.nfields === 1 && this.fe[0] === this.fs[0] && this.fq[0] === 0) {
        // Blank line: ignored.
      } else if (!this.headerSeen) {
        this.checkHeader(buf, pos, next, recLine);
      } else {
        const why = this.convert(buf);
        if (why === '') {
          const b = this.batch;
          b.start[b.count - 1] = this.decodeBase + pos;
          b.line[b.count - 1] = recLine;
        } else {
          if (noNewline && atEof) {
            this.truncated(buf, pos, end, recLine, why);
            return end;
          }
          this.malformed(buf, pos, next, recLine, why);
        }
      }
      pos = next;
    }
    return pos;
  }

  private rawText(buf: Buffer, start: number, end: number): string {
    let e = end;
    if (e > start && buf[e - 1] === LF) e--;
    if (e > start && buf[e - 1] === CR) e--;
    return escapeText(buf.toString('utf8', start, Math.min(e, start + 512)));
  }

  private malformed(buf: Buffer, start: number, end: number, line: number, why: string): void {
    if (!this.headerSeen) this.notRecording(buf, start, end, line);
    const msg = `${why}: ${this.rawText(buf, start, end)}`;
    if (!this.lenient) throw new CsvFormatError(this.path, line, msg);
    this.statsData.skipped++;
    if (this.statsData.skippedSamples.length < SAMPLE_LIMIT) {
      this.statsData.skippedSamples.push(`${escapeText(this.path, 300)}:${line}: ${msg}`);
    }
  }

  private truncated(buf: Buffer, start: number, end: number, line: number, why: string): void {
    if (!this.headerSeen) this.notRecording(buf, start, end, line);
    this.truncatedAt = { offset: this.decodeBase + start, line };
    this.statsData.truncatedLine = `${escapeText(this.path, 300)}:${line}: truncated last line ignored (${why}): ${this.rawText(buf, start, end)}`;
  }

  private checkHeader(buf: Buffer, start: number, end: number, line: number): void {
    let s = start;
    if (buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
    const names: string[] = [];
    for (let i = 0; i < this.nfields; i++) {
      names.push(buf.toString('latin1', Math.max(this.fs[i], s), this.fe[i]).trim().toLowerCase());
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

  /**
   * Finds the fields of the record at `p`: fills fs/fe/fq/nfields, recordEnd (the offset after
   * its newline) and innerLines (newlines inside quotes).
   */
  private scan(buf: Buffer, p: number, end: number, atEof: boolean): Scan {
    const fs = this.fs;
    const fe = this.fe;
    const fq = this.fq;
    let nf = 0;
    let i = p;
    this.innerLines = 0;
    for (;;) {
      if (nf === 16) {
        const nl = buf.indexOf(LF, i);
        if (nl < 0 && !atEof) return Scan.NeedMore;
        this.recordEnd = nl < 0 ? end : nl + 1;
        this.scanError = 'too many fields';
        return Scan.Error;
      }
      if (i >= end) {
        if (!atEof) return Scan.NeedMore;
        fs[nf] = i;
        fe[nf] = i;
        fq[nf] = 0;
        this.nfields = nf + 1;
        this.recordEnd = end;
        return Scan.Ok;
      }
      if (buf[i] === QUOTE) {
        let j = i + 1;
        let doubled = false;
        let lines = 0;
        for (;;) {
          if (j >= end) {
            if (!atEof) return Scan.NeedMore;
            this.scanError = 'unterminated quoted field';
            this.recordEnd = end;
            return Scan.Truncated;
          }
          const c = buf[j];
          if (c === QUOTE) {
            if (j + 1 >= end && !atEof) return Scan.NeedMore;
            if (buf[j + 1] === QUOTE) {
              doubled = true;
              j += 2;
              continue;
            }
            break;
          }
          if (c === LF) lines++;
          if (j - i > MAX_QUOTED_BYTES) {
            // An opening quote never closed: resynchronise at the first newline after it.
            this.innerLines = 0;
            return this.badRecord(buf, i, end, atEof, 'unterminated quoted field');
          }
          j++;
        }
        this.innerLines += lines;
        fs[nf] = i + 1;
        fe[nf] = j;
        fq[nf] = doubled ? 2 : 1;
        nf++;
        i = j + 1;
        if (i >= end) {
          if (!atEof) return Scan.NeedMore;
          this.nfields = nf;
          this.recordEnd = end;
          return Scan.Ok;
        }
        const c = buf[i];
        if (c === COMMA) {
          i++;
          continue;
        }
        if (c === LF || (c === CR && i + 1 < end && buf[i + 1] === LF)) {
          this.nfields = nf;
          this.recordEnd = c === LF ? i + 1 : i + 2;
          return Scan.Ok;
        }
        if (c === CR && i + 1 >= end && !atEof) return Scan.NeedMore;
        return this.badRecord(buf, i, end, atEof, 'unexpected character after a closing quote');
      }
      let j = i;
      let c = 0;
      while (j < end) {
        c = buf[j];
        if (c === COMMA || c === LF) break;
        if (c === QUOTE)
          return this.badRecord(buf, j, end, atEof, 'quote inside an unquoted field');
        j++;
      }
      if (j >= end) {
        if (!atEof) return Scan.NeedMore;
        fs[nf] = i;
        fe[nf] = j;
        fq[nf] = 0;
        this.nfields = nf + 1;
        this.recordEnd = end;
        return Scan.Ok;
      }
      fs[nf] = i;
      fq[nf] = 0;
      if (c === COMMA) {
        fe[nf] = j;
        nf++;
        i = j + 1;
        continue;
      }
      fe[nf] = j > i && buf[j - 1] === CR ? j - 1 : j;
      this.nfields = nf + 1;
      this.recordEnd = j + 1;
      return Scan.Ok;
    }
  }

  private badRecord(buf: Buffer, from: number, end: number, atEof: boolean, why: string): Scan {
    const nl = buf.indexOf(LF, from);
    if (nl < 0 && !atEof) return Scan.NeedMore;
    this.recordEnd = nl < 0 ? end : nl + 1;
    this.scanError = why;
    return Scan.Error;
  }

  /** Converts the scanned fields into the batch; returns '' or the reason the row is invalid. */
  private convert(buf: Buffer): string {
    if (this.nfields !== FIELDS) return `expected ${FIELDS} fields, found ${this.nfields}`;
    const fs = this.fs;
    const fe = this.fe;
    const fq = this.fq;
    for (let k = 0; k < FIELDS; k++) {
      if (fq[k] === 2 && k !== 2) return `unexpected quote in the ${RECORDING_COLUMNS[k]} field`;
    }
    const b = this.batch;
    const i = b.count;
    if (i >= b.capacity) b.ensure(i + 1);

    const ts = this.parseTimestamp(buf, fs[0], fe[0]);
    if (Number.isNaN(ts)) return 'invalid timestamp (expected YYYY-MM-DD HH:MM:SS.ffffff)';
    const pid = parseInteger(buf, fs[1], fe[1], false);
    if (Number.isNaN(pid) || fs[1] === fe[1]) return 'invalid pid';
    const op = this.parseOpcode(buf, fs[3], fe[3]);
    if (op < 0) return 'unknown opcode';
    const fd = fs[4] === fe[4] ? 0 : parseInteger(buf, fs[4], fe[4], true);
    if (Number.isNaN(fd)) return 'invalid fd';
    const offset = fs[5] === fe[5] ? 0 : parseInteger(buf, fs[5], fe[5], true);
    if (Number.isNaN(offset)) return 'invalid offset';
    const length = fs[6] === fe[6] ? 0 : parseInteger(buf, fs[6], fe[6], true);
    if (Number.isNaN(length)) return 'invalid length';
    const hasResult = fs[7] !== fe[7];
    const result = hasResult ? parseInteger(buf, fs[7], fe[7], true) : 0;
    if (Number.isNaN(result)) return 'invalid result';
    const latency = fs[8] === fe[8] ? 0 : parseLatencyNs(buf, fs[8], fe[8]);
    if (Number.isNaN(latency)) return 'invalid latency_ms';

    let comm = buf.toString('utf8', fs[2], fe[2]);
    if (fq[2] === 2) comm = comm.replaceAll('""', '"');

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

  /** Local `YYYY-MM-DD HH:MM:SS[.f{1,9}]` → µs since the epoch, or NaN. */
  private parseTimestamp(buf: Buffer, s: number, e: number): number {
    const n = e - s;
    if (n < 19 || n === 20 || n > 29) return Number.NaN;
    if (
      buf[s + 4] !== 0x2d ||
      buf[s + 7] !== 0x2d ||
      buf[s + 13] !== 0x3a ||
      buf[s + 16] !== 0x3a
    ) {
      return Number.NaN;
    }
    const sep = buf[s + 10];
    if (sep !== 0x20 && sep !== 0x54) return Number.NaN;
    const y = digits(buf, s, 4);
    const mo = digits(buf, s + 5, 2);
    const d = digits(buf, s + 8, 2);
    const h = digits(buf, s + 11, 2);
    const mi = digits(buf, s + 14, 2);
    const sec = digits(buf, s + 17, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59) {
      return Number.NaN;
    }
    if (sec < 0 || sec > 60) return Number.NaN;
    let us = 0;
    if (n > 19) {
      if (buf[s + 19] !== 0x2e) return Number.NaN;
      const fracLen = n - 20;
      const f = digits(buf, s + 20, fracLen);
      if (f < 0) return Number.NaN;
      us = fracLen <= 6 ? f * 10 ** (6 - fracLen) : Math.floor(f / 10 ** (fracLen - 6));
    }
    const key = ((((y * 13 + mo) * 32 + d) * 24 + h) * 60 + mi) | 0;
    if (key !== this.minuteKey) {
      const date = new Date(y, mo - 1, d, h, mi, 0, 0);
      if (date.getDate() !== d || date.getMonth() !== mo - 1) return Number.NaN;
      this.minuteBaseMs = date.getTime();
      this.minuteKey = key;
    }
    return (this.minuteBaseMs + sec * 1000) * 1000 + us;
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
    const name = buf.toString('latin1', s, e);
    let code = opcodeCode(name);
    if (code === undefined && /^\d{1,3}$/.test(name) && Number(name) <= 255) code = Number(name);
    if (code === undefined) return -1;
    this.opcodes.set(h, { bytes: Buffer.from(buf.subarray(s, e)), code });
    return code;
  }
}

/** `n` decimal digits at s as a number, or -1 if any is not a digit. */
function digits(buf: Buffer, s: number, n: number): number {
  let v = 0;
  for (let k = s; k < s + n; k++) {
    const d = buf[k] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** A decimal integer (optionally signed) in [s, e), or NaN. */
function parseInteger(buf: Buffer, s: number, e: number, signed: boolean): number {
  let k = s;
  let neg = false;
  if (signed && k < e && buf[k] === 0x2d) {
    neg = true;
    k++;
  }
  if (k >= e || e - k > 20) return Number.NaN;
  let v = 0;
  for (; k < e; k++) {
    const d = buf[k] - 48;
    if (d < 0 || d > 9) return Number.NaN;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** Milliseconds as a plain decimal (or, from other tools, with an exponent) → whole ns, or NaN. */
function parseLatencyNs(buf: Buffer, s: number, e: number): number {
  let k = s;
  let whole = 0;
  let any = false;
  for (; k < e; k++) {
    const d = buf[k] - 48;
    if (d < 0 || d > 9) break;
    whole = whole * 10 + d;
    any = true;
  }
  let ns = whole * 1_000_000;
  if (k < e && buf[k] === 0x2e) {
    k++;
    let frac = 0;
    let len = 0;
    for (; k < e; k++) {
      const d = buf[k] - 48;
      if (d < 0 || d > 9) break;
      if (len < 9) {
        frac = frac * 10 + d;
        len++;
      }
      any = true;
    }
    if (len > 0) ns += len <= 6 ? frac * 10 ** (6 - len) : Math.round(frac / 10 ** (len - 6));
  }
  if (k === e) return any ? ns : Number.NaN;
  // Not our plain format (an exponent, a sign): fall back to the general number syntax.
  const v = Number(buf.toString('latin1', s, e));
  return Number.isFinite(v) && v >= 0 ? Math.round(v * 1_000_000) : Number.NaN;
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
