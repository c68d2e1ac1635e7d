/**
 * A recording's series for Prometheus (--export): OpenMetrics text with a timestamp per sample,
 * each family whole and each series in time order, counters that start at 0, `# EOF` last; JSON
 * with the same numbers; figures from the counts file when the recording has a whole one.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  exportedFamilies,
  jsonText,
  openMetricsText,
  type ExportInput,
} from '../../source/metrics/export.js';
import { readRecordingCounts } from '../../source/metrics/recording.js';
import type { CountsDelta, OpCounts } from '../../source/model/counts.js';
import { bucketOf } from '../../source/model/histogram.js';
import { Model } from '../../source/model/model.js';
import { OpcodeTable } from '../../source/model/opcodes.js';
import { formatCountsLine } from '../../source/record/countsFile.js';
import { readRecording } from '../../source/record/csvReader.js';
import { ROOT, tempDir } from '../helpers/project.js';
import { opCounts, SEC, T } from '../model/helpers.js';

const row = (o: Partial<OpCounts>): OpCounts => opCounts({ ops: 1, ...o });
const input = (deltas: CountsDelta[]): ExportInput => ({
  deltas,
  startUs: T,
  labels: ['comm', 'opcode'],
  names: new OpcodeTable(),
  info: { version: '0.1.0', tier: '1', bpftrace: 'v0.17.0', kernel: '6.18.0' },
});
const at = (sec: number, rows: OpCounts[]): CountsDelta => ({
  tsUs: T + sec * SEC,
  intervalUs: SEC,
  rows,
});

/** Parsed OpenMetrics lines: families in order, samples with their timestamp. */
function parse(text: string) {
  const families: { name: string; type: string; samples: [string, number, number][] }[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line === '# EOF' || line.startsWith('# HELP')) continue;
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) {
      families.push({ name: t[1], type: t[2], samples: [] });
      continue;
    }
    const s = /^(\S+?(?:\{.*\})?) (\S+) (\S+)$/.exec(line);
    if (!s) throw new Error(`bad line: ${line}`);
    families.at(-1)!.samples.push([s[1], Number(s[2]), Number(s[3])]);
  }
  return families;
}

