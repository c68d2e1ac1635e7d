/**
 * LiveSource's recording toggle (`R` in the live TUI), without bpftrace: the recorder side only.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../source/collect/probe.js';
import { buildConfig } from '../../source/config.js';
import { emptyEvent } from '../../source/model/event.js';
import { isoLocal, readSessionMeta, sessionSpanUs } from '../../source/record/meta.js';
import { LiveSource } from '../../source/sources/live.js';
import type { ThreadReport } from '../../source/proc/threads.js';
import { eventually } from '../helpers/eventually.js';
import { holdNodeRings } from '../helpers/processes.js';
import { tempDir } from '../helpers/project.js';
import { opCounts } from '../model/helpers.js';

const probe = { bpftraceVersion: 'v0.17.0', features: {} } as unknown as ProbeResult;

function session(outputDir: string): LiveSource {
  const built = buildConfig({ pid: ['42'], outputDir, record: false, headless: true }, false);
  if (!built.ok) throw new Error(built.error);
  return new LiveSource(built.config, probe, 1);
}

describe('LiveSource recording toggle (RecordingSession)', () => {
  it('takes quick presses in order: start, stop, start gives two files, each closed with its metadata', async () => {
    const dir = tempDir('iouringtop-live-');
    const s = session(dir);
    const ev = emptyEvent();
    ev.pid = 42;
    ev.comm = 'app';
    ev.opcode = 22;
    ev.result = 4096;
    ev.hasResult = true;
    // Three presses before any has finished (a double press, then another).
    const presses = [s.recording.toggle(), s.recording.toggle(), s.recording.toggle()];
    await Promise.all(presses);
    expect(s.recording.files).toHaveLength(2);
    expect(s.recording.recorder?.path).toBe(s.recording.files[1]);
    ev.tsUs = Date.now() * 1000;
    s.recording.recorder!.push(ev);
    await s.recording.toggle(); // stop the second
    expect(s.recording.recorder).toBeUndefined();
    const csvs = readdirSync(path.join(dir, 'iouring')).filter((f) => f.endsWith('.csv'));
    expect(csvs.sort()).toEqual(s.recording.files.map((r) => path.basename(r)).sort());
    for (const [i, file] of s.recording.files.entries()) {
      const meta = await readSessionMeta(file);
      expect(meta?.endedAt).not.toBeNull();
      expect(meta?.filters.text).toBe('pid:42');
      expect(meta?.bpftraceVersion).toBe('v0.17.0');
      expect(meta?.events).toBe(i === 1 ? 1 : 0);
      expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(i === 1 ? 2 : 1);
    }
  });

  it('a failed start is reported to the caller and the next press tries again', async () => {
    const s = session('/proc/iouringtop-cannot-write-here');
    await expect(s.recording.toggle()).rejects.toThrow(/iouringtop-cannot-write-here/);
    expect(s.recording.recorder).toBeUndefined();
    await expect(s.recording.toggle()).rejects.toThrow();
    expect(s.recording.files).toHaveLength(0);
  });

  it('stop() waits for a press in flight; an opening one that ends after the stop leaves no file', async () => {
    const dir = tempDir('iouringtop-live-');
    const s = session(dir);
    s.captureStartedAt = new Date();
    await s.recording.toggle(); // recording
    const ev = emptyEvent();
    ev.tsUs = Date.now() * 1000;
    ev.pid = 42;
    s.recording.recorder!.push(ev);
    const closing = s.recording.toggle(); // R to stop it, and q right after: not awaited
    await s.stop();
    await closing;
    expect(s.recording.files).toHaveLength(1);
    const meta = await readSessionMeta(s.recording.files[0]);
    expect(meta?.events).toBe(1);
    expect(Date.parse(meta!.endedAt!)).toBeGreaterThanOrEqual(Date.parse(meta!.startedAt));
    // later presses do nothing
    await s.recording.toggle();
    expect(s.recording.files).toHaveLength(1);
    expect(s.recording.recorder).toBeUndefined();

    // R to start, then q: the file would open after the capture's end, with nothing in it
    const t = session(tempDir('iouringtop-live-'));
    t.captureStartedAt = new Date();
    const opening = t.recording.toggle();
    await new Promise((r) => setImmediate(r)); // under way: creating the file
    await t.stop();
    await opening;
    expect(t.recording.files).toEqual([]);
    expect(t.recording.recorder).toBeUndefined();
    // and one not yet begun is dropped
    const u = session(tempDir('iouringtop-live-'));
    u.captureStartedAt = new Date();
    const late = u.recording.toggle();
    await u.stop();
    await late;
    expect(u.recording.files).toEqual([]);
  });

  it('the recording spans the capture: from the probes’ attach to the stop, as the live summary', async () => {
    const dir = tempDir('iouringtop-live-');
    const s = session(dir);
    await s.recording.toggle(); // the file is opened before bpftrace is even started
    await new Promise((r) => setTimeout(r, 30));
    s.captureStartedAt = new Date(); // the probes attach later
    await new Promise((r) => setTimeout(r, 50));
    await s.stop();
    const meta = await readSessionMeta(s.recording.files[0]);
    expect(meta?.startedAt).toBe(isoLocal(s.captureStartedAt));
    expect(meta?.endedAt).toBe(isoLocal(s.captureEndedAt!));
    expect(s.spanUs).toBeGreaterThanOrEqual(40_000); // a 50 ms wait, give or take the timer
    expect(sessionSpanUs(meta!)).toBe(s.spanUs);
  });

  it('a capture that never attached leaves no empty recording behind', async () => {
    const dir = tempDir('iouringtop-live-');
    const s = session(dir);
    await s.recording.toggle();
    const file = s.recording.files[0];
    expect(existsSync(file)).toBe(true);
    await s.stop(); // e.g. bpftrace failed to attach
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(path.join(dir, 'iouring'))).toEqual([]);
    expect(s.recording.files).toEqual([]);
  });

  it('an R press that opens a file after the capture ended leaves nothing behind', async () => {
    const dir = tempDir('iouringtop-live-');
    const s = session(dir);
    s.captureStartedAt = new Date(Date.now() - 1000);
    s.captureEndedAt = new Date(Date.now() - 500); // bpftrace already gone
    await s.recording.toggle(); // opens now, after the end
    await s.stop();
    expect(s.recording.files).toEqual([]);
    expect(readdirSync(path.join(dir, 'iouring'))).toEqual([]);
  });
});

describe('LiveSource thread reports (subscribe)', () => {
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill('SIGKILL'));

  it('tells each look at /proc, once, for the processes the model has, named as in the model', async () => {
    // a process with an SQPOLL ring (libuv's, where the kernel and Node give one)
    child = await holdNodeRings();
    const pid = child.pid!;
    const s = session(tempDir('iouringtop-live-'));
    s.model.pushCounts({
      tsUs: Date.now() * 1000,
      intervalUs: 1_000_000,
      rows: [opCounts({ pid, comm: 'ring-holder', ops: 1 })],
    });
    // what the test reads itself (io-wq workers come and go: before and after the look)
    const count = (prefix: string) =>
      readdirSync(`/proc/${pid}/task`).filter((tid) =>
        readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').startsWith(prefix),
      ).length;
    const wrkBefore = count('iou-wrk-');
    const reports: (readonly ThreadReport[])[] = [];
    s.subscribe({ threads: (r) => void reports.push(r) });
    await s.tick();
    await s.tick(); // while the first look runs: no second report of it
    const got = await eventually(() => reports[0], 'a report');
    const wrkAfter = count('iou-wrk-');
    const sqp = count('iou-sqp-');
    await s.tick();
    await eventually(() => reports[1], 'a second report');
    expect(reports).toHaveLength(2);
    expect(got[0].workers).toBeGreaterThanOrEqual(Math.min(wrkBefore, wrkAfter));
    expect(got[0].workers).toBeLessThanOrEqual(Math.max(wrkBefore, wrkAfter));
    expect(got).toEqual([
      {
        pid,
        comm: 'ring-holder',
        workers: got[0].workers,
        sqpoll: sqp,
        workersCpuSec: 0,
        sqpollCpuSec: 0, // counted from the first look on
      },
    ]);
    if (sqp === 0)
      process.stderr.write('!! no SQPOLL thread in a UV_USE_IO_URING=1 Node here: counted 0\n');
    expect(reports[1][0].sqpollCpuSec).toBeGreaterThanOrEqual(0);
  });
});
