/**
 * The reaper: a process's keys leave the kernel's maps once it has ended, its grace has passed and
 * its counts stood still for a round; the commands go out through a real ControlWriter (to
 * /dev/null, where no program is listening), and only processes that had keys are counted.
 */
import { describe, expect, it } from 'vitest';
import { CountsCollector } from '../../source/collect/counts.js';
import { ControlWriter, GRACE_US, Reaper } from '../../source/collect/reaper.js';

const names = (tgid: number) => `p${tgid}`;

/** One round of counts, as bpftrace prints it: `rows` as [tgid, opcode, ops], complete at `ts`. */
function round(c: CountsCollector, ts: number, rows: [number, number, number][]): void {
  for (const [tgid, op, n] of rows) c.add('c', [tgid, op, 0], n);
  c.end(ts, names);
}

function setup(alive: (tgid: number) => boolean = () => true) {
  const c = new CountsCollector(0);
  const w = new ControlWriter(12345);
  const r = new Reaper(c, w, alive);
  return { c, w, r };
}

describe('Reaper', () => {
  it('takes an ended process keys back after its grace, and counts it once', () => {
    const { c, w, r } = setup();
    try {
      round(c, 1_000_000, [
        [10, 1, 5],
        [20, 1, 7],
      ]);
      r.ringOwner(0xabcn, 10);
      r.processEnded(10, 1_000_000);
      // within the grace: nothing goes
      round(c, 1_500_000, [
        [10, 1, 5],
        [20, 1, 7],
      ]);
      r.afterRound(1_500_000);
      expect(w.written).toBe(0);
      expect(c.processes().sort()).toEqual([10, 20]);
      round(c, 2_000_000, [
        [10, 1, 5],
        [20, 1, 8],
      ]);
      r.afterRound(2_000_000);
      // its one counter key and its ring's owner entry
      expect(w.written).toBe(2);
      expect(r.reaped).toBe(1);
      expect(c.processes()).toEqual([20]);
      // seen again later: nothing more to do
      r.afterRound(3_000_000);
      expect(w.written).toBe(2);
      expect(r.reaped).toBe(1);
    } finally {
      w.close();
    }
  });

  it('waits while an ended process counts still rise (late CQEs from a kernel worker)', () => {
    const { c, w, r } = setup();
    try {
      round(c, 1_000_000, [[10, 1, 5]]);
      r.processEnded(10, 1_000_000);
      round(c, 2_100_000, [[10, 1, 6]]);
      r.afterRound(2_100_000);
      expect(w.written).toBe(0);
      round(c, 2_500_000, [[10, 1, 6]]);
      r.afterRound(2_500_000);
      // its end moved to half a grace before the rise
      expect(w.written).toBe(0);
      round(c, 2_100_000 + GRACE_US / 2, [[10, 1, 6]]);
      r.afterRound(2_100_000 + GRACE_US / 2);
      expect(w.written).toBe(1);
    } finally {
      w.close();
    }
  });

  it('keeps the keys of a pid named again before they go (a new process)', () => {
    const { c, w, r } = setup();
    try {
      round(c, 1_000_000, [[10, 1, 5]]);
      r.processEnded(10, 1_000_000);
      r.processNamed(10);
      round(c, 3_000_000, [[10, 1, 5]]);
      r.afterRound(3_000_000);
      expect(w.written).toBe(0);
      expect(c.processes()).toEqual([10]);
    } finally {
      w.close();
    }
  });

  it('does not count the end of a process that had no keys as a reaping', () => {
    const { c, w, r } = setup();
    try {
      round(c, 1_000_000, [[20, 1, 1]]);
      for (let tgid = 100; tgid < 150; tgid++) r.processEnded(tgid, 1_000_000);
      round(c, 3_000_000, [[20, 1, 1]]);
      r.afterRound(3_000_000);
      expect(w.written).toBe(0);
      expect(r.reaped).toBe(0);
    } finally {
      w.close();
    }
  });

  it('finds processes whose end line was lost in /proc, and deletes a ring owner with them', () => {
    const gone = new Set([10]);
    const { c, w, r } = setup((tgid) => !gone.has(tgid));
    try {
      round(c, 1_000_000, [
        [10, 1, 5],
        [20, 1, 5],
      ]);
      r.ringOwner(0x1n, 10);
      r.ringOwner(0x2n, 20);
      round(c, 11_000_000, [
        [10, 1, 5],
        [20, 1, 5],
      ]);
      r.afterRound(11_000_000); // the scan: 10 is gone, from now
      expect(w.written).toBe(0);
      round(c, 12_000_000, [
        [10, 1, 5],
        [20, 1, 5],
      ]);
      r.afterRound(12_000_000);
      expect(w.written).toBe(2);
      expect(r.reaped).toBe(1);
      expect(c.processes()).toEqual([20]);
    } finally {
      w.close();
    }
  });
});
