import { describe, expect, it } from 'vitest';
import { Model } from '../../source/model/model.js';
import { formatSummary } from '../../source/render/summary.js';
import { ev, MS, SEC, T } from '../model/helpers.js';

function capture(): Model {
  const m = new Model();
  m.advance(T);
  // 2000 READs of 4 KiB by postgres at 10..20 µs, 3 failing with EIO, 2 EAGAIN (expected).
  for (let i = 0; i < 2000; i++) {
    m.push(
      ev({
        tsUs: T + i * 5 * MS,
        pid: 2101,
        comm: 'postgres',
        result: i < 3 ? -5 : i < 5 ? -11 : 4096,
        latencyNs: 10_000 + (i % 11) * 1000,
      }),
    );
  }
  // 10 WRITEs of 1 MiB by a process with an escape sequence in its name, at 2 ms.
  for (let i = 0; i < 10; i++) {
    m.push(
      ev({
        tsUs: T + i * SEC,
        pid: 77,
        comm: 'evil\x1b[2J',
        opcode: 23,
        result: 1 << 20,
        latencyNs: 2e6,
      }),
    );
  }
  // 500 io_uring_enter calls submitting 4 each.
  for (let i = 0; i < 500; i++) {
    m.push(
      ev({ tsUs: T + i * 20 * MS, pid: 2101, comm: 'postgres', opcode: 255, length: 4, result: 4 }),
    );
  }
  m.advance(T + 10 * SEC);
  m.setCaptureCounters({ lost: 12, dropped: 1, overflow: 0 });
  return m;
}

describe('formatSummary', () => {
  const text = formatSummary(capture().snapshot({ series: false }), {
    title: 'iouringtop live capture, tracepoints+latency',
    filter: 'comm:postgres',
    recording: 'iouring/iouring_20260101_120000.csv',
  });
  const lines = text.split('\n');

  it('starts with the title, filter, recording and the totals line', () => {
    expect(lines.slice(0, 4)).toEqual([
      'iouringtop live capture, tracepoints+latency',
      'filter: comm:postgres',
      'recording: iouring/iouring_20260101_120000.csv',
      '10.0 s, 2.5K events, 2.0K operations (201/s), read 7.8 MiB, written 10.0 MiB, 3 errors, 2 expected',
    ]);
  });

  it('has a table per opcode with operations, bytes, errors and latency percentiles', () => {
    const at = lines.indexOf('By opcode');
    expect(lines[at + 1].split(/\s{2,}/)).toEqual([
      'OPCODE',
      'OPS',
      'AVG OPS/s',
      'READ',
      'WRITTEN',
      'ERRORS',
      'EXPECTED',
      'P50',
      'P99',
      'MAX',
    ]);
    // READ: 1995 × 4 KiB = 7.8 MiB; latencies 10..20 µs in equal shares: p50 15 µs, p99 20 µs.
    expect(lines[at + 2].split(/\s+/)).toEqual([
      'READ', '2.0K', '200/s', '7.8', 'MiB', '0', 'B', '3', '2', '15.0µs', '20.0µs', '20.0µs',
    ]); // prettier-ignore
    expect(lines[at + 3].split(/\s+/)[0]).toBe('IO_URING_ENTER');
    expect(lines[at + 4].split(/\s+/)).toEqual([
      'WRITE', '10', '1/s', '0', 'B', '10.0', 'MiB', '0', '0', '2.00ms', '2.00ms', '2.00ms',
    ]); // prettier-ignore
  });

  it('has a table per process, busiest first, with the command name escaped', () => {
    const at = lines.indexOf('By process');
    expect(lines[at + 1].trim().split(/\s{2,}/)[0]).toBe('PID');
    expect(lines[at + 2].split(/\s+/)).toEqual([
      '2101', 'postgres', '2.0K', '200/s', '7.8', 'MiB', '0', 'B', '3', '2', '15.0µs', '20.0µs', '20.0µs', 'READ',
    ]); // prettier-ignore
    expect(lines[at + 3]).toContain('evil\\x1b[2J');
    expect(text).not.toContain('\x1b');
  });

  it('ends with errors by errno, io_uring_enter batching and the capture counters', () => {
    expect(text).toContain('\nErrors: EIO 3\nExpected results: EAGAIN 2\n');
    expect(text).toContain(
      '\nio_uring_enter: 500 calls (50/s), 4.0 operations submitted per call\n',
    );
    expect(text.endsWith(
      'Capture: lost 12 events, dropped 1 submissions (in-flight map full), overflow 0 completions (CQ overflow)\n',
    )).toBe(true); // prettier-ignore
  });

  it('says so when there were no events', () => {
    const empty = formatSummary(new Model().snapshot(), { counters: { malformed: 2 } });
    expect(empty).toContain('By opcode\n  (no events)');
    expect(empty).toContain('Errors: none');
    expect(empty).toContain('io_uring_enter: no calls seen');
    expect(empty).toContain(', 2 malformed lines');
  });
});
