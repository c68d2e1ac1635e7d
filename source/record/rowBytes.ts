/**
 * The recorder's hot path: rows of the seed's CSV written as bytes straight into a batch buffer,
 * with no string per row or per field. The text is byte for byte what the formatters in
 * format.ts give (test/record/rowBytes.test.ts holds them to it); numbers are written digit by
 * digit, the timestamp's date and time from a per-second cache, the command name and the opcode
 * name from per-value caches of their bytes.
 */
import { formatLatencyMs, formatTimestamp } from './format.js';

const COMMA = 0x2c;
const NEWLINE = 0x0a;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
/** Above this, integers are written through String() (doubles lose their last digits there). */
const EXACT = 2 ** 53;
/** Room for every field of a row but the two cached names: 26 + 4 × 21 + 8 + 28 + separators. */
export const ROW_NUMBERS_MAX = 160;

/** "00" to "99" as byte pairs. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = ZERO + ((i / 10) | 0);
  PAIRS[2 * i + 1] = ZERO + (i % 10);
}

/** Digits of 0 ≤ n < 2^53 in decimal. */
function decimalLength(n: number): number {
  if (n < 1e9) {
    if (n < 1e4) return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : 4;
    return n < 1e5 ? 5 : n < 1e6 ? 6 : n < 1e7 ? 7 : n < 1e8 ? 8 : 9;
  }
  let len = 10;
  for (let p = 1e10; n >= p && len < 16; p *= 10) len++;
  return len;
}

/** Batch buffers kept for reuse: a few are in flight to the file at a time. */
const SPARE_BUFFERS = 4;

export class RowBytes {
  private buf: Buffer;
  /** Buffers whose bytes were written, ready for the next batches. */
  private readonly spare: Buffer[] = [];
  private pos = 0;
  private rowsIn = 0;
  private second = Number.NaN;
  private readonly prefix = Buffer.alloc(32);
  private prefixLength = 0;

  constructor(private readonly capacity = 1 << 20) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Rows in the batch. */
  get rows(): number {
    return this.rowsIn;
  }

  /** Bytes in the batch. */
  get length(): number {
    return this.pos;
  }

  /** Whether a row with names of these byte lengths fits in the batch. */
  fits(commBytes: number, opBytes: number): boolean {
    return this.pos + ROW_NUMBERS_MAX + commBytes + opBytes <= this.buf.length;
  }

  /**
   * Hands the batch over (the caller owns the bytes until it gives them back with recycle())
   * and starts a new one.
   */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = this.spare.pop() ?? Buffer.allocUnsafe(this.capacity);
    this.pos = 0;
    this.rowsIn = 0;
    return out;
  }

  /**
   * A batch from take() whose bytes are no longer needed (written): its memory is used again.
   * At tens of batches a second, a new megabyte each time is external memory that makes V8
   * run a full collection every few hundred milliseconds.
   */
  recycle(batch: Buffer): void {
    const whole = batch.buffer;
    if (
      batch.byteOffset !== 0 ||
      whole.byteLength !== this.capacity ||
      this.spare.length >= SPARE_BUFFERS ||
      whole === this.buf.buffer ||
      this.spare.some((b) => b.buffer === whole)
    )
      return;
    this.spare.push(Buffer.from(whole, 0, this.capacity));
  }

  /**
   * One row. `comm` and `op` are the command name's CSV field and the opcode name, as bytes.
   * Zero fd, offset, length and latency are written empty, as is a result that is unavailable.
   */
  row(
    tsUs: number,
    pid: number,
    comm: Buffer,
    op: Buffer,
    fd: number,
    offset: number,
    length: number,
    result: number | null,
    latencyNs: number,
  ): void {
    if (!this.fits(comm.length, op.length)) this.grow(comm.length + op.length);
    this.timestamp(tsUs);
    this.buf[this.pos++] = COMMA;
    this.int(pid);
    this.buf[this.pos++] = COMMA;
    this.bytes(comm);
    this.buf[this.pos++] = COMMA;
    this.bytes(op);
    this.buf[this.pos++] = COMMA;
    if (fd !== 0) this.int(fd);
    this.buf[this.pos++] = COMMA;
    if (offset !== 0) this.int(offset);
    this.buf[this.pos++] = COMMA;
    if (length !== 0) this.int(length);
    this.buf[this.pos++] = COMMA;
    if (result !== null) this.int(result);
    this.buf[this.pos++] = COMMA;
    this.latency(latencyNs);
    this.buf[this.pos++] = NEWLINE;
    this.rowsIn++;
  }

  /** A batch too small for one row (names of kilobytes): a larger buffer, same contents. */
  private grow(names: number): void {
    const bigger = Buffer.allocUnsafe(
      Math.max(this.buf.length * 2, this.pos + ROW_NUMBERS_MAX + names),
    );
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** `YYYY-MM-DD HH:MM:SS.ffffff`, local time. */
  private timestamp(tsUs: number): void {
    const us = Math.round(tsUs);
    const second = Math.floor(us / 1_000_000);
    if (second !== this.second) {
      // the date and time of this second, as formatTimestamp writes them (up to the fraction)
      const text = formatTimestamp(second * 1_000_000);
      this.prefixLength = this.prefix.write(text.slice(0, -6), 0, 'latin1');
      this.second = second;
    }
    this.bytes(this.prefix, this.prefixLength);
    this.digits(us - second * 1_000_000, 6);
  }

  /** Exactly `width` digits of 0 ≤ n < 10^width, zero-padded. */
  private digits(n: number, width: number): void {
    const b = this.buf;
    let q = this.pos + width;
    this.pos = q;
    let left = width;
    if (n >= 2147483648) {
      // past int32: floating-point steps down to where int32 arithmetic holds
      while (n >= 2147483648) {
        const t = Math.floor(n / 10);
        b[--q] = ZERO + (n - t * 10); // (48 + n would round above 2^53)
        n = t;
        left--;
      }
    }
    // two digits a step, from a table
    while (left >= 2) {
      const t = (n / 100) | 0;
      const r = (n - t * 100) << 1;
      b[--q] = PAIRS[r + 1];
      b[--q] = PAIRS[r];
      n = t;
      left -= 2;
    }
    if (left === 1) b[--q] = ZERO + n;
  }

  /** An integer in decimal, as String() writes it. */
  private int(n: number): void {
    const b = this.buf;
    if (!Number.isInteger(n) || n >= EXACT || n <= -EXACT) {
      this.pos += b.write(String(n), this.pos, 'latin1');
      return;
    }
    if (n < 0) {
      b[this.pos++] = MINUS;
      n = -n;
    }
    this.digits(n, decimalLength(n));
  }

  /** Copies a short buffer byte by byte (cheaper than Buffer.copy for a few bytes). */
  private bytes(src: Buffer, end = src.length): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < end; i++) b[p++] = src[i];
    this.pos = p;
  }

  /** Nanoseconds as milliseconds, six decimals with trailing zeros trimmed (as formatLatencyMs). */
  private latency(ns: number): void {
    if (ns === 0 || !Number.isFinite(ns)) return;
    const v = Math.round(ns);
    if (v < 0 || v >= EXACT) {
      this.pos += this.buf.write(formatLatencyMs(ns), this.pos, 'latin1');
      return;
    }
    if (v === 0) return;
    let frac = v % 1_000_000;
    this.int((v - frac) / 1_000_000);
    if (frac === 0) return;
    this.buf[this.pos++] = DOT;
    let width = 6;
    while (frac % 10 === 0) {
      frac /= 10;
      width--;
    }
    this.digits(frac, width);
  }
}
