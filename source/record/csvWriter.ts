/**
 * The recorder: an EventSink that writes every event as one row of the seed's CSV format.
 *
 * Hot path: push() writes one row as bytes into the current batch (rowBytes.ts: no string per row);
 * the batch is written every `batchRows` rows, when it is full, or on a timer. Only the command
 * name can need quoting (every other field is a number, the timestamp, or an opcode name of
 * [A-Z0-9_]): it goes through csv-writer's stringifier, memoised per distinct name, which keeps
 * csv-writer's exact quoting at a fraction of its per-row cost. When the stream asks us to wait
 * (write() returns false) the bytes queue in memory until 'drain': rows are never dropped, and
 * `pendingBytes` shows the queue.
 *
 * (Over 400 lines: the file, its gzip stream, the metadata and the counts beside it open, fail
 * and close together, and the rows-on-disk accounting after a failure needs all of them.)
 */
import { createArrayCsvStringifier, type CsvStringifier } from 'csv-writer';
import { createWriteStream, promises as fsp, type WriteStream } from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { commToCsv } from '../model/comm.js';
import type { CountsDelta } from '../model/counts.js';
import { countsPathFor, CountsWriter } from './countsFile.js';
import type { EventSink, IoEvent } from '../model/event.js';
import { OpcodeTable, type OpcodeNames } from '../model/opcodes.js';
import { fileStamp, RECORDING_COLUMNS } from './format.js';
import { ROW_NUMBERS_MAX, RowBytes } from './rowBytes.js';
import {
  createExclusive,
  DEFAULT_FILE_MODE,
  directoryMode,
  openOwnFile,
  prepareRecordingDir,
} from './outputDir.js';
import {
  buildSessionMeta,
  isoLocal,
  META_RESERVED_BYTES,
  metaPathFor,
  sidecarPathFor,
  writeSessionMeta,
  type SessionCounts,
  type SessionMeta,
  type SessionMetaInit,
} from './meta.js';

/** A recording problem, with a one-line message that says what to do. */
export class RecordError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'RecordError';
    this.code = code;
  }
}

/** One line for a file-system error while recording to `target`, with the way out. */
export function describeFsError(err: unknown, target: string): RecordError {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code;
  const fix =
    'choose another directory with --output-dir DIR, or turn recording off with --no-record';
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new RecordError(`cannot write ${target}: permission denied (${code}); ${fix}`, code);
    case 'ENOENT':
      return new RecordError(`cannot write ${target}: no such directory (ENOENT); ${fix}`, code);
    case 'ENOTDIR':
      return new RecordError(
        `cannot write ${target}: a part of the path is a file, not a directory (ENOTDIR); ${fix}`,
        code,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return new RecordError(
        `cannot write ${target}: no space left on the device (${code}); free some space, ${fix}`,
        code,
      );
    case 'EROFS':
      return new RecordError(`cannot write ${target}: read-only file system (EROFS); ${fix}`, code);
    case 'EUNSAFE':
      // (the message says what is wrong with the directory, and the way out)
      return new RecordError(`cannot record: ${e.message}`, code);
    default:
      return new RecordError(
        `cannot write ${target}: ${e?.message ?? String(err)}${code ? ` (${code})` : ''}; ${fix}`,
        code,
      );
  }
}

export interface RecorderOptions {
  /** Rows per stringify/write batch. */
  batchRows?: number;
  /** Also flush a partial batch this often (ms); 0 disables the timer. */
  flushIntervalMs?: number;
  /** Called once if the stream fails (e.g. ENOSPC mid-run). close() rejects with it too. */
  onError?: (err: RecordError) => void;
  /** The session's opcode names, which rows are written with (default: this build's). */
  opcodes?: OpcodeNames;
  /**
   * The stream lets go of a chunk once its write is done (a file, gzip), so a batch's memory is
   * used again for later rows. Not for a stream that passes chunks on (a pipe to a reader).
   */
  reuseBuffers?: boolean;
}

