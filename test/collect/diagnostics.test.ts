/**
 * The diagnostics from the kernel's counters to what the views show: the collector's deltas,
 * the model's rows and the Errors view's rows, the counts file, the columns and their sorting.
 */
import { describe, expect, it } from 'vitest';
import { CountsCollector } from '../../source/collect/counts.js';
import type { CountsDelta } from '../../source/model/counts.js';
import { Model } from '../../source/model/model.js';
import type { Diagnostics } from '../../source/model/snapshot.js';
import { formatCountsLine, parseCountsLine } from '../../source/record/countsFile.js';
import {
  opcodeDiagColumns,
  processDiagColumns,
  sortByColumn,
  sortKeys,
} from '../../source/render/columns.js';
import { formatSummary } from '../../source/render/summary.js';
import { formatSummaryJson } from '../../source/render/summaryJson.js';
import { sortErrors } from '../../source/ui/viewModel.js';
import { ALL_DIAGNOSTICS, opCounts } from '../model/helpers.js';

const ALL = ALL_DIAGNOSTICS;
const names = (tgid: number) => `p${tgid}`;
const T = 1_700_000_000_000_000;
const SEC = 1_000_000;

describe('the collector', () => {
  it('turns the diagnostic maps into per-interval deltas, overflows and other CQEs on the enter row', () => {
    const c = new CountsCollector(T);
    c.add('c', [10, 22, 4096], 3);
    c.add('c', [10, 22, -22], 1);
    c.add('punt', [10, 23], 3);
    c.add('poll', [10, 22], 2);
    c.add('short', [10, 22], 1);
    c.add('fail', [10, 22, 22], 1);
    c.add('flink', [10, 22], 2);
    c.add('ovf', [10], 4);
    c.add('ovfo', [10, 6], 7);
    c.add('oc', [10], 5);
    const d = c.end(T + SEC, names)!;
    const by = (op: number) => d.rows.find((r) => r.opcode === op)!;
    expect(by(22)).toMatchObject({
      ops: 4,
      errors: 1,
      poll: 2,
      short: 1,
      failed: 1,
      failedErrnos: [22, 1],
      links: 2,
    });
    // a punt counted before its completion: a row of its own, with no operation
    expect(by(23)).toMatchObject({ ops: 0, punted: 3 });
    // the ring owner's: overflowed CQEs matched to no request, and CQEs without a request
    expect(by(255)).toMatchObject({ ops: 0, overflow: 4, other: 5 });
    // overflowed CQEs of a multishot request: on its opcode
    expect(by(6)).toMatchObject({ ops: 0, overflow: 7 });

    // cumulative in, deltas out: only what changed
    c.add('c', [10, 22, 4096], 3);
    c.add('c', [10, 22, -22], 1);
    c.add('punt', [10, 23], 5);
    c.add('poll', [10, 22], 2);
    c.add('short', [10, 22], 1);
    c.add('fail', [10, 22, 22], 1);
    c.add('flink', [10, 22], 2);
    c.add('ovf', [10], 4);
    c.add('ovfo', [10, 6], 7);
    c.add('oc', [10], 5);
    const d2 = c.end(T + 2 * SEC, names)!;
    expect(d2.rows).toEqual([expect.objectContaining({ opcode: 23, punted: 2 })]);
  });
});

const row = opCounts;

function fed(diag: Diagnostics | null = ALL): Model {
  const m = new Model({ aggregate: 'counts' });
  m.setDiagnostics(diag);
  const d: CountsDelta = {
    tsUs: T + SEC,
    intervalUs: SEC,
    rows: [
      row({ opcode: 22, ops: 10, errors: 3, errnos: [22, 1, 9, 1, 11, 1], poll: 5, short: 2 }),
      row({ opcode: 22, ops: 0, failed: 1, failedErrnos: [22, 1] }),
      row({ opcode: 23, ops: 4, punted: 4, links: 1 }),
      row({ opcode: 255, ops: 3, submitted: 14, overflow: 6 }),
      row({ pid: 200, comm: 'db', opcode: 23, ops: 20, punted: 1 }),
      row({ pid: 200, comm: 'db', opcode: 0, ops: 2, errors: 2, errnos: [125, 2] }),
    ],
  };
  m.pushCounts(d);
  m.advance(T + SEC);
  return m;
}

