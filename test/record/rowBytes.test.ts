import { describe, expect, it } from 'vitest';
import { formatLatencyMs, formatTimestamp } from '../../source/record/format.js';
import { RowBytes } from '../../source/record/rowBytes.js';

type Row = [number, number, string, string, number, number, number, number | null, number];

/** The row as the string formatters write it: what the bytes must be. */
const reference = ([ts, pid, comm, op, fd, offset, length, result, lat]: Row): string =>
  `${formatTimestamp(ts)},${pid},${comm},${op},${fd === 0 ? '' : fd},${offset === 0 ? '' : offset},` +
  `${length === 0 ? '' : length},${result === null ? '' : result},${formatLatencyMs(lat)}\n`;

function encode(rows: Row[], capacity?: number): string {
  const out = new RowBytes(capacity);
  const parts: Buffer[] = [];
  for (const [ts, pid, comm, op, fd, offset, length, result, lat] of rows) {
    const c = Buffer.from(comm);
    const o = Buffer.from(op);
    if (!out.fits(c.length, o.length)) parts.push(out.take());
    out.row(ts, pid, c, o, fd, offset, length, result, lat);
  }
  parts.push(out.take());
  return Buffer.concat(parts).toString('utf8');
}

describe('RowBytes', () => {
  it('writes every field byte for byte as the string formatters do, edge values included', () => {
    const t = Date.UTC(2026, 10, 30, 12, 0, 0) * 1000;
    const edges: Row[] = [
      [t, 1, 'fio', 'READ', 5, 4096, 4096, 4096, 42517],
      [t + 999_999, 4194304, '"a,b"', 'IO_URING_ENTER', 0, 0, 0, null, 0],
      [t + 1_000_000, 7, 'x\\x1b]0;t\\x07', 'OP_200', -100, -1, 1, -11, 1],
      [t + 1_000_000.4, 7, 'n', 'NOP', 2147483647, 2 ** 53 - 1, 2 ** 32, -2147483648, 999_999],
      [t - 1, 7, 'n', 'NOP', -2147483649, 2 ** 53, 2 ** 63, 0, 1_000_000],
      [t + 0.5, 7, 'n', 'NOP', 10, 1e15, 1e16, 9, 1_000_001],
      [t + 59 * 60e6, 7, 'n', 'NOP', 99, 123456789012345, 10, 10, 123_456_789_000],
      [t, 7, 'n', 'NOP', 1, 1, 1, 1, 2 ** 53 + 2],
      [t, 7, 'n', 'NOP', 1, 1, 1, 1, -5],
      [t, 7, 'n', 'NOP', 1, 1, 1, 1, 0.4],
      [t, 7, 'n', 'NOP', 1, 1, 1, 1, 1e21],
    ];
    for (const r of edges) expect(encode([r]), JSON.stringify(r)).toBe(reference(r));
  });

  it('reuses a recycled batch for a later one, and never the memory of one still held', () => {
    const out = new RowBytes(4096);
    const row = (pid: number): void =>
      out.row(0, pid, Buffer.from('c'), Buffer.from('NOP'), 0, 0, 0, null, 0);
    row(1);
    const first = out.take();
    row(2);
    const second = out.take();
    expect(second.buffer).not.toBe(first.buffer);
    out.recycle(first);
    out.recycle(first); // twice: still one spare
    row(3); // (into the batch begun when the second was taken)
    const third = out.take();
    row(4);
    const fourth = out.take();
    expect(fourth.buffer).toBe(first.buffer); // the written batch's memory, used again
    row(5);
    const fifth = out.take();
    expect([first, second, third].map((b) => b.buffer)).not.toContain(fifth.buffer);
    // the batches still held are untouched
    expect([second, third, fourth].map((b) => b.toString().split(',')[1])).toEqual(['2', '3', '4']);
    // a buffer of another size, or a slice of one, is not taken
    out.recycle(Buffer.alloc(100));
    out.recycle(second.subarray(1));
    row(6);
    out.take();
    row(7);
    expect(out.take().buffer).not.toBe(second.buffer);
  });

  it('matches them on many random rows, across batch boundaries', () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const big = (): number => Math.floor(rnd() * 10 ** Math.floor(rnd() * 16));
    const rows: Row[] = [];
    let ts = Date.UTC(2026, 0, 1) * 1000;
    for (let i = 0; i < 20_000; i++) {
      ts += Math.floor(rnd() * 300_000);
      rows.push([
        ts,
        1 + Math.floor(rnd() * 4194304),
        ['fio', 'postgres', 'iou-wrk-77', '"q"'][i % 4],
        ['READ', 'WRITE_FIXED', 'IO_URING_ENTER'][i % 3],
        rnd() < 0.2 ? 0 : big() * (rnd() < 0.1 ? -1 : 1),
        rnd() < 0.2 ? 0 : big(),
        rnd() < 0.2 ? 0 : big(),
        rnd() < 0.1 ? null : big() * (rnd() < 0.3 ? -1 : 1),
        rnd() < 0.1 ? 0 : big(),
      ]);
    }
    // a small batch: many hand-overs
    expect(encode(rows, 4096)).toBe(rows.map(reference).join(''));
  });

  it('grows for a row with names longer than the whole batch', () => {
    const long = 'c'.repeat(10_000);
    const r: Row = [Date.UTC(2026, 0, 1) * 1000, 1, long, 'READ', 1, 1, 1, 1, 1];
    expect(encode([r], 1024)).toBe(reference(r));
  });
});