export interface CreateRecorderOptions extends RecorderOptions {
  /** Parent of the `iouring/` directory; defaults to the current directory. */
  outputDir?: string;
  /** The session's start: names the file. Defaults to now. */
  startTime?: Date;
  /** Session metadata to write beside the CSV; omit to write none. */
  meta?: SessionMetaInit;
  /** Also record the kernel's counts (pushCounts) beside it: `iouring_<stamp>.counts.jsonl`. */
  counts?: boolean;
  /** The mode of every file it makes (default 0600); its directory gets the matching one. */
  fileMode?: number;
  /** Write gzip (`.csv.gz`) as the rows come: ~5x smaller, read back by replay like `.csv`. */
  compress?: boolean;
}

/**
 * gzip level 1: on a real recording, 5.1x smaller at ~400 K rows/s of one core (level 6: 6.7x at
 * ~150 K rows/s). zlib runs on libuv's thread pool, off the event loop.
 */
const GZIP_LEVEL = 1;

/** Where a recording started at `start` goes: `<outputDir>/iouring/iouring_<stamp>[_n].csv`. */
export function recordingPath(outputDir: string, start: Date, attempt = 0, ext = '.csv'): string {
  const suffix = attempt === 0 ? '' : `_${attempt}`;
  return path.join(outputDir, 'iouring', `iouring_${fileStamp(start)}${suffix}${ext}`);
}

/** Whether any file of the recording `csv` would make is already there (planted, or left). */
async function anyTaken(csv: string): Promise<boolean> {
  const names = [csv, metaPathFor(csv), countsPathFor(csv), sidecarPathFor(csv, '.files.json')];
  for (const f of names) {
    const there = await fsp.lstat(f).then(
      () => true,
      (err: NodeJS.ErrnoException) => err.code !== 'ENOENT',
    );
    if (there) return true;
  }
  return false;
}

/** Bytes handed to the stream in one write, and the rows they hold. */
interface Chunk {
  data: Buffer;
  bytes: number;
  rows: number;
}

export class CsvRecorder implements EventSink {
  /** Path of the CSV file ('' for a recorder made on a bare stream). */
  readonly path: string;
  /** Path of the metadata file, or null when none is written. */
  readonly metaPath: string | null;

  /** What rows are written to: the file, or the gzip stream in front of it. */
  private readonly stream: Writable;
  /** What ends in the file (the file stream; the same as `stream` uncompressed). */
  private readonly sink: Writable;
  private gzip: zlib.Gzip | undefined;
  /** Compressed bytes gzip has produced, and after each sync flush, the rows they hold whole. */
  private gzipOut = 0;
  private gzipRowsHanded = 0;
  private readonly gzipMarks: { end: number; rows: number }[] = [];
  private readonly stringifier: CsvStringifier<unknown[]>;
  private readonly batchRows: number;
  private readonly batch = new RowBytes();
  private readonly quoted = new Map<string, Buffer>();
  /** Opcode names as bytes, by opcode (filled as they are met). */
  private readonly opNames: (Buffer | undefined)[] = [];
  /** Chunks waiting for the stream to drain. */
  private readonly queue: Chunk[] = [];
  private queuedBytes = 0;
  private waitingDrain = false;
  /** Chunks handed to the stream and not yet known to be on disk, oldest first. */
  private readonly inFlight: Chunk[] = [];
  private handedBytes = 0;
  /** Bytes and rows known to be on disk (the stream confirmed their write). */
  private diskBytes = 0;
  private diskRows = 0;
  private rowCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private failure: RecordError | undefined;
  private closing: Promise<void> | undefined;
  private readonly onError: ((err: RecordError) => void) | undefined;
  private readonly reuseBuffers: boolean;
  private meta: SessionMeta | null;
  private readonly names: OpcodeNames;

