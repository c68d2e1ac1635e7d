/**
 * `--export trace` of the bundled recordings, checked against their rows read here apart from
 * the exporter (a plain split of the CSV): one span per operation with a latency, at its
 * submission and completion to the nanosecond, one complete event per io_uring_enter call, a
 * named process per pid, counters that add up to the operations, and a window and a filter that
 * cut exactly the rows they should. The trace itself must parse as the JSON Trace Event format
 * (test/helpers/traceRules.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseLocalTimestamp } from '../../source/record/format.js';
import {
  emptyTraceSummary,
  traceText,
  type TraceExportOptions,
} from '../../source/trace/export.js';
import { checkTrace, type CheckedTrace } from '../helpers/traceRules.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const recording = (name: string) => path.join(ROOT, 'recordings', name);

interface Row {
  tsUs: number;
  pid: number;
  comm: string;
  opcode: string;
  fd: number;
  offset: number;
  length: number;
  result: number | null;
  latencyNs: number;
}

const read = new Map<string, Row[]>();

/** The rows of a recording, by a plain split (the bundled ones quote nothing); read once. */
function rowsOf(file: string): Row[] {
  let rows = read.get(file);
  if (rows === undefined) read.set(file, (rows = splitRows(file)));
  return rows;
}

function splitRows(file: string): Row[] {
  const bytes = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  expect(lines[0]).toBe('timestamp,pid,command,opcode,fd,offset,length,result,latency_ms');
  return lines.slice(1).map((l) => {
    const f = l.split(',');
    if (f.length !== 9) throw new Error(`not 9 fields: ${l}`);
    return {
      tsUs: parseLocalTimestamp(f[0]),
      pid: Number(f[1]),
      comm: f[2],
      opcode: f[3],
      fd: Number(f[4]),
      offset: Number(f[5]),
      length: Number(f[6]),
      result: f[7] === '' ? null : Number(f[7]),
      latencyNs: f[8] === '' ? 0 : Math.round(Number(f[8]) * 1e6),
    };
  });
}

async function exportTrace(
  file: string,
  opts: Partial<TraceExportOptions> = {},
): Promise<{ trace: CheckedTrace; text: string; summary: ReturnType<typeof emptyTraceSummary> }> {
  const summary = emptyTraceSummary();
  let text = '';
  for await (const piece of traceText(file, { lenient: false, ...opts }, summary)) text += piece;
  return { trace: checkTrace(text), text, summary };
}

/** ns since the trace's zero, as the trace's µs with three decimals say it. */
const ns = (us: number) => Math.round(us * 1000);

/** Checks every row against its span or call; returns the trace's zero (µs). */
function expectRowsMatch(trace: CheckedTrace, rows: readonly Row[]): number {
  const zeroUs = Date.parse(String(trace.doc.otherData?.zero)) * 1000;
  expect(Number.isFinite(zeroUs)).toBe(true);
  const ops = rows.filter((r) => r.opcode !== 'IO_URING_ENTER');
  const calls = rows.filter((r) => r.opcode === 'IO_URING_ENTER');
  const spans = [...trace.spans].sort((a, b) => parseInt(a.id, 16) - parseInt(b.id, 16));
  // every operation row has a latency in these recordings: one span each, in row order
  expect(ops.every((r) => r.latencyNs > 0)).toBe(true);
  expect(spans).toHaveLength(ops.length);
  expect(trace.instants).toHaveLength(0);
  // one string per row, compared whole (a difference names the row)
  const wantSpans = ops.map((r) => {
    const endNs = (r.tsUs - zeroUs) * 1000;
    return `${r.opcode} ${r.pid} ${endNs - r.latencyNs}..${endNs} fd ${r.fd} off ${r.offset} len ${r.length} res ${r.result}`;
  });
  const gotSpans = spans.map(
    (s) =>
      `${s.name} ${s.pid} ${ns(s.startUs)}..${ns(s.endUs)} fd ${String(s.args.fd)} off ${String(s.args.offset)} len ${String(s.args.length)} res ${JSON.stringify(s.args.result ?? null)}`,
  );
  expect(gotSpans).toEqual(wantSpans);
  const wantCalls = calls.map((r) => {
    const endNs = (r.tsUs - zeroUs) * 1000;
    return `io_uring_enter ${r.pid} ${endNs - r.latencyNs} +${r.latencyNs}`;
  });
  const gotCalls = trace.calls.map((c) => `${c.name} ${c.pid} ${ns(c.ts!)} +${ns(c.dur!)}`);
  expect(gotCalls).toEqual(wantCalls);
  for (const tid of new Set(trace.calls.map((c) => c.tid)))
    expect(trace.threadNames.get(tid)).toMatch(/^io_uring_enter( \d+)?$/);
  // a named process per pid, and its main thread by the same name
  const comms = new Map(rows.map((r) => [r.pid, r.comm]));
  expect(new Map([...trace.processNames].filter(([pid]) => comms.has(pid)))).toEqual(comms);
  expect(new Map([...trace.threadNames].filter(([tid]) => comms.has(tid)))).toEqual(comms);
  return zeroUs;
}

