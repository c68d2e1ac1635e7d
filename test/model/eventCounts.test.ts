/**
 * Events counted into deltas (model/eventCounts.ts) follow the model's own rules for events: a
 * model fed the deltas shows exactly what a model fed the events shows, on real recordings.
 */
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/project.js';
import { EventCounts } from '../../source/model/eventCounts.js';
import { Model } from '../../source/model/model.js';
import { readRecording } from '../../source/record/csvReader.js';
import { ev, SEC, T } from './helpers.js';
import path from 'node:path';

describe('EventCounts', () => {
  it('counts operations, bytes by direction, errors by errno, latency buckets, enter submissions', () => {
    const c = new EventCounts();
    c.add(ev({ result: 4096 }));
    c.add(ev({ result: -11, latencyNs: 0 }));
    c.add(ev({ opcode: 23, result: 100 }));
    c.add(ev({ opcode: 255, result: 7, length: 8 }));
    c.add(ev({ opcode: 255, hasResult: false, result: 0, length: 3 }));
    expect(c.empty).toBe(false);
    const d = c.take(T + SEC, SEC);
    expect(c.empty).toBe(true);
    expect(d.tsUs).toBe(T + SEC);
    expect(
      d.rows.map(({ opcode, ops, read, write, errors, submitted, errnos }) => ({
        opcode,
        ops,
        read,
        write,
        errors,
        submitted,
        errnos,
      })),
    ).toEqual([
      { opcode: 22, ops: 2, read: 4096, write: 0, errors: 1, submitted: 0, errnos: [11, 1] },
      { opcode: 23, ops: 1, read: 0, write: 100, errors: 0, submitted: 0, errnos: [] },
      { opcode: 255, ops: 2, read: 0, write: 0, errors: 0, submitted: 10, errnos: [] },
    ]);
    expect(d.rows[0].latency).toHaveLength(2); // one bucket: 10 µs, once
  });

  for (const name of ['workload-mix.csv', 'node-sqpoll.csv', 'fio-randrw.csv']) {
    it(`gives the figures the model derives from the events themselves (${name})`, async () => {
      const byEvents = new Model();
      const byCounts = new Model({ aggregate: 'counts' });
      const counts = new EventCounts();
      let sec = -1;
      await readRecording(path.join(ROOT, 'recordings', name), {
        push: (e) => {
          const s = Math.floor(e.tsUs / SEC);
          if (s !== sec && !counts.empty) byCounts.pushCounts(counts.take(sec * SEC + SEC, SEC));
          sec = s;
          byEvents.push(e);
          counts.add(e);
        },
      });
      byCounts.pushCounts(counts.take(sec * SEC + SEC, SEC));
      const a = byEvents.snapshot({ series: false, recentLimit: 0 });
      const b = byCounts.snapshot({ series: false, recentLimit: 0 });
      const totals = (rows: typeof a.processOpcodes) =>
        rows.map((r) => [
          r.pid,
          r.comm,
          r.opName,
          r.total.ops,
          r.total.read,
          r.total.write,
          r.total.errors,
        ]);
      expect(totals(b.processOpcodes)).toEqual(totals(a.processOpcodes));
      // latencies: the same buckets (the counts know a bucket, not the exact min and max)
      b.processOpcodes.forEach((r, i) => {
        const want = a.processOpcodes[i];
        expect(Math.abs(r.total.p99Ns - want.total.p99Ns)).toBeLessThanOrEqual(
          want.total.p99Ns / 64,
        );
        expect(Math.abs(r.total.p50Ns - want.total.p50Ns)).toBeLessThanOrEqual(
          want.total.p50Ns / 64,
        );
      });
      expect(b.errors.map((e) => [e.name, e.total])).toEqual(
        a.errors.map((e) => [e.name, e.total]),
      );
      expect(b.enter.totalCalls).toBe(a.enter.totalCalls);
      expect(b.enter.totalSubmitted).toBe(a.enter.totalSubmitted);
      expect(a.totals.total.ops).toBeGreaterThan(0);
    });
  }
});
