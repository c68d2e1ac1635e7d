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
import { tempDir } from '../e2e/env.js';

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
});