describe('openMetricsText', () => {
  const deltas = [
    at(1, [row({ ops: 3, read: 300, latency: [bucketOf(100), 3] })]),
    at(2, [
      row({ ops: 2, read: 10 }),
      row({ pid: 7, comm: 'd"b\n', opcode: 23, ops: 4, write: 8 }),
    ]),
    at(3, [row({ ops: 2, errors: 2, errnos: [11, 1, 5, 1] })]),
  ];
  const text = [...openMetricsText(input(deltas))].join('');
  const families = parse(text);

  it('ends with # EOF, and names each family once, counters without _total', () => {
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text.split('\n').filter((l) => l === '# EOF')).toHaveLength(1);
    const names = families.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('iouringtop_operations');
    expect(families.find((f) => f.name === 'iouringtop_operations')?.type).toBe('counter');
    expect(text).toMatch(/^# HELP iouringtop_operations io_uring operations/m);
  });

  it('writes every series in time order, from a 0 just before its first count, to the end', () => {
    const ops = families.find((f) => f.name === 'iouringtop_operations')!.samples;
    const s = T / SEC;
    expect(ops).toEqual([
      ['iouringtop_operations_total{comm="app",opcode="READ"}', 0, s],
      ['iouringtop_operations_total{comm="app",opcode="READ"}', 3, s + 1],
      ['iouringtop_operations_total{comm="app",opcode="READ"}', 5, s + 2],
      ['iouringtop_operations_total{comm="app",opcode="READ"}', 7, s + 3],
      ['iouringtop_operations_total{comm="d\\"b\\\\n",opcode="WRITE"}', 0, s + 1],
      ['iouringtop_operations_total{comm="d\\"b\\\\n",opcode="WRITE"}', 4, s + 2],
      ['iouringtop_operations_total{comm="d\\"b\\\\n",opcode="WRITE"}', 4, s + 3],
    ]);
    const errors = families.find((f) => f.name === 'iouringtop_errors')!.samples;
    expect(errors).toEqual([
      ['iouringtop_errors_total{comm="app",opcode="READ",errno="EIO"}', 0, s + 2],
      ['iouringtop_errors_total{comm="app",opcode="READ",errno="EIO"}', 1, s + 3],
    ]);
    const expected = families.find((f) => f.name === 'iouringtop_expected_errors')!.samples;
    expect(expected).toEqual([
      ['iouringtop_expected_errors_total{comm="app",opcode="READ",errno="EAGAIN"}', 0, s + 2],
      ['iouringtop_expected_errors_total{comm="app",opcode="READ",errno="EAGAIN"}', 1, s + 3],
    ]);
    for (const f of families) {
      const last = new Map<string, number>();
      for (const [series, , ts] of f.samples) {
        if (last.has(series)) expect(ts, series).toBeGreaterThan(last.get(series)!);
        last.set(series, ts);
      }
    }
  });

  it('writes a histogram labelset whole at each time: buckets, +Inf, count, sum', () => {
    const h = families.find((f) => f.name === 'iouringtop_operation_latency_seconds')!;
    expect(h.type).toBe('histogram');
    const atEnd = h.samples.filter(([, , ts]) => ts === T / SEC + 3);
    expect(atEnd).toHaveLength(144);
    expect(atEnd[0][0]).toBe(
      'iouringtop_operation_latency_seconds_bucket{opcode="READ",le="0.000001"}',
    );
    expect(atEnd[0][1]).toBe(3); // 100 ns
    expect(atEnd.slice(-3).map(([n, v]) => [n, v])).toEqual([
      ['iouringtop_operation_latency_seconds_bucket{opcode="READ",le="+Inf"}', 3],
      ['iouringtop_operation_latency_seconds_count{opcode="READ"}', 3],
      ['iouringtop_operation_latency_seconds_sum{opcode="READ"}', 3e-7],
    ]);
  });

  it('gives the info gauge a sample at every time, and no 0 before it', () => {
    const info = families.find((f) => f.name === 'iouringtop_build_info')!;
    expect(info.samples.map(([, v, ts]) => [v, ts - T / SEC])).toEqual([
      [1, 0],
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
  });

  it('deltas ending at the same time make one sample, not two', () => {
    const same = [at(1, [row({ ops: 1 })]), at(1, [row({ ops: 2 })])];
    const [ops] = [...exportedFamilies(input(same))];
    expect(ops.metrics[0].times).toEqual([T, T + SEC]);
    expect(ops.metrics[0].values).toEqual([[0], [3]]);
  });
});

describe('openMetricsText: the diagnostics', () => {
  const deltas = [
    at(1, [row({ ops: 3 }), row({ opcode: 255, ops: 1, submitted: 3 })]),
    at(2, [
      row({ ops: 1, punted: 2, failed: 1, failedErrnos: [22, 1], errors: 1, errnos: [22, 1] }),
      row({ opcode: 255, ops: 1, submitted: 1, overflow: 5 }),
    ]),
  ];
  const all = { punted: true, poll: true, short: true, failed: true, links: true, overflow: true };

  it('the families the recording counted: overflows from the first count of anything, the rest from their first', () => {
    const text = [...openMetricsText({ ...input(deltas), diagnostics: all })].join('');
    const fams = parse(text);
    const s = T / SEC;
    // (a 0 just before its first count, as every counter series in an export)
    expect(fams.find((f) => f.name === 'iouringtop_punted')!.samples).toEqual([
      ['iouringtop_punted_total{comm="app",opcode="READ"}', 0, s + 1],
      ['iouringtop_punted_total{comm="app",opcode="READ"}', 2, s + 2],
    ]);
    expect(fams.find((f) => f.name === 'iouringtop_init_failures')!.samples).toEqual([
      ['iouringtop_init_failures_total{comm="app",opcode="READ",errno="EINVAL"}', 0, s + 1],
      ['iouringtop_init_failures_total{comm="app",opcode="READ",errno="EINVAL"}', 1, s + 2],
    ]);
    expect(fams.find((f) => f.name === 'iouringtop_cq_overflows')!.samples).toEqual([
      ['iouringtop_cq_overflows_total{comm="app"}', 0, s],
      ['iouringtop_cq_overflows_total{comm="app"}', 0, s + 1],
      ['iouringtop_cq_overflows_total{comm="app"}', 5, s + 2],
    ]);
    expect(fams.find((f) => f.name === 'iouringtop_poll_armed')!.type).toBe('counter');
  });

  it('none where the metadata does not say they were counted (an older recording), nor threads', () => {
    const text = [...openMetricsText({ ...input(deltas), diagnostics: null })].join('');
    const fams = parse(text).map((f) => f.name);
    for (const stem of ['punted', 'poll_armed', 'short_results', 'init_failures'])
      expect(fams).not.toContain(`iouringtop_${stem}`);
    expect(text).not.toMatch(/broken_links_total|cq_overflows_total|iowq|sqpoll/);
    // and it says so, at every time
    const counted = parse(text).find((f) => f.name === 'iouringtop_diagnostic_counted')!;
    expect(counted.type).toBe('gauge');
    expect(counted.samples).toHaveLength(8 * 3); // each diagnostic, at each of 3 times
    expect(new Set(counted.samples.map(([, v]) => v))).toEqual(new Set([0]));
    const some = [
      ...openMetricsText({ ...input(deltas), diagnostics: { ...all, punted: false } }),
    ].join('');
    expect(some).not.toContain('iouringtop_punted_total');
    expect(some).toContain('iouringtop_cq_overflows_total');
    expect(some).toContain(`iouringtop_diagnostic_counted{diagnostic="punted"} 0 ${T / SEC + 2}`);
    expect(some).toContain(
      `iouringtop_diagnostic_counted{diagnostic="cq_overflows"} 1 ${T / SEC + 2}`,
    );
  });
});

describe('jsonText', () => {
  it('holds the same series and numbers as the OpenMetrics text', () => {
    const deltas = [at(1, [row({ ops: 3 })]), at(2, [row({ ops: 2 })])];
    const doc = JSON.parse(
      [...jsonText(input(deltas), { recording: 'r.csv', from: 'events' })].join(''),
    ) as {
      recording: string;
      from: string;
      series: { name: string; type: string; labels: Record<string, string>; samples: number[][] }[];
    };
    expect(doc.recording).toBe('r.csv');
    expect(doc.from).toBe('events');
    expect(doc.series[0]).toEqual({
      name: 'iouringtop_operations_total',
      type: 'counter',
      labels: { comm: 'app', opcode: 'READ' },
      samples: [
        [T / SEC, 0],
        [T / SEC + 1, 3],
        [T / SEC + 2, 5],
      ],
    });
    const buckets = doc.series.filter(
      (s) => s.name === 'iouringtop_operation_latency_seconds_bucket',
    );
    expect(buckets).toEqual([]); // no latency, no histogram
    const omLines = [...openMetricsText(input(deltas))]
      .join('')
      .split('\n')
      .filter((l) => /^iouringtop_[a-z_]+(\{|\s)/.test(l));
    expect(doc.series.reduce((n, s) => n + s.samples.length, 0)).toBe(omLines.length);
  });
});

describe('readRecordingCounts', () => {
  it('without a counts file: the events, per second, with the totals a replay shows', async () => {
    const file = path.join(ROOT, 'recordings', 'fio-randrw.csv');
    const rec = await readRecordingCounts(file, { lenient: false });
    expect(rec.from).toBe('events');
    expect(rec.startUs).toBe(Date.parse(rec.meta!.startedAt) * 1000);
    for (const d of rec.deltas) expect(d.tsUs % SEC).toBe(0);
    const model = new Model();
    await readRecording(file, model);
    const snap = model.snapshot({ series: false });
    let ops = 0;
    let read = 0;
    for (const d of rec.deltas)
      for (const r of d.rows)
        if (r.opcode !== 255) {
          ops += r.ops;
          read += r.read;
        }
    expect(ops).toBe(snap.totals.total.ops);
    expect(read).toBe(snap.totals.total.read);
  });

  it('with a whole counts file: its deltas (the kernel counted more than the events show)', async () => {
    const dir = tempDir('iouringtop-export-');
    const csv = path.join(dir, 'rec.csv');
    copyFileSync(path.join(ROOT, 'recordings', 'workload-mix.csv'), csv);
    const meta = JSON.parse(
      readFileSync(path.join(ROOT, 'recordings', 'workload-mix.meta.json'), 'utf8'),
    ) as Record<string, unknown>;
    const counts = [at(1, [row({ ops: 1000 })]), at(2, [row({ ops: 5 })])];
    writeFileSync(path.join(dir, 'rec.counts.jsonl'), counts.map(formatCountsLine).join(''));
    const withCounts = { ...meta, csvFile: 'rec.csv' };
    writeFileSync(
      path.join(dir, 'rec.meta.json'),
      JSON.stringify({
        ...withCounts,
        counts: { file: 'rec.counts.jsonl', intervals: 2, complete: true },
      }),
    );
    const rec = await readRecordingCounts(csv, { lenient: false });
    expect(rec.from).toBe('recorded kernel counts');
    expect(rec.deltas.map((d) => d.rows[0].ops)).toEqual([1000, 5]);
    // incomplete: the events, and a note saying why
    writeFileSync(
      path.join(dir, 'rec.meta.json'),
      JSON.stringify({
        ...withCounts,
        counts: { file: 'rec.counts.jsonl', intervals: 2, complete: false },
      }),
    );
    const partial = await readRecordingCounts(csv, { lenient: false });
    expect(partial.from).toBe('events');
    expect(partial.note).toMatch(/incomplete/);
  });

  it('counts that say why they are incomplete: the note says it, with the time', async () => {
    const { csv, writeMeta } = withCountsOf([at(1, [row({ ops: 1000 })])]);
    writeMeta({
      file: 'rec.counts.jsonl',
      intervals: 1,
      complete: false,
      reason: 'bpftrace exited unexpectedly (SIGKILL)',
      at: '2026-11-27T08:58:32.100+00:00',
    });
    const rec = await readRecordingCounts(csv, { lenient: false });
    expect(rec.from).toBe('events');
    expect(rec.note).toBe(
      'the counts beside this recording are incomplete (rec.counts.jsonl: bpftrace exited unexpectedly (SIGKILL) (2026-11-27T08:58:32.100+00:00)): figures come from its events',
    );
  });

  it('counts said to be whole that stand for fewer events than the rows: not whole, the events instead', async () => {
    // 260 rows (workload-mix), and counts of 200 operations in all
    const { csv, writeMeta } = withCountsOf([
      at(1, [row({ ops: 150 })]),
      at(2, [row({ ops: 50 })]),
    ]);
    writeMeta({ file: 'rec.counts.jsonl', intervals: 2, complete: true });
    const rec = await readRecordingCounts(csv, { lenient: false });
    expect(rec.from).toBe('events');
    expect(rec.note).toBe(
      'the counts beside this recording (rec.counts.jsonl) stand for 200 events, fewer than its 260 rows: they are not whole; figures come from its events',
    );
    // as many as the rows: whole
    const whole = withCountsOf([at(1, [row({ ops: 260 })])]);
    whole.writeMeta({ file: 'rec.counts.jsonl', intervals: 1, complete: true });
    expect((await readRecordingCounts(whole.csv, { lenient: false })).from).toBe(
      'recorded kernel counts',
    );
  });
});

/** workload-mix.csv (260 rows) copied with `counts` beside it; writeMeta writes its metadata. */
function withCountsOf(counts: CountsDelta[]) {
  const dir = tempDir('iouringtop-export-');
  const csv = path.join(dir, 'rec.csv');
  copyFileSync(path.join(ROOT, 'recordings', 'workload-mix.csv'), csv);
  const meta = JSON.parse(
    readFileSync(path.join(ROOT, 'recordings', 'workload-mix.meta.json'), 'utf8'),
  ) as Record<string, unknown>;
  writeFileSync(path.join(dir, 'rec.counts.jsonl'), counts.map(formatCountsLine).join(''));
  const writeMeta = (c: Record<string, unknown>): void =>
    writeFileSync(
      path.join(dir, 'rec.meta.json'),
      JSON.stringify({ ...meta, csvFile: 'rec.csv', counts: c }),
    );
  return { csv, writeMeta };
}