describe('the model', () => {
  it('adds the diagnostics up per process, opcode and in total, since start and in the window', () => {
    const s = fed().snapshot();
    const app = s.processes.find((p) => p.pid === 100)!;
    expect(app).toMatchObject({
      total: { ops: 14, punted: 4, poll: 5, short: 2, failed: 1, links: 1, overflow: 6 },
      window: { overflow: 6 },
      totalEnterSubmitted: 14,
      totalEnterCalls: 3,
    });
    const write = s.opcodes.find((o) => o.opcode === 23)!;
    expect(write).toMatchObject({ total: { ops: 24, punted: 5 }, window: { punted: 5 } });
    expect(s.opcodes.find((o) => o.opcode === 255)!.total.overflow).toBe(6);
    expect(s.totals).toMatchObject({ total: { punted: 5, overflow: 6, failed: 1 } });
    expect(s.diagnostics).toEqual(ALL);
  });

  it('gives the Errors view its rows: by process, opcode and errno, init failures beside them', () => {
    const s = fed().snapshot();
    const rows = s.errorDetail.map(
      (e) =>
        `${e.pid} ${e.opName} ${e.name} ${e.expected ? 'exp' : 'fail'} ${e.count}/${e.total} init ${e.failedInit}`,
    );
    expect(rows.sort()).toEqual([
      '100 READ EAGAIN exp 1/1 init 0',
      '100 READ EBADF fail 1/1 init 0',
      '100 READ EINVAL fail 1/1 init 1',
      '200 NOP ECANCELED exp 2/2 init 0',
    ]);
    // the failures first, then the expected results
    const sorted = sortErrors(s.errorDetail, { key: 'total', desc: true });
    expect(sorted.map((e) => e.expected)).toEqual([false, false, true, true]);
    expect(sorted[2].name).toBe('ECANCELED'); // 2 before 1 among the expected
  });

  it('keeps them across a checkpoint and back', () => {
    const m = fed();
    const cp = m.checkpoint();
    m.reset();
    m.restore(cp);
    const s = m.snapshot();
    expect(s.totals.total.punted).toBe(5);
    expect(s.errorDetail).toHaveLength(4);
  });
});

describe('the counts file', () => {
  it('carries the diagnostics in an eleventh field, and reads files without it', () => {
    const d: CountsDelta = {
      tsUs: T,
      intervalUs: SEC,
      rows: [
        row({ ops: 2, punted: 1, poll: 0, short: 1, failed: 1, failedErrnos: [22, 1] }),
        row({ opcode: 0, ops: 1 }),
      ],
    };
    const line = formatCountsLine(d);
    const r = JSON.parse(line) as { r: unknown[][] };
    expect(r.r[0]).toHaveLength(11);
    expect(r.r[1]).toHaveLength(10); // nothing to say: the old form
    const back = parseCountsLine(line) as CountsDelta;
    expect(back.rows[0]).toMatchObject({
      punted: 1,
      poll: 0,
      short: 1,
      links: 0,
      overflow: 0,
      failed: 1,
      failedErrnos: [22, 1],
    });
    expect(back.rows[1].punted).toBeUndefined();
    expect(
      parseCountsLine(line.replace('[1,0,1,0,0,1,[22,1],0,0]', '[1,0,-1,0,0,1,[22,1],0,0]')),
    ).toBe('a row has a diagnostic out of range');
  });
});

