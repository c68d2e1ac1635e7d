/**
 * The TUI in a real terminal: tmux runs the built CLI as root against live fio workloads.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bpftraceUnder,
  CLI,
  descendants,
  eventually,
  fioFile,
  processRef,
  recordedRows,
  requireOrSkip,
  startFio,
  stillRunning,
  tempDir,
  uniqueCommand,
  waitGone,
  type ProcessRef,
} from './env.js';
import { TmuxPane } from './tmux.js';
import { copyEvent, type IoEvent } from '../../source/model/event.js';
import { readRecording } from '../../source/record/csvReader.js';
import { readSessionMeta } from '../../source/record/meta.js';

const run = requireOrSkip('TUI end-to-end test', ['fio', 'tmux']);
const panes: TmuxPane[] = [];
/** fio under a name no other process on the machine has: `--comm` sees only ours. */
const FIO = run ? uniqueCommand('fio', 'iotfio') : { path: 'fio', comm: 'fio' };

afterAll(() => panes.forEach((p) => p.kill()));

/** A file for fio to read, in a fresh directory. */
/** A temporary directory with a file of `mib` MiB for fio to read. */
function fioDir(prefix: string, mib: number): { dir: string; file: string } {
  const dir = tempDir(prefix);
  return { dir, file: fioFile(dir, `${mib}M`) };
}

/** fio reading `file` at random through io_uring for up to 20 s, rate-limited. */
const readFio = (name: string, file: string, iops: number) =>
  startFio(FIO.path, file, { name, iops, runtime: 20 });

/** A fio row with READ on the processes view (the name may be cut with … in a narrow column). */
const FIO_READING = new RegExp(`^\\s*>?\\s*\\d+\\s+${FIO.comm.slice(0, 6)}\\S*\\s.*READ`, 'm');
const fioRows = (s: string) =>
  s.split('\n').filter((l) => new RegExp(`^\\s*>?\\s*\\d+\\s+${FIO.comm.slice(0, 6)}`).test(l));

/** The bpftrace the pane's iouringtop started, once it runs. */
const paneBpftrace = (p: TmuxPane): Promise<ProcessRef[]> =>
  eventually(() => {
    const found = bpftraceUnder(p.pid());
    return found.length === 1 ? found : undefined;
  }, 'the pane’s bpftrace');

/** The one recording in `dir` once it holds at least `n` READ rows. */
const readsRecorded = (dir: string, n: number): Promise<string> =>
  eventually(() => {
    const csv = readdirSync(path.join(dir, 'iouring')).filter((f) => f.endsWith('.csv'));
    const last = csv.sort().at(-1);
    if (!last) return undefined;
    const file = path.join(dir, 'iouring', last);
    return recordedRows(file).filter((r) => r.includes(',READ,')).length >= n ? file : undefined;
  }, `${n} READ rows recorded in ${dir}`);

