/**
 * --interval's reporter over real recorded counts (the demo's 76 deltas) and made-up ones:
 * the intervals add up to the whole to the operation and the byte, each delta lands in exactly
 * one interval whatever the jitter of their times, and each interval says what its events
 * became (lost, sampled, latencies sampled).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyOpCounts, type CountsDelta, type OpCounts } from '../../source/model/counts.js';
import { Model } from '../../source/model/model.js';
import { OpcodeTable } from '../../source/model/opcodes.js';
import { readCountsFile } from '../../source/record/countsFile.js';
import {
  IntervalReporter,
  summaryLine,
  type IntervalOptions,
} from '../../source/render/intervals.js';
import { summaryRowsJson } from '../../source/render/summaryJson.js';
import { ev, SEC, T } from '../model/helpers.js';

const DEMO = path.resolve(import.meta.dirname, '../../recordings/demo.counts.jsonl');

const options = (o: Partial<IntervalOptions> = {}): IntervalOptions => ({
  everyUs: SEC,
  json: true,
  opcodes: new OpcodeTable(),
  diagnostics: null,
  keeping: { kind: 'all' },
  from: 'counts',
  ...o,
});

/** Every delta through a reporter: its JSON lines, parsed. */
function run(
  deltas: readonly CountsDelta[],
  o: Partial<IntervalOptions> = {},
  lost: number | null = 0,
) {
  const r = new IntervalReporter(options(o));
  let text = '';
  for (const d of deltas) text += r.counts(d);
  text += r.finish(lost);
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Interval);
}

interface Row {
  ops: number;
  bytes_read: number;
  bytes_written: number;
  errors: number;
}
interface Interval {
  type: string;
  start_us: number;
  end_us: number;
  duration_s: number;
  totals: { operations: number; bytes_read: number; bytes_written: number; errors: number };
  opcodes: (Row & { code: number })[];
  processes: (Row & { pid: number; command: string })[];
  capture: {
    lost: number;
    sampled: number | null;
    latency_sampled: boolean;
    events: { counted: number; sent: number | null };
  };
}

const row = (o: Partial<OpCounts>): OpCounts => ({
  ...emptyOpCounts(7, 'nop', 0),
  ops: 10,
  ...o,
});
/** Deltas ending 1 s (give or take `jitter` µs) apart from T, each with `ops` NOPs. */
function deltas(n: number, jitter = 0, ops = 10): CountsDelta[] {
  const out: CountsDelta[] = [];
  let prev = T;
  for (let i = 1; i <= n; i++) {
    const ts = T + i * SEC + (i % 2 === 0 ? jitter : -jitter);
    out.push({ tsUs: ts, intervalUs: ts - prev, rows: [row({ ops })] });
    prev = ts;
  }
  return out;
}