describe('the columns', () => {
  it('fill 80 columns, and show shares, counts, batching and n/a', () => {
    for (const all of [processDiagColumns(ALL), opcodeDiagColumns(ALL)]) {
      // (without those that leave first where the width is short)
      const cols = all.filter((c) => c.drop === undefined);
      const used = 1 + cols.reduce((s, c) => s + c.width, 0) + cols.length - 1;
      // (within a column of 80: the names' flexible width takes what is left)
      expect(used).toBeGreaterThanOrEqual(79);
      expect(used).toBeLessThanOrEqual(80);
    }
    const s = fed().snapshot();
    const app = s.processes.find((p) => p.pid === 100)!;
    const cells = (d: Diagnostics | null) =>
      Object.fromEntries(processDiagColumns(d).map((c) => [c.key, c.format(app, c.width)]));
    expect(cells(ALL)).toMatchObject({
      ops: '14',
      punted: '29%', // 4 of 14
      poll: '36%',
      short: '2',
      failed: '1',
      links: '1',
      overflow: '6',
      batch: '4.7', // 14 submitted in 3 calls
    });
    expect(cells({ ...ALL, punted: false, short: false })).toMatchObject({
      punted: 'n/a',
      short: 'n/a',
      poll: '36%',
    });
    expect(cells(null).overflow).toBe('n/a');
  });

  it('sort on any diagnostic, n/a lowest', () => {
    const s = fed().snapshot();
    const cols = processDiagColumns(ALL);
    expect(sortKeys(cols)).toContain('overflow');
    // punted: app 4 of 14, db 1 of 22
    expect(sortByColumn(s.processes, cols, 'punted', true).map((p) => p.pid)).toEqual([100, 200]);
    expect(sortByColumn(s.processes, cols, 'punted', false).map((p) => p.pid)).toEqual([200, 100]);
    const ops = sortByColumn(s.opcodes, opcodeDiagColumns(ALL), 'overflow', true);
    expect(ops[0].opcode).toBe(255);
    // not counted: every value NaN, the order kept
    const none = sortByColumn(s.processes, processDiagColumns(null), 'punted', true);
    expect(none.map((p) => p.pid)).toEqual(s.processes.map((p) => p.pid));
  });
});

describe('the summary', () => {
  it('labels them punted, poll, short, failed, links, overflow; n/a or null where not counted', () => {
    const text = formatSummary(fed().snapshot(), { durationUs: SEC });
    expect(text).toMatch(/^Diagnostics by opcode$/m);
    expect(text).toMatch(/^OPCODE +OPS +PUNTED +POLL +SHORT +FAILED +LINKS +MS ENDS$/m);
    expect(text).toMatch(/^WRITE +24 +5 \(21%\) +0 +0 +0 +1 +0$/m);
    expect(text).toMatch(/^ *100 +app +14 +4 \(29%\) +5 \(36%\) +2 +1 +1 +6 +0 +0 +4\.7$/m);
    expect(text).toMatch(/^ALARM: 6 completions overflowed the CQ ring/m);
    const partial = formatSummary(fed({ ...ALL, poll: false }).snapshot(), { durationUs: SEC });
    expect(partial).toMatch(/^READ +10 +0 +n\/a +2 +1 +0 +0$/m);
    // figures from events: no diagnostics section at all
    expect(formatSummary(fed(null).snapshot())).not.toMatch(/Diagnostics/);

    const j = JSON.parse(formatSummaryJson(fed().snapshot())) as {
      processes: Record<string, unknown>[];
      totals: Record<string, unknown>;
    };
    expect(j.processes.find((p) => p.pid === 100)).toMatchObject({
      punted: 4,
      poll: 5,
      short: 2,
      failed: 1,
      broken_links: 1,
      overflow: 6,
      batch: 4.67,
    });
    const jn = JSON.parse(formatSummaryJson(fed({ ...ALL, short: false }).snapshot())) as {
      totals: Record<string, unknown>;
    };
    expect(jn.totals.short).toBeNull();
    expect(jn.totals.punted).toBe(5);
  });
});
