/**
 * The trace writer on rows made by hand: what each kind of row becomes, the io_uring_enter
 * tracks that keep complete events from overlapping, names escaped, and counters.
 */
import { describe, expect, it } from 'vitest';
import { emptyEvent, type IoEvent } from '../../source/model/event.js';
import { IO_URING_ENTER, OpcodeTable } from '../../source/model/opcodes.js';
import { laneTid, microseconds, TraceWriter } from '../../source/trace/writer.js';
import { checkTrace } from '../helpers/traceRules.js';

const ZERO = 1_700_000_000_000_000;
const names = new OpcodeTable();

function row(p: Partial<IoEvent>): IoEvent {
  return { ...emptyEvent(), pid: 100, comm: 'app', hasResult: true, ...p };
}

/** The writer's text for some rows, as a whole trace, checked. */
function traceOf(rows: IoEvent[], w = new TraceWriter({ names, zeroUs: ZERO })) {
  const body = rows.map((r) => w.row(r)).join('');
  return { trace: checkTrace(`{"traceEvents":[\n${body}\n]}`), writer: w, body };
}

describe('TraceWriter', () => {
  it('writes microseconds to the nanosecond, without an exponent', () => {
    expect(microseconds(0)).toBe('0');
    expect(microseconds(1)).toBe('0.001');
    expect(microseconds(1500)).toBe('1.5');
    expect(microseconds(-2_000_010)).toBe('-2000.01');
    expect(microseconds(86_400e9)).toBe('86400000000');
  });

  it('makes an operation a b/e span from its submission to its completion, with its row in args', () => {
    const { trace } = traceOf([
      row({
        tsUs: ZERO + 5000,
        opcode: names.code('READ')!,
        fd: 7,
        offset: 4096,
        length: 512,
        result: -9,
        latencyNs: 1234,
      }),
    ]);
    expect(trace.spans).toEqual([
      {
        name: 'READ',
        pid: 100,
        id: '0x1',
        startUs: 4998.766,
        endUs: 5000,
        args: { fd: 7, offset: 4096, length: 512, result: -9, errno: 'EBADF', latency_us: 1.234 },
      },
    ]);
    expect(trace.processNames.get(100)).toBe('app');
  });

  it('gives overlapping operations ids of their own, and one without a latency an instant', () => {
    const { trace } = traceOf([
      row({ tsUs: ZERO + 10, opcode: 22, latencyNs: 9000 }),
      row({ tsUs: ZERO + 11, opcode: 22, latencyNs: 9000 }),
      row({ tsUs: ZERO + 12, opcode: 22, latencyNs: 0, hasResult: true, result: 1 }),
    ]);
    expect(trace.spans.map((s) => [s.id, s.startUs, s.endUs])).toEqual([
      ['0x1', 1, 10],
      ['0x2', 2, 11],
    ]);
    expect(trace.instants).toHaveLength(1);
    expect(trace.instants[0]).toMatchObject({ ph: 'n', id: '0x3', ts: 12 });
    expect(trace.instants[0].args).toMatchObject({ latency: 'unknown' });
  });

  it('puts io_uring_enter calls that overlap on tracks of their own, and reuses a free one', () => {
    const enter = (endUs: number, latUs: number) =>
      row({
        tsUs: ZERO + endUs,
        opcode: IO_URING_ENTER,
        fd: 3,
        length: 2,
        result: 2,
        latencyNs: latUs * 1000,
      });
    // [0,10] [5,12] [11,20]: the second overlaps the first; the third starts after the first ends
    const { trace, writer } = traceOf([enter(10, 10), enter(12, 7), enter(20, 9)]);
    expect(trace.calls.map((c) => [c.ts, c.dur, c.tid])).toEqual([
      [0, 10, laneTid(100, 0)],
      [5, 7, laneTid(100, 1)],
      [11, 9, laneTid(100, 0)],
    ]);
    expect(trace.threadNames.get(laneTid(100, 0))).toBe('io_uring_enter');
    expect(trace.threadNames.get(laneTid(100, 1))).toBe('io_uring_enter 2');
    expect(trace.calls[0].args).toEqual({ fd: 3, to_submit: 2, result: 2 });
    expect(writer.counts).toMatchObject({ calls: 3, lanes: 2, crowded: 0 });
    // a track id is never a real thread's (those are below 2^22), nor another process's
    expect(laneTid(100, 0)).toBeGreaterThan(2 ** 22);
    expect(laneTid(4_194_303, 1022)).toBeLessThan(2 ** 32);
  });

  it('names a process by its escaped name, again when it changes', () => {
    const { trace, body } = traceOf([
      row({ tsUs: ZERO + 1, opcode: 0, latencyNs: 100, comm: 'evil\u001b[2J' }),
      row({ tsUs: ZERO + 2, opcode: 0, latencyNs: 100, comm: 'evil\u001b[2J' }),
      row({ tsUs: ZERO + 3, opcode: 0, latencyNs: 100, comm: 'renamed' }),
    ]);
    expect(body).not.toContain('\\u001b');
    expect(body.match(/"process_name"/g)).toHaveLength(2);
    expect(trace.processNames.get(100)).toBe('renamed');
    expect(body).toContain('"name":"evil\\\\x1b[2J"');
  });

  it('writes a counter only when its value changes', () => {
    const w = new TraceWriter({ names, zeroUs: ZERO });
    const parts = [
      w.counter(7, 'db', ZERO, 10),
      w.counter(7, 'db', ZERO + 1e6, 10),
      w.counter(7, 'db', ZERO + 2e6, 12.3456),
      w.counter(7, 'db', ZERO + 3e6, 0),
    ];
    expect(parts[1]).toBe('');
    const { counters, processNames } = checkTrace(`{"traceEvents":[${parts.join('')}]}`);
    expect(counters.map((c) => [c.ts, c.args])).toEqual([
      [0, { 'ops/s': 10 }],
      [2e6, { 'ops/s': 12.3456 }],
      [3e6, { 'ops/s': 0 }],
    ]);
    expect(processNames.get(7)).toBe('db');
  });
});