describe('IntervalReporter over the kernel counts', () => {
  it('adds up to the whole, per opcode and per process, to the operation and the byte', async () => {
    const all = await readCountsFile(DEMO);
    const whole = new Model({ aggregate: 'counts' });
    for (const d of all) whole.pushCounts(d);
    const sum = summaryRowsJson(whole.snapshot({ series: false, recentLimit: 0 }));
    for (const every of [1, 5, 7]) {
      const lines = run(all, { everyUs: every * SEC });
      expect(lines.length).toBeGreaterThanOrEqual(Math.floor(all.length / every));
      const add = (pick: (i: Interval) => Row[], key: (r: Row) => string) => {
        const m = new Map<string, Row>();
        for (const i of lines)
          for (const r of pick(i)) {
            const k = key(r);
            const a = m.get(k) ?? { ops: 0, bytes_read: 0, bytes_written: 0, errors: 0 };
            m.set(k, {
              ops: a.ops + r.ops,
              bytes_read: a.bytes_read + r.bytes_read,
              bytes_written: a.bytes_written + r.bytes_written,
              errors: a.errors + r.errors,
            });
          }
        return m;
      };
      const pick = ({ ops, bytes_read, bytes_written, errors }: Row): Row => ({
        ops,
        bytes_read,
        bytes_written,
        errors,
      });
      const byOp = add(
        (i) => i.opcodes,
        (r) => String((r as Row & { code: number }).code),
      );
      for (const o of sum.opcodes) expect(byOp.get(String(o.code))).toEqual(pick(o));
      expect(byOp.size).toBe(sum.opcodes.length);
      const byProc = add(
        (i) => i.processes,
        (r) => String((r as Row & { pid: number }).pid),
      );
      for (const p of sum.processes) expect(byProc.get(String(p.pid))).toEqual(pick(p));
      expect(lines.reduce((n, i) => n + i.totals.operations, 0)).toBe(sum.totals.operations);
      expect(lines.reduce((n, i) => n + i.totals.bytes_read, 0)).toBe(sum.totals.bytes_read);
      // one after the other, each starting where the one before it ended
      for (let k = 1; k < lines.length; k++) expect(lines[k].start_us).toBe(lines[k - 1].end_us);
    }
  });

  it('closes an interval with the delta that brings it to S seconds, whatever their jitter', () => {
    expect(run(deltas(10, 40_000)).map((i) => i.totals.operations)).toEqual(Array(10).fill(10));
    const fives = run(deltas(12, 40_000), { everyUs: 5 * SEC });
    expect(fives.map((i) => i.totals.operations)).toEqual([50, 50, 20]);
    expect(fives[0].start_us).toBe(T);
    expect(fives[0].end_us).toBe(T + 5 * SEC - 40_000);
    // idle intervals are intervals too (empty deltas come every second, live)
    const idle = deltas(3).map((d, i) => (i === 1 ? { ...d, rows: [] } : d));
    expect(run(idle).map((i) => i.totals.operations)).toEqual([10, 0, 10]);
  });

  it('ends an interval at a gap in the deltas (a recording that skipped idle seconds)', () => {
    const d = deltas(6);
    const lines = run([d[0], d[1], d[4], d[5]], { everyUs: 3 * SEC });
    expect(lines.map((i) => [i.start_us - T, i.end_us - T, i.totals.operations])).toEqual([
      [0, 2 * SEC, 20],
      [4 * SEC, 6 * SEC, 20],
    ]);
  });

  it('says what each interval lost, and makes the last add up to the final count', () => {
    const d = deltas(3);
    d[1].lost = 5;
    const lines = run(
      d.slice(0, 2).concat([{ ...d[2], tsUs: d[2].tsUs - 400_000, intervalUs: 600_000 }]),
      {},
      12,
    );
    expect(lines.map((i) => i.capture.lost)).toEqual([0, 5, 7]);
    // the final count may come after the last interval closed: an interval of no length says it
    const r = new IntervalReporter(options());
    const closed = r.counts(d[0]);
    const tail = JSON.parse(r.finish(3)) as Interval;
    expect((JSON.parse(closed) as Interval).capture.lost).toBe(0);
    expect([tail.capture.lost, tail.duration_s, tail.totals.operations]).toEqual([3, 0, 0]);
    expect(r.finish(3)).toBe('');
  });

  it('says where events were sampled, and where latencies were', () => {
    const d = deltas(2, 0, 1000);
    d[0].sent = 50;
    d[1].sent = 1000;
    d[0].rows[0].latency = [10, 1000];
    d[0].latencySamples = 40;
    const budget = run(d, { keeping: { kind: 'budget', perSec: 50 } });
    expect(budget.map((i) => i.capture.sampled)).toEqual([20, 1]);
    expect(budget.map((i) => i.capture.events)).toEqual([
      { counted: 1000, sent: 50 },
      { counted: 1000, sent: 1000 },
    ]);
    expect(budget.map((i) => i.capture.latency_sampled)).toEqual([true, false]);
    expect(run(d, { keeping: { kind: 'sample', every: 8 } })[1].capture.sampled).toBe(8);
    expect(run(d, { keeping: { kind: 'none' } })[1].capture.sampled).toBeNull();
  });

  it('writes a text block: a line of totals, then the busiest processes and opcodes', () => {
    const d: CountsDelta = {
      tsUs: T + 2 * SEC,
      intervalUs: 2 * SEC,
      lost: 4,
      rows: [
        row({ pid: 1, comm: 'evil\u001b[2J', opcode: 22, ops: 400, read: 4096 * 400, latency: [] }),
        ...Array.from({ length: 6 }, (_, k) => row({ pid: 10 + k, ops: 6 - k })),
      ],
    };
    const r = new IntervalReporter(options({ json: false, everyUs: 2 * SEC, top: 3 }));
    const text = r.counts(d);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d {2}2\.00 s {2}421 ops \(211\/s\) {2}read 800 KiB\/s {2}write 0 B\/s {2}errors 0 {2}lost 4$/,
    );
    expect(lines[1]).toMatch(/^ {2}PID {2}COMMAND +OPS +OPS\/s +READ\/s +WRITE\/s +P50 +P99 +ERR$/);
    expect(lines[2]).toMatch(/^ {4}1 {2}evil\\x1b\[2J +400 +200\/s +800 KiB\/s +0 B\/s +- +- +0$/);
    expect(text).toContain('  … and 4 more processes');
    expect(text).not.toContain('\u001b');
    expect(text).toMatch(/\n {2}OPCODE +OPS .*\n {2}READ +400 +200\/s/);
    expect(text.endsWith('\n\n')).toBe(true);
  });
});

describe('IntervalReporter over events', () => {
  it('cuts a fixed grid from the first event, and every event lands in one cell', () => {
    const r = new IntervalReporter(options({ from: 'events' }));
    let text = '';
    for (const t of [0, 0.5, 1.2, 3.1, 3.9]) text += r.event(ev({ tsUs: T + t * SEC }));
    text += r.finish(null);
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Interval);
    expect(lines.map((i) => [i.start_us - T, i.totals.operations])).toEqual([
      [0, 2],
      [SEC, 1],
      [2 * SEC, 0],
      [3 * SEC, 2],
    ]);
  });
});

describe('summaryLine', () => {
  it('is the summary on one line, its type first', () => {
    expect(summaryLine({ title: 'x', totals: { operations: 3 } })).toBe(
      '{"type":"summary","title":"x","totals":{"operations":3}}\n',
    );
  });
});
