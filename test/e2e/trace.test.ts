/**
 * `--replay FILE --export trace` of a live capture of the liburing workload, whose operations
 * are known exactly (it reports each one): the trace has one span per operation with the
 * workload's fd, offset, length and result, each span where its recorded row says (submission
 * and completion, to the nanosecond), a complete event per io_uring_enter call, the process
 * named, its counter adding up to its 26 operations, and it parses as the JSON Trace Event
 * format (test/helpers/traceRules.ts). Needs root and bpftrace, as every capture test.
 */
import { describe, expect, it } from 'vitest';
import { copyEvent, type IoEvent } from '../../source/model/event.js';
import { IO_URING_ENTER, OpcodeTable } from '../../source/model/opcodes.js';
import { readRecording } from '../../source/record/csvReader.js';
import { checkTrace } from '../helpers/traceRules.js';
import { captureWorkload, collectOutput, exitOf, requireOrSkip, runCli } from './env.js';

const run = requireOrSkip('trace export end-to-end test');
const names = new OpcodeTable();

describe.runIf(run)('--export trace of a captured workload', () => {
  it('gives each of the workload’s operations as a span of its row, and each enter call', async () => {
    const { pid, reported, recording } = await captureWorkload();
    expect(reported).toHaveLength(26);
    const cli = runCli(['--replay', recording, '--export', 'trace']);
    const out = collectOutput(cli);
    expect((await exitOf(cli)).code, out.stderr()).toBe(0);
    expect(out.stderr()).toMatch(
      /exported 26 operations and \d+ io_uring_enter calls of 1 process/,
    );
    const trace = checkTrace(out.stdout());

    // every operation the workload did, with its own fd, offset, length and result
    const key = (op: string, fd: unknown, off: unknown, len: unknown, res: unknown) =>
      `${op} fd=${String(fd)} off=${String(off)} len=${String(len)} res=${String(res)}`;
    expect(
      trace.spans
        .map((s) => key(s.name, s.args.fd, s.args.offset, s.args.length, s.args.result))
        .sort(),
    ).toEqual(reported.map((r) => key(r.op, r.fd, r.off, r.len, r.res)).sort());
    expect(trace.instants).toHaveLength(0);

    // each span and call where its row is: completion at the row's time, begun its latency before
    const rows: IoEvent[] = [];
    await readRecording(recording, { push: (ev) => rows.push(copyEvent(ev)) });
    const zeroUs = Date.parse(String(trace.doc.otherData?.zero)) * 1000;
    const at = (ev: IoEvent) => {
      const endNs = (ev.tsUs - zeroUs) * 1000;
      return `${names.name(ev.opcode)} ${ev.pid} ${endNs - ev.latencyNs}..${endNs}`;
    };
    const ns = (us: number) => Math.round(us * 1000);
    const spans = [...trace.spans].sort((a, b) => parseInt(a.id, 16) - parseInt(b.id, 16));
    expect(spans.map((s) => `${s.name} ${s.pid} ${ns(s.startUs)}..${ns(s.endUs)}`)).toEqual(
      rows.filter((r) => r.opcode !== IO_URING_ENTER).map(at),
    );
    expect(
      trace.calls.map((c) => `IO_URING_ENTER ${c.pid} ${ns(c.ts!)}..${ns(c.ts!) + ns(c.dur!)}`),
    ).toEqual(rows.filter((r) => r.opcode === IO_URING_ENTER).map(at));
    const timeout = trace.spans.find((s) => s.name === 'TIMEOUT')!;
    expect(timeout.endUs - timeout.startUs).toBeGreaterThanOrEqual(9_000); // a 10 ms timeout

    // the process, named; its counter, from the kernel's counts, adds up to its operations
    expect(trace.processNames).toEqual(new Map([[pid, 'uring-workload']]));
    expect(trace.doc.otherData?.counters_from).toBe('recorded kernel counts');
    const samples = trace.counters.map((c) => ({ ts: c.ts!, v: c.args!['ops/s'] as number }));
    samples.sort((a, b) => a.ts - b.ts);
    let ops = 0;
    for (let i = 0; i + 1 < samples.length; i++)
      ops += (samples[i].v * (samples[i + 1].ts - samples[i].ts)) / 1e6;
    expect(samples.at(-1)?.v).toBe(0);
    expect(ops).toBeCloseTo(26, 6);
  });
});