describe.runIf(run)('TUI in tmux', () => {
  it('shows fio with READ, filters by pid, and quits cleanly leaving no bpftrace', async () => {
    const { file } = fioDir('iouringtop-tui-', 16);
    const p = new TmuxPane(
      `iouringtop-e2e-${process.pid}`,
      `${process.execPath} ${CLI} --no-record --comm ${FIO.comm}`,
    );
    panes.push(p);
    await p.until((s) => s.includes('PID') && s.includes('COMMAND'), 'the processes view');
    expect(p.alternateScreen()).toBe(true);
    const ours = await paneBpftrace(p);
    const a = readFio('a', file, 500);
    const b = readFio('b', file, 500);
    try {
      const rows = fioRows;
      const s1 = await p.until(
        (s) => rows(s).filter((l) => l.includes('READ')).length >= 2,
        'two fio rows with READ',
      );
      const pids = rows(s1).map((l) => Number(/^\s*>?\s*(\d+)/.exec(l)![1]));
      const keep = pids[0];
      const hide = pids.find((p) => p !== keep)!;
      // One key at a time, as a person types: a burst arrives as one input string.
      await p.type(`/pid:${keep}`);
      p.keys('Enter');
      const s2 = await p.until((s) => rows(s).length === 1, 'the pid filter to hide the other fio');
      expect(rows(s2)[0]).toContain(String(keep));
      expect(s2).not.toMatch(new RegExp(`\\b${hide}\\s+${FIO.comm.slice(0, 6)}`));
      p.keys('q');
      expect(await p.exitStatus(), p.screen()).toBe('0');
      expect(p.alternateScreen()).toBe(false);
      expect(await waitGone(ours)).toEqual([]);
    } finally {
      a.kill();
      b.kill();
    }
  });

  it('R stops the recording and starts a new file, shown in the header; both are complete', async () => {
    const { dir, file } = fioDir('iouringtop-rec-', 8);
    const p = new TmuxPane(
      `iouringtop-rec-${process.pid}`,
      `${process.execPath} ${CLI} --comm ${FIO.comm} --output-dir ${dir}`,
      { columns: 200, rows: 35 },
    );
    panes.push(p);
    const ours = await paneBpftrace(p);
    // the path as the header shows it (cut with … when the line is too long for the pane)
    const recIn = (s: string) => /●REC [\d.]+ [KMG]?i?B(?: \+\S+ \S+\/s)? (\S+)/.exec(s)?.[1];
    const first = recIn(await p.until((s) => recIn(s) !== undefined, 'the first recording'));
    const fio = readFio('r', file, 200);
    try {
      await p.until((s) => FIO_READING.test(s), 'fio in the view');
      await readsRecorded(dir, 60);
      p.keys('R');
      const total = (s: string) => {
        const m = /total (\d+(?:\.\d+)?)(K?)/.exec(s);
        return m ? Number(m[1]) * (m[2] ? 1000 : 1) : 0;
      };
      const stoppedScreen = await p.until(
        (s) => recIn(s) === undefined && /recording stopped: /.test(s),
        'R to stop the recording, and say so with its path',
      );
      const atStop = total(stoppedScreen);
      const stoppedPath = /recording stopped: (\S+)/.exec(stoppedScreen)?.[1] ?? '';
      expect(stoppedPath.startsWith(first!.replace(/…$/, '')), stoppedScreen).toBe(true);
      // fio goes on while nothing is recorded (150 reads at 200/s): the two files must not meet
      await p.until((s) => total(s) >= atStop + 150, '150 reads seen while not recording');
      p.keys('R');
      const second = recIn(
        await p.until((s) => recIn(s) !== undefined, 'R to start a new recording'),
      );
      expect(second).not.toBe(first);
      await eventually(() => {
        const csv = readdirSync(path.join(dir, 'iouring')).filter((f) => f.endsWith('.csv'));
        return csv.length === 2 ? true : undefined;
      }, 'the second file');
      await readsRecorded(dir, 60);
      p.keys('q');
      expect(await p.exitStatus(), p.screen()).toBe('0');
    } finally {
      fio.kill();
    }
    const files = readdirSync(path.join(dir, 'iouring'))
      .filter((f) => f.endsWith('.csv'))
      .map((f) => path.join(dir, 'iouring', f))
      .sort();
    // The header shows the path, possibly cut at the pane's width: compare by prefix.
    expect(files).toHaveLength(2);
    expect(files[0].startsWith(first!.replace(/…$/, ''))).toBe(true);
    const rows: IoEvent[][] = [];
    for (const f of files) {
      const r: IoEvent[] = [];
      await readRecording(f, { push: (ev) => r.push(copyEvent(ev)) });
      const meta = await readSessionMeta(f);
      expect(meta?.endedAt, f).not.toBeNull();
      expect(meta?.events, f).toBe(r.length);
      expect(r.filter((e) => e.opcode === 22).length, f).toBeGreaterThan(50);
      expect(r.every((e) => e.comm === FIO.comm)).toBe(true);
      rows.push(r);
    }
    // Nothing was recorded between the two: the second starts after the first ended.
    const lastOfFirst = Math.max(...rows[0].map((e) => e.tsUs));
    const firstOfSecond = Math.min(...rows[1].map((e) => e.tsUs));
    expect(firstOfSecond - lastOfFirst).toBeGreaterThan(500_000);
    expect(await waitGone(ours)).toEqual([]);
  });

  it('q after the disk filled: no crash, the rows whole, the metadata closed, no .tmp', async () => {
    const { dir, file } = fioDir('iouringtop-full-tui-', 8);
    const out = tempDir('iouringtop-full-tui-out-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32k', 'tmpfs', out]);
    const p = new TmuxPane(
      `iouringtop-full-${process.pid}`,
      // --min-free 0: the disk is to fill, not to be guarded
      `${process.execPath} ${CLI} --comm ${FIO.comm} --min-free 0 --output-dir ${out} 2>${dir}/stderr`,
    );
    panes.push(p);
    const fio = readFio('r', file, 2000);
    try {
      await p.until((s) => /REC cannot write/.test(s), 'the header to show the failed recording');
      p.keys('q');
      expect(await p.exitStatus(), p.screen()).toBe('1');
      const stderr = readFileSync(path.join(dir, 'stderr'), 'utf8');
      expect(stderr).not.toMatch(/\n\s+at |RecordError/);
      const m =
        /^iouringtop: recorded (\d+) events to (.+\.csv); (\d+) events captured after it failed were not written$/m.exec(
          stderr,
        );
      expect(m, stderr).not.toBeNull();
      const rows: IoEvent[] = [];
      const stats = await readRecording(m![2], { push: (ev) => rows.push(copyEvent(ev)) });
      expect(stats.truncatedLine ?? null).toBeNull();
      expect(rows).toHaveLength(Number(m![1]));
      const meta = await readSessionMeta(m![2]);
      expect(meta?.endedAt).not.toBeNull();
      expect(meta?.events).toBe(Number(m![1]));
      expect(readdirSync(path.join(out, 'iouring')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      fio.kill();
      p.kill();
      execFileSync('umount', ['-l', out]);
    }
  });

  it.each([
    ['', 'the shell passes the hangup on'],
    ["trap '' HUP; ", 'the shell ignores HUP, so only the dead terminal tells'],
  ])(
    'an SSH drop (%s%s) still closes the recording whole and leaves nothing running',
    async (trap) => {
      const { dir, file } = fioDir('iouringtop-hup-', 8);
      const p = new TmuxPane(
        `iouringtop-hup-${process.pid}`,
        `bash -c "${trap}${process.execPath} ${CLI} --comm ${FIO.comm} --output-dir ${dir} 2>${dir}/stderr"`,
      );
      panes.push(p);
      const fio = readFio('r', file, 500);
      try {
        await p.until((s) => FIO_READING.test(s), 'fio in the view');
        await readsRecorded(dir, 250);
        // Everything the pane runs: its shell, iouringtop, bpftrace (and setpriv's).
        const panePid = p.pid();
        const ours = [processRef(panePid)!, ...descendants(panePid)];
        expect(ours.some((q) => q.comm === 'bpftrace')).toBe(true);
        // What an SSH disconnect does: the terminal goes, its processes get SIGHUP.
        p.kill();
        expect(await waitGone(ours, 15_000)).toEqual([]);
        expect(stillRunning(ours)).toEqual([]);
      } finally {
        fio.kill();
      }
      const csv = readdirSync(path.join(dir, 'iouring')).filter((f) => f.endsWith('.csv'));
      expect(csv).toHaveLength(1);
      const rows: IoEvent[] = [];
      const recording = path.join(dir, 'iouring', csv[0]);
      const stats = await readRecording(recording, { push: (ev) => rows.push(copyEvent(ev)) });
      expect(stats.truncatedLine ?? null).toBeNull();
      const meta = await readSessionMeta(recording);
      expect(meta?.endedAt).not.toBeNull();
      expect(meta?.events).toBe(rows.length);
      expect(rows.filter((e) => e.opcode === 22).length).toBeGreaterThan(200);
      const stderr = readFileSync(path.join(dir, 'stderr'), 'utf8');
      expect(stderr).toContain(`recorded ${rows.length} events to ${recording}`);
      // bpftrace did not get the hangup itself: iouringtop stopped it in order
      expect(stderr).not.toMatch(/unexpectedly/);
    },
  );

  it('the buffer never shows more than the counts: a file and the slowest requests beside the totals', async () => {
    // fast enough that bpftrace's output fills up between two counts (events arrive first)
    const { file } = fioDir('iouringtop-buffered-', 16);
    const p = new TmuxPane(
      `iouringtop-buffered-${process.pid}`,
      `${process.execPath} ${CLI} --no-record --comm ${FIO.comm}`,
      { columns: 120, rows: 40 },
    );
    panes.push(p);
    await paneBpftrace(p);
    const fio = startFio(FIO.path, file, { name: 'b', iops: 4000, runtime: 60 });
    try {
      await p.until((s) => FIO_READING.test(s), 'fio in the view');
      const n = (t: string) => Number(t.replace(/K$/, 'e3').replace(/M$/, 'e6'));
      // the drill-down: its hottest file holds no more operations than the process's total
      p.keys('Enter');
      let last = '';
      for (let i = 0; i < 5; i++) {
        const s = await p.until((x) => x !== last && /hottest files/.test(x), 'the drill-down');
        last = s;
        const total = /ops\/s {2}total (\S+)/.exec(s)?.[1];
        const lines = s.split('\n');
        const files = lines.findIndex((l) => /^ +FD +OPS /.test(l));
        const hot = files < 0 ? undefined : lines[files + 1]?.trim().split(/\s+/)[1];
        if (total === undefined || hot === undefined) continue;
        expect(n(hot), s).toBeLessThanOrEqual(n(total));
      }
      // the latency panel: the slowest of its buffered requests, of no more than it counted
      p.keys('l');
      last = '';
      let seen = 0;
      while (seen < 5) {
        const s = await p.until((x) => x !== last && /slowest \d+ of its/.test(x), 'the panel');
        last = s;
        const counted = /^ (\S+) ops {2}p50/m.exec(s)?.[1];
        const buffered = /slowest \d+ of its (\S+) buffered/.exec(s)?.[1];
        if (counted === undefined || buffered === undefined) continue;
        expect(n(buffered), s).toBeLessThanOrEqual(n(counted));
        seen++;
      }
      p.keys('q');
      expect(await p.exitStatus(), p.screen()).toBe('0');
    } finally {
      fio.kill();
    }
  });
});
