/**
 * The byte-level pieces of the recording reader: opening a file (plain or gzip), the column
 * batch rows are decoded into, and the field parsers (integers, timestamps, latencies) that read
 * straight from the bytes without making strings.
 */
import { constants, createReadStream, promises as fsp } from 'node:fs';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { CsvFormatError } from './csvError.js';
import { parseLocalTimestamp } from './format.js';

/** Opens `path` as a byte stream, gunzipping when it is gzip data (by magic, not by name). */
export async function openBytes(
  path: string,
  chunkBytes: number,
  start = 0,
): Promise<{ stream: Readable; gz: boolean }> {
  let magic: Buffer;
  let fh: fsp.FileHandle | undefined;
  try {
    // without blocking: a FIFO put in its place opens at once, and is refused below
    fh = await fsp.open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    const st = await fh.stat();
    if (!st.isFile() && !st.isDirectory()) {
      await fh.close();
      throw new CsvFormatError(path, 0, 'cannot open the recording: not a regular file');
    }
    magic = Buffer.alloc(2);
    const { bytesRead } = await fh.read(magic, 0, 2, 0);
    magic = magic.subarray(0, bytesRead);
  } catch (err) {
    if (err instanceof CsvFormatError) throw err;
    await fh?.close().catch(() => undefined);
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
  // the file just looked at, read through the same descriptor
  const file = createReadStream('', { fd: fh, highWaterMark: chunkBytes, start });
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

/** Decoded rows, column-wise, reused from chunk to chunk. */
export class Batch {
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

/**
 * Local `YYYY-MM-DD HH:MM:SS[.f{1,9}]` → µs since the epoch, from the bytes. The local minute is
 * cached: on the hot path consecutive rows almost always share it.
 */
export class TimestampParser {
  private minuteKey = -1;
  private minuteBaseMs = 0;

  /** Local `YYYY-MM-DD HH:MM:SS[.f{1,9}]` (from 1970) → µs since the epoch, or NaN. */
  parse(buf: Buffer, s: number, e: number): number {
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
    // (before 1970 no capture ran; and Date would take the years 0 to 99 for 1900 to 1999)
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59) {
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
}

/** `n` decimal digits at s as a number, or -1 if any is not a digit. */
export function digits(buf: Buffer, s: number, n: number): number {
  let v = 0;
  for (let k = s; k < s + n; k++) {
    const d = buf[k] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** A decimal integer (optionally signed) in [s, e), or NaN. */
export function parseInteger(buf: Buffer, s: number, e: number, signed: boolean): number {
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
export function parseLatencyNs(buf: Buffer, s: number, e: number): number {
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

const TAIL_BYTES = 64 * 1024;
const ROW_START = /^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?),/;

/**
 * The largest timestamp among the rows that start in the last 64 KiB of a plain CSV, or null.
 * A line starting with a full timestamp and a comma is taken for a row start: a command name
 * (≤ 16 bytes) is too short to fake one.
 */
export async function readTailEndUs(path: string, notAfterUs: number): Promise<number | null> {
  const fh = await fsp.open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = await fh.stat();
    if (!st.isFile()) return null;
    const { size } = st;
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    if (size > len) lines.shift(); // the first piece may be the middle of a line
    let best: number | null = null;
    for (const line of lines) {
      const m = ROW_START.exec(line);
      if (!m) continue;
      const ts = parseLocalTimestamp(m[1]);
      // (a row stamped far later than the recording can be is not its end: the reader rejects it)
      if (ts > notAfterUs + 86_400_000_000) continue;
      if (!Number.isNaN(ts) && (best === null || ts > best)) best = ts;
    }
    return best;
  } finally {
    await fh.close();
  }
}
