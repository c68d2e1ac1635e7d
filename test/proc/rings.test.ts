/**
 * fdinfo parsing on real fdinfo text (captured on 6.18 from test/workload/uring-files.c: a ring
 * with a registered file, and an SQPOLL ring), and the ring scanner and thread sampler on a real
 * process with rings: Node with UV_USE_IO_URING=1, whose libuv submits file operations through
 * SQPOLL rings.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_SCANNED, parseFdinfo, ringFds, RingScanner } from '../../source/proc/rings.js';
import { isGrowing, parseTaskStat, ThreadSampler } from '../../source/proc/threads.js';
import { holdNodeRings } from '../helpers/processes.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/fdinfo');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

/**
 * Runs `body` with a fake /proc holding process `pid`'s fd and fdinfo directories (removed after).
 */
async function withFakeProc(pid: number, body: (root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-proc-'));
  try {
    mkdirSync(path.join(root, String(pid), 'fd'), { recursive: true });
    mkdirSync(path.join(root, String(pid), 'fdinfo'));
    await body(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('parseFdinfo', () => {
  it('reads a ring with a registered file (6.18)', () => {
    const r = parseFdinfo(fixture('6.18-registered-file.txt'))!;
    expect(r).toMatchObject({
      sqEntries: 16,
      cqEntries: 32,
      sqHead: 9,
      sqTail: 9,
      cachedSqHead: 9,
      cqHead: 9,
      cqTail: 9,
      cachedCqTail: 9,
      sqPending: 0,
      cqPending: 0,
      userFiles: 1,
      userBufs: 0,
      overflow: 0,
    });
    expect(r.sqThread).toBeUndefined(); // SqThread: -1
    expect(r.files).toHaveLength(1);
    expect(r.files[0]).toMatch(/\/fixed-file\.dat$/);
  });

  it('reads an SQPOLL ring (6.18): its thread, the CPU it ran on, its times', () => {
    const r = parseFdinfo(fixture('6.18-sqpoll.txt'))!;
    expect(r).toMatchObject({ sqEntries: 8, cqEntries: 16, userFiles: 0, files: [] });
    expect(r.sqThread).toBeGreaterThan(0);
    expect(r.sqThreadCpu).toBeGreaterThanOrEqual(0);
    expect(r.sqTotalTimeUs).toBeGreaterThan(0);
  });

  it('counts pending entries across the u32 wrap, overflowed CQEs, empty slots and older kernels’ lines', () => {
    // the kernel's line formats (io_uring/fdinfo.c): an overflow list, a base-name file table
    // (5.x prints the dentry's name), an empty slot, registered buffers
    const text = [
      'SqMask:\t0x3',
      'SqHead:\t4294967295',
      'SqTail:\t1',
      'CqMask:\t0x7',
      'CqHead:\t10',
      'CqTail:\t14',
      'SqThread:\t-1',
      'SqThreadCpu:\t-1',
      'UserFiles:\t3',
      '    0: data.db',
      '    1: <none>',
      '    2: log',
      'UserBufs:\t1',
      '    0: 0x7f0000000000/4096',
      'PollList:',
      '  op=6, task_works=0',
      'CqOverflowList:',
      '  user_data=1, res=4096, flags=0',
      '  user_data=2, res=4096, flags=0',
    ].join('\n');
    const r = parseFdinfo(text)!;
    expect(r).toMatchObject({ sqEntries: 4, cqEntries: 8, sqPending: 2, cqPending: 4 });
    expect(r).toMatchObject({ userFiles: 3, userBufs: 1, overflow: 2, polls: 1 });
    expect(r.files).toEqual(['data.db', undefined, 'log']);
  });

  it('is not fooled by a file that is not a ring', () => {
    expect(parseFdinfo('pos:\t0\nflags:\t02\nmnt_id:\t3\nino:\t12\n')).toBeUndefined();
  });
});

describe('the ring scan of a process with many descriptors', () => {
  it('reads the first MAX_SCANNED and says how many it left, where a ring may be', async () => {
    // a /proc of one process with 1,500 fds: a ring at fd 5 and at fd 1,400
    const pid = 77;
    await withFakeProc(pid, async (root) => {
      const ring = fixture('6.18-registered-file.txt');
      for (let fd = 0; fd < 1500; fd++) {
        const isRing = fd === 5 || fd === 1400;
        symlinkSync(
          isRing ? 'anon_inode:[io_uring]' : '/dev/null',
          path.join(root, `${pid}/fd/${fd}`),
        );
        if (isRing) writeFileSync(path.join(root, `${pid}/fdinfo/${fd}`), ring);
      }
      const found = await ringFds(pid, root);
      expect(found).toEqual({ fds: [5], unscanned: 1500 - MAX_SCANNED });
      const scanner = new RingScanner(root);
      await scanner.sample([pid], Date.now());
      expect(scanner.rings().map((r) => r.fd)).toEqual([5]);
      expect(scanner.unscanned()).toEqual(new Map([[pid, 476]]));
    });
  });
});

describe('a ring whose fdinfo comes back without io_uring’s part (its lock was busy)', () => {
  it('keeps its last reading while busy, and drops it once the descriptor is closed', async () => {
    const pid = 78;
    await withFakeProc(pid, async (root) => {
      symlinkSync('anon_inode:[io_uring]', path.join(root, `${pid}/fd/3`));
      const info = path.join(root, `${pid}/fdinfo/3`);
      writeFileSync(info, fixture('6.18-registered-file.txt'));
      const scanner = new RingScanner(root);
      await scanner.sample([pid], 1_000);
      expect(scanner.rings()).toMatchObject([{ pid, fd: 3, cqEntries: 32, sqEntries: 16 }]);
      // what 6.18 writes when mutex_trylock fails: the common lines alone, every time
      writeFileSync(info, 'pos:\t0\nflags:\t02000002\nmnt_id:\t17\nino:\t1057\n');
      await scanner.sample([pid], 2_000);
      expect(scanner.rings()).toMatchObject([{ pid, fd: 3, cqEntries: 32, sqEntries: 16 }]);
      // closed: gone now, and looked for again at the next sample (not SCAN_MS later)
      rmSync(info);
      await scanner.sample([pid], 3_000);
      expect(scanner.rings()).toEqual([]);
      writeFileSync(info, fixture('6.18-sqpoll.txt'));
      await scanner.sample([pid], 4_000);
      expect(scanner.rings()).toHaveLength(1);
      expect(scanner.rings()[0].sqThread).toBeDefined();
    });
  });

  it('starts with nothing for a ring never read whole', async () => {
    const pid = 79;
    await withFakeProc(pid, async (root) => {
      symlinkSync('anon_inode:[io_uring]', path.join(root, `${pid}/fd/4`));
      writeFileSync(path.join(root, `${pid}/fdinfo/4`), 'pos:\t0\nflags:\t02\n');
      const scanner = new RingScanner(root);
      await scanner.sample([pid], 1_000);
      expect(scanner.rings()).toEqual([]);
      expect(scanner.failures()).toEqual(new Map());
    });
  });
});

describe('a real process with rings (Node, UV_USE_IO_URING=1)', () => {
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill('SIGKILL'));

  it('finds its ring fds, reads each ring, and counts its iou-sqp threads', async () => {
    child = await holdNodeRings();
    const pid = child.pid!;
    const fds = await ringFds(pid);
    if ('failure' in fds) throw new Error(fds.failure);
    if (fds.fds.length === 0) {
      // a kernel or a Node without libuv's io_uring: nothing to read, and said loudly
      process.stderr.write(
        '!! no io_uring ring in a UV_USE_IO_URING=1 Node here: ring test not run\n',
      );
      return;
    }
    const scanner = new RingScanner();
    await scanner.sample([pid], Date.now());
    const rings = scanner.rings();
    expect(rings.map((r) => r.fd).sort()).toEqual([...fds.fds].sort());
    for (const r of rings) {
      expect(r.pid).toBe(pid);
      expect(r.sqEntries).toBeGreaterThan(0);
      expect(r.cqEntries).toBeGreaterThanOrEqual(r.sqEntries!);
    }
    const sqpoll = rings.filter((r) => r.sqThread !== undefined);
    const threads = new ThreadSampler();
    await threads.sample([pid], Date.now());
    await new Promise((r) => setTimeout(r, 50));
    await threads.sample([pid], Date.now());
    const t = threads.info(pid)!;
    // one iou-sqp thread per SQPOLL ring (libuv shares none between them)
    expect(t.sqpoll).toBe(new Set(sqpoll.map((r) => r.sqThread)).size);
    expect(t.sqpollCpuPct).toBeGreaterThanOrEqual(0);
    for (const r of sqpoll)
      expect(threads.threadCpuPct(pid, r.sqThread!)).toBeGreaterThanOrEqual(0);
  });
});

describe('threads', () => {
  it('reads the name and CPU ticks of a task’s stat, whatever the name holds', () => {
    const own = readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1');
    const [comm, ticks] = parseTaskStat(own)!;
    expect(comm.length).toBeGreaterThan(0);
    expect(ticks).toBeGreaterThanOrEqual(0);
    // a name with spaces and parentheses: the last ')' ends it
    expect(parseTaskStat('42 (iou-wrk-4) x) S 1 2 3 4 5 6 7 8 9 10 250 30 0 0')).toEqual([
      'iou-wrk-4) x',
      280,
    ]);
  });

  it('flags a worker count that only climbs, not one that climbs and falls', () => {
    expect(isGrowing([1, 2, 2, 3, 4])).toBe(true);
    expect(isGrowing([1, 2, 3])).toBe(false); // two rises: not yet
    expect(isGrowing([1, 2, 3, 2, 3, 4, 5])).toBe(false); // it fell once in the window
    expect(isGrowing([4, 4, 4, 4])).toBe(false);
  });

  it('forgets a process that is gone', async () => {
    const s = new ThreadSampler();
    await s.sample([4194000], Date.now());
    expect(s.info(4194000)).toBeUndefined();
  });
});
