/**
 * The summary's io_uring threads: the CPU over the session (not the last sample's), and the
 * processes no longer sampled (exited) with the figures they had.
 */
import { describe, expect, it } from 'vitest';
import { Model } from '../../source/model/model.js';
import { IDLE_THREADS } from '../../source/proc/threads.js';
import type { ProcView, ThreadInfo } from '../../source/proc/view.js';
import { procSummaryLines, threadsJson } from '../../source/render/procSummary.js';
import { ev, SEC, T } from '../model/helpers.js';

const thread = (t: Partial<ThreadInfo>): ThreadInfo => ({ ...IDLE_THREADS, ...t });

function snapshot() {
  const m = new Model();
  m.push(ev({ tsUs: T, pid: 7, comm: 'spin' }));
  m.push(ev({ tsUs: T, pid: 8, comm: 'gone' }));
  m.advance(T + SEC);
  // pid 7 sampled now: its last two looks 5 ms apart saw no CPU, its session 9.5 s in 10 s;
  // pid 8 exited: no longer sampled, its ring torn down before its last look
  const spin = thread({ sqpoll: 1, maxSqpoll: 1, sqpollCpuPct: 0, sqpollAvgCpuPct: 95 });
  const gone = thread({ maxSqpoll: 1, sqpollCpuSec: 4, sampledSec: 5, sqpollAvgCpuPct: 80 });
  const proc: ProcView = {
    origin: 'live',
    files: new Map(),
    fileList: [],
    threads: new Map([[7, spin]]),
    threadsSeen: new Map([
      [7, spin],
      [8, gone],
    ]),
    rings: [],
    ringFailures: new Map(),
  };
  return { ...m.snapshot(), proc };
}

describe('the summary of io_uring threads', () => {
  it('says the CPU over the session, and keeps a process that exited', () => {
    const lines = procSummaryLines(snapshot()).filter((l) => l.startsWith('workers:'));
    expect(lines).toEqual([
      'workers: PID 7 spin: 0 iou-wrk (max 0, CPU -), 1 iou-sqp (CPU 95.0%)',
      'workers: PID 8 gone: 0 iou-wrk (max 0, CPU -), 0 iou-sqp (max 1, CPU 80.0%)',
    ]);
    expect(threadsJson(snapshot())).toMatchObject([
      { pid: 7, sqpoll: 1, sqpoll_cpu_pct: 95 },
      { pid: 8, sqpoll: 0, max_sqpoll: 1, sqpoll_cpu_pct: 80, sqpoll_cpu_s: 4, sampled_s: 5 },
    ]);
  });
});
