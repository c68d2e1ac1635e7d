/**
 * ThreadSampler's running CPU totals per process (what the exporter's CPU counters come from), on
 * a /proc tree the test writes: threads there before the first sample count from it on, threads
 * born since count from their start, a thread that exits keeps what was counted, and the totals
 * never go down.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ThreadSampler } from '../../source/proc/threads.js';
import { tempDir } from '../helpers/project.js';

/** A fake /proc with one process whose threads the test sets: tid → [comm, utime, stime]. */
function fakeProc(pid: number) {
  const root = tempDir('iouringtop-threads-');
  const task = (tid: number) => path.join(root, String(pid), 'task', String(tid));
  return {
    root,
    set(tid: number, comm: string, utime: number, stime: number): void {
      mkdirSync(task(tid), { recursive: true });
      writeFileSync(
        path.join(task(tid), 'stat'),
        `${tid} (${comm}) S 1 ${pid} ${pid} 0 -1 4194560 10 0 0 0 ${utime} ${stime} 0 0 20 0 1 0\n`,
      );
    },
    exit(tid: number): void {
      rmSync(task(tid), { recursive: true });
    },
  };
}

const PID = 500;

describe('ThreadSampler CPU totals', () => {
  it('counts CPU from the first sample on, a new thread from its start, and never goes down', async () => {
    const p = fakeProc(PID);
    p.set(PID, 'app', 5000, 100); // the application's own thread: never counted
    p.set(501, `iou-sqp-${PID}`, 900, 100); // 1000 ticks before iouringtop looked
    p.set(502, `iou-wrk-${PID}`, 40, 10);
    const s = new ThreadSampler(p.root);

    await s.sample([PID], 1000);
    expect(s.info(PID)).toMatchObject({
      workers: 1,
      sqpoll: 1,
      workersCpuSec: 0,
      sqpollCpuSec: 0,
    });

    p.set(PID, 'app', 9000, 100);
    p.set(501, `iou-sqp-${PID}`, 1000, 150); // +150 ticks
    p.set(502, `iou-wrk-${PID}`, 60, 20); // +30
    p.set(503, `iou-wrk-${PID}`, 15, 5); // born since: all its 20
    await s.sample([PID], 2000);
    expect(s.info(PID)).toMatchObject({
      workers: 2,
      sqpoll: 1,
      workersCpuSec: 0.5,
      sqpollCpuSec: 1.5,
      // (the % is between two reads of a thread: the new one is not in it yet)
      workersCpuPct: 30,
      sqpollCpuPct: 150,
    });

    // a worker exits: what it used until the last sample stays counted
    p.exit(502);
    p.set(503, `iou-wrk-${PID}`, 20, 10); // +10
    await s.sample([PID], 3000);
    expect(s.info(PID)).toMatchObject({
      workers: 1,
      sqpoll: 1,
      workersCpuSec: 0.6,
      sqpollCpuSec: 1.5,
    });

    // forgotten (no longer sampled), then sampled again: counted afresh from that sample
    await s.sample([], 4000);
    expect(s.info(PID)).toBeUndefined();
    p.set(501, `iou-sqp-${PID}`, 2000, 150);
    await s.sample([PID], 5000);
    expect(s.info(PID)).toMatchObject({ workersCpuSec: 0, sqpollCpuSec: 0 });
  });

  it('gives the CPU over the session, not over the last two looks, and keeps a process that exited', async () => {
    const p = fakeProc(PID);
    p.set(PID, 'app', 0, 0);
    p.set(501, `iou-sqp-${PID}`, 0, 0);
    const s = new ThreadSampler(p.root);
    await s.sample([PID], 10_000);
    // a poller busy for 10 s: 1000 ticks of the 1000 a CPU has in them
    p.set(501, `iou-sqp-${PID}`, 800, 200);
    await s.sample([PID], 20_000);
    // then a last look 5 ms later, as at the end of a capture: nothing in between
    await s.sample([PID], 20_005);
    const t = s.info(PID)!;
    expect(t.sqpollCpuPct).toBe(0); // the last sample's: two looks 5 ms apart
    expect(t.sqpollAvgCpuPct).toBeCloseTo(99.95, 1); // the session's
    expect(t.sampledSec).toBeCloseTo(10.005, 3);

    // it exits: no longer sampled now, still in the session with the figures it had
    rmSync(path.join(p.root, String(PID)), { recursive: true });
    await s.sample([PID], 21_000);
    expect(s.info(PID)).toBeUndefined();
    expect(s.all().has(PID)).toBe(false);
    expect(s.seen().get(PID)).toMatchObject({ sqpoll: 1, sqpollCpuSec: 10 });
    expect(s.seen().get(PID)?.sqpollAvgCpuPct).toBeCloseTo(99.95, 1);
  });

  it('adds a process sampled again after a while to its session figures', async () => {
    const p = fakeProc(PID);
    p.set(501, `iou-sqp-${PID}`, 0, 0);
    const s = new ThreadSampler(p.root);
    await s.sample([PID], 10_000);
    p.set(501, `iou-sqp-${PID}`, 500, 0); // 5 s of CPU in 10 s
    await s.sample([PID], 20_000);
    await s.sample([], 30_000); // idle a while: not sampled
    expect(s.seen().get(PID)?.sqpollAvgCpuPct).toBeCloseTo(50, 5);
    await s.sample([PID], 40_000);
    p.set(501, `iou-sqp-${PID}`, 1500, 0); // then 10 s of CPU in 10 s
    await s.sample([PID], 50_000);
    const t = s.seen().get(PID)!;
    // the running total starts again (the exporter's), the session's goes on: 15 s in 20 s
    expect(t.sqpollCpuSec).toBe(10);
    expect(t.sampledSec).toBe(20);
    expect(t.sqpollAvgCpuPct).toBeCloseTo(75, 5);
  });
});
