import { describe, expect, it } from 'vitest';
import { LineParser } from '../../source/collect/parse.js';
import { copyEvent, type IoEvent } from '../../source/model/event.js';

const TOK = '0badc0de';

function collect(chunks: string[], lookupComm?: (tgid: number) => string) {
  const events: IoEvent[] = [];
  const notices: string[] = [];
  const counters: [string, number[], number][] = [];
  const names: [number, string][] = [];
  const ready: number[] = [];
  const ends: [number, boolean][] = [];
  const p = new LineParser({
    token: TOK,
    monoToWallOffsetUs: 1_700_000_000_000_000,
    onEvent: (ev) => events.push(copyEvent(ev)),
    onNotice: (l) => notices.push(l),
    onCounter: (n, k, v) => counters.push([n, [...k], v]),
    onCountersEnd: (ts, final) => ends.push([ts, final]),
    onOpcodeName: (c, n) => names.push([c, n]),
    onReady: (ts) => ready.push(ts),
    lookupComm,
  });
  for (const c of chunks) p.feed(c);
  p.end();
  return { events, notices, counters, names, ready, ends, parser: p };
}

/** An E line as the program prints it: a and b packed, in hex. */
function ev(o: {
  ts: number;
  lat: number;
  tgid: number;
  op: number;
  fd: number;
  off: number;
  len: number;
  res: number;
  flags?: number;
}): string {
  const a =
    BigInt(o.tgid) |
    (BigInt(o.flags ?? 0) << 22n) |
    (BigInt(o.op) << 24n) |
    (BigInt(o.fd >>> 0) << 32n);
  const b = BigInt(o.len >>> 0) | (BigInt(o.res >>> 0) << 32n);
  return `${TOK}E\t${o.ts}\t${o.lat}\t${a.toString(16)}\t${o.off}\t${b.toString(16)}\t${TOK}\n`;
}
const name = (tgid: number, comm: string) => `${TOK}N\t${tgid}\t${comm}\t${TOK}\n`;

