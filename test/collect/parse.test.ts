import { describe, expect, it } from 'vitest';
import { LineParser } from '../../source/collect/parse.js';
import { copyEvent, type IoEvent } from '../../source/model/event.js';

const TOK = '0badc0de';

function collect(chunks: string[]) {
  const events: IoEvent[] = [];
  const notices: string[] = [];
  const counters: [string, number][] = [];
  const names: [number, string][] = [];
  let ready = 0;
  const p = new LineParser({
    token: TOK,
    monoToWallOffsetUs: 1_700_000_000_000_000,
    onEvent: (ev) => events.push(copyEvent(ev)),
    onNotice: (l) => notices.push(l),
    onCounter: (n, v) => counters.push([n, v]),
    onOpcodeName: (c, n) => names.push([c, n]),
    onReady: () => ready++,
  });
  for (const c of chunks) p.feed(c);
  p.end();
  return { events, notices, counters, names, ready, parser: p };
}

const ev = (fields: (string | number)[], comm = 'fio') =>
  `${TOK}E\t${fields.join('\t')}\t${comm}\t${TOK}\n`;

describe('LineParser', () => {
  it('parses every field of an event line and converts monotonic ns to wall-clock µs', () => {
    const { events } = collect([ev([5_000_123_456, 4242, 22, 7, 61440, 4096, 4096, 473617, 0])]);
    expect(events).toEqual([
      {
        tsUs: 1_700_000_000_000_000 + 5_000_123,
        pid: 4242,
        comm: 'fio',
        opcode: 22,
        fd: 7,
        offset: 61440,
        length: 4096,
        result: 4096,
        hasResult: true,
        latencyNs: 473617,
      },
    ]);
  });

  it('keeps negative results and AT_FDCWD, and treats offset -1 (current position) as none', () => {
    const { events } = collect([ev([1000, 1, 22, -100, -1, 100, -9, 0, 1])]);
    expect(events[0]).toMatchObject({ fd: -100, offset: 0, result: -9, latencyNs: 0 });
  });

  it('reassembles lines split across chunks at any byte', () => {
    const line = ev([1_000_000, 9, 23, 3, 8192, 512, 512, 1000, 0], 'postgres');
    for (let cut = 1; cut < line.length; cut++) {
      const { events, notices } = collect([line.slice(0, cut), line.slice(cut)]);
      expect(notices).toEqual([]);
      expect(events.map((e) => [e.comm, e.offset])).toEqual([['postgres', 8192]]);
    }
  });

  it('keeps tabs and newlines inside a command name without losing the event', () => {
    const { events, notices } = collect([ev([1000, 7, 0, 0, 0, 0, 0, 5, 0], 'a\tb\nc\n@x: 1')]);
    expect(notices).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0].comm).toBe('a\tb\nc\n@x: 1');
  });

  it('never parses bpftrace messages or lines without the token as events', () => {
    const { events, notices, counters } = collect([
      'Attaching 9 probes...\n',
      'E\t1\t2\t3\t4\t5\t6\t7\t8\t9\tfake\t\n',
      'Lost 12 events\n',
      '@dropped: 3\n',
      `${TOK}E\t1\t2\tnotanumber\t4\t5\t6\t7\t8\t9\tx\t${TOK}\n`,
    ]);
    expect(events).toEqual([]);
    expect(counters).toEqual([['dropped', 3]]);
    expect(notices).toEqual([
      'Attaching 9 probes...',
      'E\t1\t2\t3\t4\t5\t6\t7\t8\t9\tfake\t',
      'Lost 12 events',
      `unparsable event line: ${TOK}E\t1\t2\tnotanumber\t4\t5\t6\t7\t8\t9\tx\t${TOK}`,
    ]);
  });

  it('reports an event line that never gets its trailer instead of swallowing later lines', () => {
    const { events, notices } = collect([
      `${TOK}E\t1\t2\t3\t4\t5\t6\t7\t8\t9\tbroken\n`,
      ev([2000, 1, 0, 0, 0, 0, 0, 1, 0]),
    ]);
    expect(events).toHaveLength(1);
    expect(notices[0]).toMatch(/^unparsable event line/);
  });

  it('handles the ready marker and kernel opcode names', () => {
    const { ready, names } = collect([`${TOK}R\t${TOK}\n`, `${TOK}O\t70\tNEW_OP\t${TOK}\n`]);
    expect(ready).toBe(1);
    expect(names).toEqual([[70, 'NEW_OP']]);
  });

  it('reads a command name byte for byte (bpftrace output is read as latin1): UTF-8 or not', () => {
    const bytes = Buffer.from([0x66, 0xc3, 0xbc, 0xff, 0x1b]); // f, ü in UTF-8, a stray byte, ESC
    const { events } = collect([ev([1, 7, 22, 0, 0, 0, 0, 0, 0], bytes.toString('latin1'))]);
    expect(events[0].comm).toBe('fü\udcff\x1b');
  });

  it('reuses the command string of a pid whose name is unchanged', () => {
    const { events } = collect([
      ev([1000, 5, 0, 0, 0, 0, 0, 1, 0], 'nginx'),
      ev([2000, 5, 0, 0, 0, 0, 0, 1, 0], 'nginx'),
      ev([3000, 5, 0, 0, 0, 0, 0, 1, 0], 'nginx2'),
    ]);
    expect(events.map((e) => e.comm)).toEqual(['nginx', 'nginx', 'nginx2']);
  });

  it('rejects a token that is not hex', () => {
    expect(
      () =>
        new LineParser({ token: 'x"; system', monoToWallOffsetUs: 0, onEvent() {}, onNotice() {} }),
    ).toThrow(/hex/);
  });
});