/** Each process's operations, from its counter track: the integral of its ops/s over time. */
function countedOps(trace: CheckedTrace): Map<number, number> {
  const out = new Map<number, number>();
  const by = new Map<number, { ts: number; v: number }[]>();
  for (const c of trace.counters) {
    let list = by.get(c.pid);
    if (!list) by.set(c.pid, (list = []));
    list.push({ ts: c.ts!, v: c.args!['ops/s'] as number });
  }
  for (const [pid, list] of by) {
    list.sort((a, b) => a.ts - b.ts);
    let sum = 0;
    for (let i = 0; i + 1 < list.length; i++)
      sum += (list[i].v * (list[i + 1].ts - list[i].ts)) / 1e6;
    // a counter ends at 0
    expect(list[list.length - 1].v).toBe(0);
    out.set(pid, sum);
  }
  return out;
}

describe('--export trace', () => {
  it('gives the workload recording as one span per operation and one call per io_uring_enter', async () => {
    const rows = rowsOf(recording('workload-mix.csv'));
    expect(rows).toHaveLength(260);
    const { trace, summary } = await exportTrace(recording('workload-mix.csv'));
    expectRowsMatch(trace, rows);
    expect(summary).toMatchObject({ rows: 260, exported: 260, spans: 130, calls: 130 });
    // no counts file beside it: the counters count its rows, per second
    expect(summary.counters).toBe('events');
    const counted = countedOps(trace);
    expect([...counted.keys()].sort()).toEqual([...new Set(rows.map((r) => r.pid))].sort());
    for (const [pid, n] of counted)
      expect(n).toBeCloseTo(
        rows.filter((r) => r.pid === pid && r.opcode !== 'IO_URING_ENTER').length,
        6,
      );
    // the model of a real parser sees the same processes and names
    const named = trace.model.processes.map((p) => [p.id, p.name]);
    expect(named.sort()).toEqual([...trace.processNames].sort());
  });

  it('gives the demo whole: a span per operation, a named track per process, exact counters', async () => {
    const rows = rowsOf(recording('demo.csv.gz'));
    const { trace, summary } = await exportTrace(recording('demo.csv.gz'));
    expectRowsMatch(trace, rows);
    expect(summary.counters).toBe('recorded kernel counts');
    expect(summary.spans).toBe(52_524); // the metadata's operationsCounted
    expect([...trace.processNames.values()].sort()).toEqual([
      'demo-db',
      'demo-net',
      'demo-node',
      'demo-wal',
    ]);
    // the kernel's counts, every operation of each process, over the intervals they cover
    const counted = countedOps(trace);
    for (const pid of new Set(rows.map((r) => r.pid))) {
      const n = rows.filter((r) => r.pid === pid && r.opcode !== 'IO_URING_ENTER').length;
      expect(counted.get(pid)).toBeCloseTo(n, 6);
    }
  });

  it('cuts a window out (--from 30 --to 45): the rows completed in it, and the slow RECVs', async () => {
    const rows = rowsOf(recording('demo.csv.gz'));
    const counts = readFileSync(recording('demo.counts.jsonl'), 'utf8');
    const firstCount = (JSON.parse(counts.split('\n')[0]) as { t: number }).t;
    // replay's 0:00: the first row's or count's time, down to its 100 ms grid
    const startUs = Math.floor(Math.min(rows[0].tsUs, firstCount) / 100_000) * 100_000;
    const inWindow = rows.filter((r) => r.tsUs >= startUs + 30e6 && r.tsUs < startUs + 45e6);
    const { trace, summary } = await exportTrace(recording('demo.csv.gz'), {
      fromSec: 30,
      toSec: 45,
    });
    expectRowsMatch(trace, inWindow);
    expect(summary.exported).toBe(inWindow.length);
    // the demo's story: RECVs of 60–125 ms, none slower than 1 ms outside the window
    const slow = trace.spans.filter((s) => s.name === 'RECV' && s.endUs - s.startUs > 50_000);
    expect(slow.length).toBeGreaterThan(100);
    const window = new Set(inWindow);
    const slowOutside = rows.filter(
      (r) => r.opcode === 'RECV' && r.latencyNs > 1e6 && !window.has(r),
    );
    expect(slowOutside.length).toBeLessThan(5);
    // counters only inside the window
    const zeroUs = Date.parse(String(trace.doc.otherData?.zero)) * 1000;
    for (const c of trace.counters) {
      expect(c.ts! + zeroUs).toBeGreaterThanOrEqual(startUs + 30e6);
      expect(c.ts! + zeroUs).toBeLessThanOrEqual(startUs + 46e6);
    }
  });

  it('keeps only what a filter lets through', async () => {
    const rows = rowsOf(recording('demo.csv.gz')).filter(
      (r) => r.pid === 9446 && r.opcode === 'RECV',
    );
    const { trace } = await exportTrace(recording('demo.csv.gz'), {
      filter: { pids: [9446], opcodes: [27] },
    });
    expectRowsMatch(trace, rows);
    expect([...trace.processNames.keys()]).toEqual([9446]);
  });
});