  /** Opens a new recording file (never overwriting one) and writes its header and metadata. */
  static async create(opts: CreateRecorderOptions = {}): Promise<CsvRecorder> {
    const outputDir = opts.outputDir ?? '.';
    const start = opts.startTime ?? new Date();
    const mode = opts.fileMode ?? DEFAULT_FILE_MODE;
    const dir = path.join(outputDir, 'iouring');
    try {
      await prepareRecordingDir(outputDir, directoryMode(mode));
    } catch (err) {
      throw describeFsError(err, dir);
    }
    let handle: fsp.FileHandle | undefined;
    let file = '';
    for (let attempt = 0; handle === undefined; attempt++) {
      file = recordingPath(outputDir, start, attempt, opts.compress ? '.csv.gz' : '.csv');
      try {
        // Made exclusively, never through a link: two starts in one second get _1, _2, … and a
        // name with any of its files already there (planted, or left) is passed over.
        if (await anyTaken(file)) throw Object.assign(new Error('taken'), { code: 'EEXIST' });
        handle = await createExclusive(file, mode);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 999) {
          throw describeFsError(err, file);
        }
      }
    }
    const fileStream = createWriteStream('', { fd: handle, highWaterMark: 1 << 20 });
    const gzip = opts.compress ? zlib.createGzip({ level: GZIP_LEVEL }) : undefined;
    const stream: Writable = gzip ?? fileStream;
    let meta: SessionMeta | null = null;
    if (opts.meta) {
      // (the counts file is named from the start: complete once the close says so)
      const countsInit = opts.counts
        ? { counts: { file: path.basename(countsPathFor(file)), intervals: 0, complete: false } }
        : {};
      meta = buildSessionMeta(
        file,
        { startedAt: isoLocal(start), ...opts.meta, ...countsInit },
        start,
      );
      try {
        await writeSessionMeta(metaPathFor(file), meta, META_RESERVED_BYTES, mode);
      } catch (err) {
        fileStream.destroy();
        throw describeFsError(err, metaPathFor(file));
      }
    }
    let counts: CountsWriter | undefined;
    if (opts.counts) {
      try {
        counts = await CountsWriter.create(countsPathFor(file), mode);
      } catch (err) {
        fileStream.destroy();
        throw describeFsError(err, countsPathFor(file));
      }
    }
    const recorder = new CsvRecorder(
      stream,
      file,
      { ...opts, reuseBuffers: true },
      meta,
      gzip && fileStream,
    );
    recorder.counts = counts;
    recorder.fileMode = mode;
    return recorder;
  }

  /** The mode of the files it makes (the sidecars written after it take it too). */
  fileMode = DEFAULT_FILE_MODE;

  /** Where the kernel's counts go, when they are recorded. */
  private counts: CountsWriter | undefined;
  private countsReported = false;

  /** Path of the counts file, or null when none is written. */
  get countsPath(): string | null {
    return this.counts?.path ?? null;
  }

  /** Why the counts file is not whole (the capture ended without its last counts), and when. */
  private countsBroken: { reason: string; at: string } | undefined;

  /**
   * Says that the counts this recording holds are not all the capture's: bpftrace died, or
   * never printed its last counts. The metadata then says so (complete: false, the reason and
   * the time), and a replay takes its figures from the events. The first reason given stays.
   */
  markCountsIncomplete(reason: string, at = new Date()): void {
    this.countsBroken ??= { reason, at: isoLocal(at) };
  }

  /** Records one interval of the kernel's exact counts (see countsFile.ts). */
  pushCounts(d: CountsDelta): void {
    const c = this.counts;
    if (!c || this.closing) return;
    if (c.error !== undefined && !this.countsReported) {
      this.countsReported = true;
      this.onError?.(describeFsError(c.error, c.path));
    }
    c.push(d);
  }

  /**
   * A recorder over any writable stream (tests, pipes). The header is written at once.
   * `meta`, when given, is rewritten beside `file` at close.
   */
  constructor(
    stream: Writable,
    file = '',
    opts: RecorderOptions = {},
    meta: SessionMeta | null = null,
    compressedTo?: WriteStream,
  ) {
    this.stream = stream;
    this.sink = compressedTo ?? stream;
    if (compressedTo && stream instanceof zlib.Gzip) {
      this.gzip = stream;
      stream.on('data', (b: Buffer) => (this.gzipOut += b.length));
      stream.pipe(compressedTo);
      compressedTo.on('error', (err) => this.fail(err));
    }
    this.path = file;
    this.meta = meta;
    this.metaPath = meta && file ? metaPathFor(file) : null;
    // compressed, a batch ends with a sync flush: smaller ones lose fewer rows to a cut file
    this.batchRows = Math.max(1, opts.batchRows ?? (compressedTo ? 1024 : 4096));
    this.onError = opts.onError;
    this.reuseBuffers = opts.reuseBuffers === true;
    this.names = opts.opcodes ?? new OpcodeTable();
    this.stringifier = createArrayCsvStringifier({ header: [...RECORDING_COLUMNS] });
    stream.on('error', (err) => this.fail(err));
    this.enqueue(Buffer.from(this.stringifier.getHeaderString() ?? ''), 0);
    const every = opts.flushIntervalMs ?? 500;
    if (every > 0) {
      this.timer = setInterval(() => this.flush(), every);
      this.timer.unref();
    }
  }

  /** After close(): removes the recording and its metadata (a session that captured nothing). */
  async discard(): Promise<void> {
    await this.close().catch(() => undefined);
    for (const f of [this.path, this.metaPath, this.countsPath])
      if (f) await fsp.rm(f, { force: true }).catch(() => undefined);
  }

  /** Rows pushed so far (all of them reach the file by the time close() resolves). */
  get rows(): number {
    return this.rowCount;
  }

  /** Bytes the stream has finished writing (the file's size once flushed; uncompressed). */
  get bytesWritten(): number {
    return this.handedBytes - this.stream.writableLength;
  }

  /** The file's size as it will be once what is pending is written (compressed, with gzip). */
  get fileBytes(): number {
    if (!this.gzip) return this.bytesWritten + this.pendingBytes;
    return this.gzipOut;
  }

  /** Bytes formatted but not yet written: our queue plus the stream's own buffer. */
  get pendingBytes(): number {
    return this.queuedBytes + this.stream.writableLength;
  }

  /** The write failure, if any (after it, rows are no longer written). */
  get error(): RecordError | undefined {
    return this.failure;
  }

  /**
   * Rows whole in the file: every row pushed, once close() has resolved without a failure;
   * after a failure, those written before it (a row cut by it is taken off the file at close).
   */
  get rowsWritten(): number {
    return this.failure ? this.diskRows : this.rowCount;
  }

  /** Rows pushed that the file will not hold (pushed after a failure, or lost with it). */
  get rowsLost(): number {
    return this.rowCount - this.rowsWritten;
  }

  push(ev: IoEvent): void {
    if (this.limit.reached) return; // not part of this recording: it stopped before them
    this.rowCount++;
    if (this.failure || this.closing) return;
    const comm = this.quote(ev.comm);
    const op = this.opName(ev.opcode);
    if (this.projectedBytes + ROW_NUMBERS_MAX + comm.length + op.length > this.limit.bytes) {
      this.rowCount--;
      this.reachLimit();
      return;
    }
    if (!this.batch.fits(comm.length, op.length)) this.flush();
    this.batch.row(
      ev.tsUs,
      ev.pid,
      comm,
      op,
      ev.fd,
      ev.offset,
      ev.length,
      ev.hasResult ? ev.result : null,
      ev.latencyNs,
    );
    if (this.batch.rows === this.batchRows) this.flush();
  }

  /** The most the file may grow to, and what to call when a row would take it past that. */
  private readonly limit: { bytes: number; reached: boolean; onReached?: () => void } = {
    bytes: Number.POSITIVE_INFINITY,
    reached: false,
  };

  /**
   * Keeps the file at most `bytes` long (--min-free: what the file system can give it): the
   * first row that could take it past that, and every row after it, are not written (nor
   * counted), the rows before it are, whole, and `onReached` is called once. Set again as the
   * free space is looked at; a limit already passed is reached at once.
   */
  limitFileTo(bytes: number, onReached: () => void): void {
    this.limit.bytes = bytes;
    this.limit.onReached = onReached;
    if (!this.limit.reached && this.projectedBytes > bytes) this.reachLimit();
  }

  /** Whether the file's size limit stopped it. */
  get limitReached(): boolean {
    return this.limit.reached;
  }

  private reachLimit(): void {
    if (this.limit.reached) return;
    this.limit.reached = true;
    this.flush(); // the rows before the limit, all of which fit under it
    this.limit.onReached?.();
  }

  /**
   * The file's size once every row taken so far is written: what is written and queued, and the
   * batch in the making (compressed: the compressed bytes so far, and the rest as it is, which
   * gzip does not make bigger by more than its few bytes of framing).
   */
  private get projectedBytes(): number {
    return this.fileBytes + (this.gzip ? this.pendingBytes : 0) + this.batch.length;
  }

  /** Bytes the file holds now, as far as the file system knows (handed to it and written). */
  get bytesInFile(): number {
    const written = (this.sink as Writable & { bytesWritten?: number }).bytesWritten;
    return written ?? this.diskBytes;
  }

  /** The opcode's name as bytes (the session's names; OP_<n> for one it does not know). */
  private opName(code: number): Buffer {
    let b = this.opNames[code];
    if (b === undefined) {
      b = Buffer.from(this.names.name(code), 'latin1');
      if (code >= 0 && code < 4096) this.opNames[code] = b;
    }
    return b;
  }

  /** Writes the rows gathered so far to the stream (or the queue while it drains). */
  flush(): void {
    if (this.batch.rows === 0 || this.failure) return;
    const rows = this.batch.rows;
    this.enqueue(this.batch.take(), rows);
  }

  /** The command name as a CSV field, quoted by csv-writer when it must be. */
  private quote(comm: string): Buffer {
    let q = this.quoted.get(comm);
    if (q === undefined) {
      // stringifyRecords ends the record with '\n'; the field is everything before it.
      q = Buffer.from(this.stringifier.stringifyRecords([[commToCsv(comm)]]).slice(0, -1));
      if (this.quoted.size >= 4096) this.quoted.clear();
      this.quoted.set(comm, q);
    }
    return q;
  }

  /** Records the final metadata counts (merged at close). */
  updateMeta(patch: SessionMetaInit): void {
    if (this.meta) this.meta = { ...this.meta, ...patch };
  }

  /**
   * Flushes every row, ends the stream and resolves once the file is fully written and closed;
   * rewrites the metadata with the end time and final counts. Rejects with the write error if the
   * stream failed. Calling it again returns the same promise.
   */
  close(finalMeta: SessionMetaInit = {}): Promise<void> {
    this.closing ??= this.doClose(finalMeta);
    return this.closing;
  }

  private async doClose(finalMeta: SessionMetaInit): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.flush();
    if (!this.failure) {
      // The queue is already in memory: handing it all to the stream's buffer costs nothing more.
      for (const chunk of this.queue.splice(0)) this.hand(chunk);
      this.queuedBytes = 0;
      this.stream.end();
    } else {
      this.stream.destroy();
      if (this.sink !== this.stream) this.sink.destroy();
    }
    try {
      await finished(this.sink);
    } catch (err) {
      this.fail(err);
    }
    if (this.failure) await this.keepWholeRows();
    const counts = this.counts;
    if (counts) await counts.close();
    if (this.meta && this.metaPath) {
      this.meta = {
        ...this.meta,
        ...(counts ? { counts: this.countsMeta(counts) } : {}),
        events: this.rowsWritten,
        endedAt: isoLocal(new Date()),
        ...finalMeta,
        ...(this.failure
          ? { rowsNotWritten: this.rowsLost, recordingError: this.failure.message }
          : {}),
      };
      try {
        await writeSessionMeta(this.metaPath, this.meta, 0, this.fileMode);
      } catch (err) {
        this.fail(err, this.metaPath);
      }
    }
    if (this.failure) throw this.failure;
  }

  /** The metadata's `counts`: whole, or why not (a write failure, or the capture's end). */
  private countsMeta(counts: CountsWriter): SessionCounts {
    const base = { file: path.basename(counts.path), intervals: counts.written };
    if (counts.error !== undefined)
      return {
        ...base,
        complete: false,
        reason: `writing it failed: ${describeFsError(counts.error, counts.path).message}`,
        ...(this.countsBroken ? { at: this.countsBroken.at } : {}),
      };
    if (this.countsBroken) return { ...base, complete: false, ...this.countsBroken };
    return { ...base, complete: true };
  }

  /**
   * After a failed write: the file holds the chunks confirmed written and perhaps the start of
   * the one that failed. Counts the rows whole in that start and cuts the file after the last
   * of them, so it ends on a whole row (cutting needs no free space).
   */
  private async keepWholeRows(): Promise<void> {
    const onDisk = (this.sink as Writable & { bytesWritten?: number }).bytesWritten;
    if (this.gzip) {
      // compressed: the file is whole up to the last sync flush it holds all of
      let keep = 0;
      this.diskRows = 0;
      for (const m of this.gzipMarks) {
        if (onDisk === undefined || m.end > onDisk) break;
        keep = m.end;
        this.diskRows = m.rows;
      }
      if (this.path) await cutTo(this.path, keep);
      return;
    }
    const failed = this.inFlight[0];
    let keep = this.diskBytes;
    if (failed && onDisk !== undefined && onDisk > this.diskBytes) {
      const part = failed.data.subarray(0, onDisk - this.diskBytes);
      const lastNewline = part.lastIndexOf(0x0a);
      for (let i = 0; i <= lastNewline; i++) if (part[i] === 0x0a) this.diskRows++;
      keep += lastNewline + 1;
    }
    if (this.path) await cutTo(this.path, keep);
  }

  private enqueue(data: Buffer, rows: number): void {
    if (data.length === 0) return;
    const chunk = { data, bytes: data.length, rows };
    if (this.waitingDrain) {
      this.queue.push(chunk);
      this.queuedBytes += chunk.bytes;
      return;
    }
    if (!this.hand(chunk)) this.waitForDrain();
  }

  /** Writes a chunk to the stream; false when the stream asks to wait for 'drain'. */
  private hand(chunk: Chunk): boolean {
    this.handedBytes += chunk.bytes;
    this.inFlight.push(chunk);
    const more = this.stream.write(chunk.data, (err) => {
      if (err || this.inFlight[0] !== chunk) return;
      this.inFlight.shift();
      this.diskBytes += chunk.bytes;
      if (chunk.rows > 0) this.diskRows += chunk.rows;
      // written: a batch's memory (chunks with rows are batches) can hold the next rows
      if (this.reuseBuffers && chunk.rows > 0 && !this.failure) this.batch.recycle(chunk.data);
    });
    const gz = this.gzip;
    if (gz) {
      // each batch ends a deflate block: a file cut after it (a crash, a full disk) reads
      // back whole up to there, and a failure knows how many rows the file holds
      const rows = (this.gzipRowsHanded += chunk.rows);
      gz.flush(zlib.constants.Z_SYNC_FLUSH, () => this.gzipMarks.push({ end: this.gzipOut, rows }));
      if (this.gzipMarks.length > 64) this.gzipMarks.splice(0, 32);
    }
    return more;
  }

  private waitForDrain(): void {
    this.waitingDrain = true;
    this.stream.once('drain', this.onDrain);
  }

  private readonly onDrain = (): void => {
    this.waitingDrain = false;
    while (this.queue.length > 0 && !this.failure) {
      const chunk = this.queue.shift() as Chunk;
      this.queuedBytes -= chunk.bytes;
      if (!this.hand(chunk)) {
        this.waitForDrain();
        return;
      }
    }
  };

  private fail(err: unknown, target = this.path || 'the recording'): void {
    if (this.failure) return;
    this.failure = err instanceof RecordError ? err : describeFsError(err, target);
    if (this.timer) clearInterval(this.timer);
    this.batch.take(); // the rows not written are counted, not kept
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.onError?.(this.failure);
  }
}

/** Cuts a recording of ours to `bytes` (never through a link); best effort after a failure. */
async function cutTo(file: string, bytes: number): Promise<void> {
  const fh = await openOwnFile(file).catch(() => undefined);
  if (!fh) return;
  await fh.truncate(bytes).catch(() => undefined);
  await fh.close().catch(() => undefined);
}
