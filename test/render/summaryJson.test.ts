import { describe, expect, it } from 'vitest';
import { Model } from '../../source/model/model.js';
import { figuresFact } from '../../source/render/summary.js';
import { formatSummaryJson } from '../../source/render/summaryJson.js';
import { commFromCsv, decodeComm } from '../../source/model/comm.js';
import type { ProcView } from '../../source/proc/view.js';
import { ev, SEC, T } from '../model/helpers.js';

function model(): Model {
  const m = new Model();
  m.advance(T);
  for (let i = 0; i < 100; i++)
    m.push(ev({ tsUs: T + i * 1000, pid: 7, comm: 'db', result: 4096, latencyNs: 12_345 }));
  // a name with a C1 control (U+009B: a CSI to some terminals) and an ESC
  m.push(ev({ tsUs: T + 5000, pid: 9, comm: 'x\u009b2J\x1by', opcode: 23, result: -28 }));
  m.push(ev({ tsUs: T + 6000, pid: 7, comm: 'db', opcode: 255, length: 3, result: 3 }));
  m.advance(T + 2 * SEC);
  return m;
}

describe('formatSummaryJson', () => {
  it('gives exact integers and microseconds under the names scripts use', () => {
    const text = formatSummaryJson(model().snapshot(), {
      title: 't',
      durationUs: 2 * SEC,
      tier: 1,
      figures: {
        counted: true,
        replay: false,
        countedEvents: 102,
        events: 102,
        keeping: { kind: 'sample', every: 10 },
      },
    });
    const j = JSON.parse(text) as Record<string, unknown>;
    expect(j.duration_s).toBe(2);
    expect(j.totals).toEqual({
      events: 102,
      operations: 101,
      bytes_read: 409600,
      bytes_written: 0,
      errors: 1,
      expected_errors: 0,
      // not counted from events: null, never 0
      punted: null,
      poll: null,
      short: null,
      failed: null,
      broken_links: null,
      overflow: null,
      other_cqes: null,
      multishot_ends: null,
    });
    expect((j.opcodes as unknown[])[0]).toEqual({
      opcode: 'READ',
      code: 22,
      ops: 100,
      bytes_read: 409600,
      bytes_written: 0,
      errors: 0,
      expected_errors: 0,
      p50_us: expect.closeTo(12.345, 1) as number,
      p99_us: expect.closeTo(12.345, 1) as number,
      max_us: 12.345,
      // not counted from events: null, never 0
      punted: null,
      poll: null,
      short: null,
      failed: null,
      broken_links: null,
      multishot_ends: null,
    });
    expect(j.processes).toContainEqual(
      expect.objectContaining({
        pid: 7,
        command: 'db',
        ops: 100,
        enter_calls: 1,
        top_opcode: 'READ',
      }),
    );
    expect(j.errors).toEqual([{ errno: 28, name: 'ENOSPC', count: 1, expected: false }]);
    expect(j.io_uring_enter).toEqual({ calls: 1, submitted: 3 });
    expect(j.capture).toMatchObject({ lost: 0, tier: 1, sampled: 10 });
    expect(j.figures).toEqual({ from: 'kernel counts', counted_events: 102, events: 102 });
  });

  it('never writes a control character of a command name raw', () => {
    const text = formatSummaryJson(model().snapshot());
    const raw = [...text].filter((ch) => {
      const c = ch.charCodeAt(0);
      return (c < 0x20 && ch !== '\n') || (c >= 0x7f && c <= 0x9f);
    });
    expect(raw).toEqual([]);
    // as the CSV writes it: the C1 control's bytes and the ESC as \xNN
    expect(text).toContain('"command": "x\\\\xc2\\\\x9b2J\\\\x1by"');
    const j = JSON.parse(text) as { processes: { command: string }[] };
    expect(j.processes.map((p) => commFromCsv(p.command))).toContain('x\u009b2J\x1by');
  });

  it('writes valid UTF-8 JSON for names with bytes that are not UTF-8: escaped as the CSV does, never a lone surrogate', () => {
    const m = new Model();
    m.advance(T);
    // the bytes 61 c1 (0xC1 is never UTF-8: kept as U+DCC1, model/comm.ts), and a name holding
    // the text of that escape, which must stay apart from it
    const byte = decodeComm(Buffer.from([0x61, 0xc1]));
    m.push(ev({ tsUs: T + 1000, pid: 5, comm: byte, result: 1, fd: 3 }));
    m.push(ev({ tsUs: T + 2000, pid: 6, comm: 'a\\xc1', result: 1, fd: 3 }));
    m.push(ev({ tsUs: T + 3000, pid: 5, comm: byte, opcode: 23, result: -5 }));
    m.advance(T + 2 * SEC);
    const file = decodeComm(Buffer.from('/tmp/f\xff\xfe', 'latin1'));
    const proc: ProcView = {
      origin: 'live',
      files: new Map(),
      fileList: [
        { pid: 5, comm: byte, fd: 3, fixed: false, name: file, firstUs: T, lastUs: T, ops: 1 },
      ],
      threads: new Map(),
      rings: [],
      ringFailures: new Map(),
    };
    const text = formatSummaryJson({ ...m.snapshot(), proc });
    expect(text).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i); // no surrogate written as an escape
    expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
    const strings: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') strings.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
    };
    const j = JSON.parse(text) as {
      processes: { pid: number; command: string }[];
      error_detail: { command: string }[];
      files: { command: string; name: string }[];
    };
    walk(j);
    // every string a well-formed UTF-16 string (what a strict decoder of the text gets)
    for (const s of strings) expect(s, JSON.stringify(s)).not.toMatch(LONE_SURROGATE);
    expect(j.processes.find((p) => p.pid === 5)?.command).toBe('a\\xc1');
    expect(j.processes.find((p) => p.pid === 6)?.command).toBe('a\\\\xc1');
    expect(j.error_detail[0].command).toBe('a\\xc1');
    expect(j.files[0]).toMatchObject({ command: 'a\\xc1', name: '/tmp/f\\xff\\xfe' });
    // and they read back to the exact names, as replay reads the CSV
    expect(commFromCsv(j.processes.find((p) => p.pid === 5)!.command)).toBe(byte);
    expect(commFromCsv(j.processes.find((p) => p.pid === 6)!.command)).toBe('a\\xc1');
    expect(commFromCsv(j.files[0].name)).toBe(file);
  });
});

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('figuresFact', () => {
  const f = { counted: true, replay: false, countedEvents: 1_000_000, events: 250_000 };
  it('says where the figures come from and what became of the events', () => {
    expect(figuresFact({ ...f, keeping: { kind: 'all' } })).toBe(
      'Figures: the kernel counts (exact); events: 250K of 1.0M received (750K lost: the event list and the recording miss them)',
    );
    expect(figuresFact({ ...f, events: 1_000_000, keeping: { kind: 'all' } })).toBe(
      'Figures: the kernel counts (exact); events: 1.0M of 1.0M received',
    );
    expect(figuresFact({ ...f, events: 10_000, keeping: { kind: 'sample', every: 100 } })).toBe(
      'Figures: the kernel counts (exact); events: 1 in 100 kept (10.0K of 1.0M)',
    );
    expect(figuresFact({ ...f, events: 0, keeping: { kind: 'none' } })).toBe(
      'Figures: the kernel counts (exact); events off (--no-events)',
    );
    expect(
      figuresFact({ ...f, counted: false, replay: true, keeping: { kind: 'sample', every: 10 } }),
    ).toBe(
      "Figures: from the recording's 250K events, 1 in 10 kept: totals are about 1/10 of the real ones (no counts beside it)",
    );
  });
});