describe('LineParser', () => {
  it('unpacks every field of an event line and converts monotonic ns to wall-clock µs', () => {
    const { events } = collect([
      name(4242, 'fio'),
      ev({
        ts: 5_000_123_456,
        lat: 473617,
        tgid: 4242,
        op: 22,
        fd: 7,
        off: 61440,
        len: 4096,
        res: 4096,
      }),
    ]);
    expect(events).toEqual([
      {
        tsUs: 1_700_000_000_000_000 + 5_000_123,
        pid: 4242,
        comm: 'fio',
        opcode: 22,
        fd: 7,
        fixedFile: false,
        offset: 61440,
        length: 4096,
        result: 4096,
        hasResult: true,
        latencyNs: 473617,
      },
    ]);
  });

  it('takes an fd word with bit 30 set (and 31 clear) for a registered-file index, never a descriptor', () => {
    const { events } = collect([
      name(77, 'srv'),
      ev({ ts: 1000, lat: 5, tgid: 77, op: 23, fd: 0x40000000 | 3, off: 0, len: 512, res: 512 }),
      ev({ ts: 2000, lat: 5, tgid: 77, op: 23, fd: 0x40000000, off: 0, len: 512, res: 512 }),
      ev({ ts: 3000, lat: 5, tgid: 77, op: 23, fd: 3, off: 0, len: 512, res: 512 }),
      ev({ ts: 4000, lat: 5, tgid: 77, op: 18, fd: -100, off: 0, len: 0, res: 4 }),
    ]);
    expect(events.map((e) => [e.fd, e.fixedFile])).toEqual([
      [3, true],
      [0, true],
      [3, false],
      [-100, false],
    ]);
  });

  it('keeps negative results and AT_FDCWD, the largest pid and opcode, and treats offset -1 as none', () => {
    const { events } = collect([
      name(4194303, 'x'),
      ev({
        ts: 1000,
        lat: 0,
        tgid: 4194303,
        op: 255,
        fd: -100,
        off: -1,
        len: 0xffffffff,
        res: -9,
        flags: 3,
      }),
    ]);
    expect(events[0]).toMatchObject({
      pid: 4194303,
      opcode: 255,
      fd: -100,
      offset: 0,
      length: 0xffffffff,
      result: -9,
      latencyNs: 0,
    });
  });

  it('reassembles lines split across chunks at any byte', () => {
    const text =
      name(9, 'postgres') +
      ev({ ts: 1_000_000, lat: 1000, tgid: 9, op: 23, fd: 3, off: 8192, len: 512, res: 512 });
    for (let cut = 1; cut < text.length; cut++) {
      const { events, notices } = collect([text.slice(0, cut), text.slice(cut)]);
      expect(notices).toEqual([]);
      expect(events.map((e) => [e.comm, e.offset])).toEqual([['postgres', 8192]]);
    }
  });

  it('keeps tabs and newlines inside a command name without losing a line', () => {
    const { events, notices } = collect([
      name(7, 'a\tb\nc\n@x: 1'),
      ev({ ts: 1000, lat: 5, tgid: 7, op: 0, fd: 0, off: 0, len: 0, res: 0 }),
    ]);
    expect(notices).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0].comm).toBe('a\tb\nc\n@x: 1');
  });

  it('names a process from /proc (the lookup) until its name line comes, then by the line', () => {
    const looked: number[] = [];
    const { events } = collect(
      [
        ev({ ts: 1000, lat: 5, tgid: 11, op: 0, fd: 0, off: 0, len: 0, res: 0 }),
        name(11, 'renamed'),
        ev({ ts: 2000, lat: 5, tgid: 11, op: 0, fd: 0, off: 0, len: 0, res: 0 }),
      ],
      (tgid) => {
        looked.push(tgid);
        return 'fromproc';
      },
    );
    expect(events.map((e) => e.comm)).toEqual(['fromproc', 'renamed']);
    expect(looked).toEqual([11]);
  });

  it('never parses bpftrace messages or lines without the token as events', () => {
    const { events, notices, counters } = collect([
      'Attaching 9 probes...\n',
      'E\t1\t2\t3\t4\t5\tfake\t\n',
      'Lost 12 events\n',
      '@dropped: 3\n',
      `${TOK}E\t1\t2\tnothex\t4\t5\t${TOK}\n`,
      `${TOK}E\t1\t2\t3\t4\t5\t6\t${TOK}\n`,
    ]);
    expect(events).toEqual([]);
    expect(counters).toEqual([['dropped', [], 3]]);
    expect(notices).toEqual([
      'Attaching 9 probes...',
      'E\t1\t2\t3\t4\t5\tfake\t',
      'Lost 12 events',
      `unparsable line: ${TOK}E\t1\t2\tnothex\t4\t5\t${TOK}`,
      `unparsable line: ${TOK}E\t1\t2\t3\t4\t5\t6\t${TOK}`,
    ]);
  });

  it('reads keyed counters, and the end-of-counters and ready markers as wall-clock µs', () => {
    const { counters, ends, ready } = collect([
      `${TOK}R\t2000000\t${TOK}\n`,
      '@lat[1234, 22, 130]: 17\n',
      '@err[1234, 22, 11]: 2\n',
      '@overflow: 0\n',
      `${TOK}T\t1002000000\t${TOK}\n`,
      '@overflow: 1\n',
      `${TOK}F\t1003000000\t${TOK}\n`,
    ]);
    expect(counters).toEqual([
      ['lat', [1234, 22, 130], 17],
      ['err', [1234, 22, 11], 2],
      ['overflow', [], 0],
      ['overflow', [], 1],
    ]);
    expect(ready).toEqual([1_700_000_000_002_000]);
    // a regular round's end, then the final one's (END's F line)
    expect(ends).toEqual([
      [1_700_000_001_002_000, false],
      [1_700_000_001_003_000, true],
    ]);
  });

  it('learns kernel opcode names, and ignores an empty one (bpftrace 0.23 reads op_str as "")', () => {
    const { names, notices } = collect([
      `${TOK}O\t70\tNEW_OP\t${TOK}\n`,
      `${TOK}O\t71\t\t${TOK}\n`,
    ]);
    expect(names).toEqual([[70, 'NEW_OP']]);
    expect(notices).toEqual([]);
  });

  it('reads a command name byte for byte (bpftrace output is read as latin1): UTF-8 or not', () => {
    const bytes = Buffer.from([0x66, 0xc3, 0xbc, 0xff, 0x1b]); // f, ü in UTF-8, a stray byte, ESC
    const { events } = collect([
      name(7, bytes.toString('latin1')),
      ev({ ts: 1, lat: 7, tgid: 7, op: 22, fd: 0, off: 0, len: 0, res: 0 }),
    ]);
    expect(events[0].comm).toBe('fü\udcff\x1b');
  });

  it('reports a name line that never gets its trailer instead of swallowing later lines', () => {
    const { events, notices } = collect([
      `${TOK}N\t5\tbroken\n`,
      ev({ ts: 2000, lat: 1, tgid: 1, op: 0, fd: 0, off: 0, len: 0, res: 1 }),
    ]);
    expect(events).toHaveLength(1);
    expect(notices[0]).toMatch(/^unparsable line/);
  });

  it('reads a line of several events (a CPU held them), in order, io_uring_enter calls among them', () => {
    const enter = ev({ ts: 8_000, lat: 300, tgid: 42, op: 255, fd: 3, off: 0, len: 1, res: 1 });
    const completion = ev({
      ts: 9_000,
      lat: 700,
      tgid: 42,
      op: 22,
      fd: 5,
      off: 4096,
      len: 512,
      res: 512,
    });
    const failed = ev({ ts: 9_500, lat: 50, tgid: 7, op: 1, fd: 4, off: -1, len: 8, res: -11 });
    const field = (l: string) => l.split('\t').slice(1, -1);
    const batch = `${TOK}E\t${[enter, completion, failed].flatMap(field).join('\t')}\t${TOK}\n`;
    const { events, notices } = collect([name(42, 'db'), name(7, 'cache'), batch]);
    expect(notices).toEqual([]);
    expect(
      events.map((e) => [
        e.pid,
        e.opcode,
        e.tsUs % 1000,
        e.fd,
        e.offset,
        e.length,
        e.result,
        e.latencyNs,
      ]),
    ).toEqual([
      [42, 255, 8, 3, 0, 1, 1, 300],
      [42, 22, 9, 5, 4096, 512, 512, 700],
      [7, 1, 9, 4, 0, 8, -11, 50],
    ]);
    // a line cut in the middle of an event is reported whole, none of its events taken
    const cut = `${TOK}E\t${[enter, completion].flatMap(field).slice(0, 8).join('\t')}\t${TOK}\n`;
    const broken = collect([name(42, 'db'), cut]);
    expect(broken.events).toEqual([]);
    expect(broken.notices).toEqual([expect.stringMatching(/^unparsable line/)]);
  });

  it('reads the events the CPUs held at the end (@qn, then @q: decimal, 64-bit exact)', () => {
    const a = (42n | (255n << 24n) | (0xfffffff0n << 32n)).toString(); // fd -16: past 2^53
    const b = (7n | (0xffffffffn << 32n)).toString(); // ret -1
    const { events, notices } = collect([
      name(42, 'db'),
      '@qn[0]: 0\n@qn[1]: 1\n',
      // CPU 0 holds nothing (its entries were sent), CPU 1 its first entry only
      `@q[0, 0]: (4000, 1, ${a}, 0, ${b})\n`,
      `@q[1, 0]: (5000, 77, ${a}, -1, ${b})\n`,
      `@q[1, 1]: (6000, 1, ${a}, 0, ${b})\n`,
    ]);
    expect(notices).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        pid: 42,
        comm: 'db',
        opcode: 255,
        fd: -16,
        offset: 0,
        length: 7,
        result: -1,
        latencyNs: 77,
      }),
    ]);
  });

  it('rejects a token that is not hex', () => {
    expect(
      () =>
        new LineParser({ token: 'x"; system', monoToWallOffsetUs: 0, onEvent() {}, onNotice() {} }),
    ).toThrow(/hex/);
  });
});
