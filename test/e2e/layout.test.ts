/**
 * Every view at 80×24, in a real terminal (tmux): the header is not wrapped, the footer's first
 * hint (q:quit) is on screen, long lists say what is off screen, and the help overlay shows how
 * to quit. Replay of the bundled demo recording (no root needed), and live capture of fio where
 * this machine can capture.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildWorkload,
  CLI,
  exitOf,
  fioFile,
  ROOT,
  requireOrSkip,
  requireRootOrSkip,
  startFio,
  tempDir,
  uniqueCommand,
  waitFor,
} from './env.js';
import { TmuxPane } from './tmux.js';

const replayRun = requireOrSkip('80x24 layout test (replay)', ['tmux'], false);
const liveRun = requireOrSkip('80x24 layout test (live)', ['tmux', 'fio']);
const panes: TmuxPane[] = [];
afterAll(() => panes.forEach((p) => p.kill()));

const SIZE = { columns: 80, rows: 24 };

/** The screen's lines, trailing blanks kept: tmux gives exactly the pane's rows. */
const linesOf = (s: string): string[] => s.replace(/\n$/, '').split('\n');

/** What every view must show at 80×24; the screen is returned for the view's own checks. */
async function checkView(p: TmuxPane, key: string[], what: string, mark: RegExp): Promise<string> {
  if (key.length > 0) p.keys(...key);
  const screen = await p.until((s) => mark.test(s), what);
  const lines = linesOf(screen);
  expect(lines, screen).toHaveLength(SIZE.rows);
  for (const l of lines)
    expect([...l].length, `${what}: a line wider than 80\n${screen}`).toBeLessThanOrEqual(80);
  // the header's first line, unwrapped, on top
  expect(lines[0], screen).toMatch(/^ iouringtop /);
  // the footer: the last line with text starts with the way out
  const footer = lines.filter((l) => l.trim() !== '').at(-1) ?? '';
  expect(footer, `${what}\n${screen}`).toMatch(/^ (q:quit|Esc:back|\?\/Esc\/q:close)/);
  expect(screen, `${what}: q:quit (or the way back) visible`).toMatch(
    /q:quit|Esc:back|q:close|Esc q/,
  );
  return screen;
}

async function checkEveryView(p: TmuxPane, table: RegExp): Promise<void> {
  const processes = await checkView(p, ['1'], 'the processes view', /PID COMMAND/);
  expect(processes).toMatch(table);
  await checkView(p, ['2'], 'the opcodes view', /OPCODE/);
  const events = await checkView(p, ['3'], 'the events view', /TIME/);
  // more events than fit: the list says how many are off screen
  expect(events).toMatch(/[↑↓] [\d.,]+K? (above|below)/);
  // the opcode whole (IO_URING_ENTER is the longest the workloads make), and the command
  expect(events).toMatch(/ IO_URING_ENTER /);
  expect(events).not.toMatch(/IO_URING_…/);
  await checkView(p, ['1'], 'the processes view again', /PID COMMAND/);
  const drill = await checkView(p, ['Enter'], 'the drill-down', /Esc:back/);
  expect(drill).toMatch(/PID \d+/);
  await checkView(p, ['Escape'], 'back from the drill-down', /PID COMMAND/);
  const latency = await checkView(p, ['l'], 'the latency panel', /slowest \d+ of its/);
  expect(latency).toMatch(/latency of PID \d+/);
  await checkView(p, ['Escape'], 'back from the latency panel', /PID COMMAND/);
  const help = await checkView(p, ['?'], 'the help overlay', /q Ctrl-C F10/);
  expect(help).toMatch(/q Ctrl-C F10 +quit/);
  // one key a line, its text whole
  expect(help).toMatch(/this help \(any of \? Esc q closes it\)/);
  expect(help).toMatch(/slower \/ faster refresh/);
  await checkView(p, ['Escape'], 'the help closed', /PID COMMAND/);
}

describe.runIf(replayRun)('80x24: every view of a replay', () => {
  it('fits, with the footer and the way out on screen', async () => {
    const demo = path.join(ROOT, 'recordings', 'demo.csv.gz');
    const p = new TmuxPane(
      `iouringtop-80x24-replay-${process.pid}`,
      `${process.execPath} ${CLI} --replay ${demo} --speed max`,
      SIZE,
    );
    panes.push(p);
    await p.until((s) => /■ END/.test(s), 'the replay at its end');
    const first = linesOf(p.screen());
    expect(first[0]).toMatch(/^ iouringtop REPLAY /);
    await checkEveryView(p, /fio|node|uring/);
    p.keys('q');
    expect(await p.exitStatus(), p.screen()).toBe('0');
  });
});

describe.runIf(liveRun)('80x24: every view of live capture', () => {
  it('fits, with the footer and the way out on screen', async () => {
    const dir = tempDir('iouringtop-80x24-');
    const file = fioFile(dir, '4M');
    const fio = uniqueCommand('fio', 'iot80fio');
    const load = startFio(fio.path, file, { iops: 500, runtime: 60 });
    try {
      const p = new TmuxPane(
        `iouringtop-80x24-live-${process.pid}`,
        `${process.execPath} ${CLI} --comm ${fio.comm} --no-record`,
        SIZE,
      );
      panes.push(p);
      // (the name is cut to the column's width at 80 columns)
      await p.until((s) => s.includes(fio.comm.slice(0, 8)) && /READ/.test(s), 'fio in the view');
      // enough events for the events view to overflow the screen
      await p.until((s) => /total [\d.]+K? ops/.test(s) && !/total [0-9] ops/.test(s), 'events');
      await checkEveryView(p, new RegExp(fio.comm.slice(0, 8)));
      p.keys('q');
      expect(await p.exitStatus(), p.screen()).toBe('0');
    } finally {
      load.kill();
    }
  });
});

describe.runIf(replayRun && requireRootOrSkip('the --or-replay header test (runs as nobody)'))(
  '--or-replay where live capture is not possible (npm start as a user)',
  () => {
    it('says REPLAY, and NOT LIVE with why, in the header at 80x24', async () => {
      const demo = path.join(ROOT, 'recordings', 'demo.csv.gz');
      const p = new TmuxPane(
        `iouringtop-notlive-${process.pid}`,
        `cd /tmp && setpriv --reuid=65534 --regid=65534 --clear-groups ${process.execPath} ${CLI} --or-replay ${demo}`,
        SIZE,
      );
      panes.push(p);
      const screen = await p.until((s) => /NOT LIVE/.test(s), 'the NOT LIVE line');
      const lines = linesOf(screen);
      expect(lines[0]).toMatch(/^ iouringtop REPLAY /);
      expect(screen).toMatch(
        /^ NOT LIVE: not root and without CAP_BPF\+CAP_PERFMON: run with sudo/m,
      );
      await checkView(p, [], 'the processes view', /PID COMMAND/);
      p.keys('q');
      expect(await p.exitStatus(), p.screen()).toBe('0');
    });
  },
);

describe.runIf(replayRun)('a filter on the opcode filters the numbers (tmux)', () => {
  it("under /op:READ the process row's OPS/s is the READ row's", async () => {
    const rec = path.join(ROOT, 'recordings', 'fio-randrw.csv');
    const p = new TmuxPane(
      `iouringtop-opfilter-${process.pid}`,
      `${process.execPath} ${CLI} --replay ${rec} --speed 0.5`,
      { columns: 120, rows: 35 },
    );
    panes.push(p);
    // the clock at 0:02 (READ and WRITE both running), then frozen: the figures stay put
    await p.until((s) => /0:02 \/ 0:0/.test(s), 'the replay at 0:02');
    p.keys('Space');
    await p.until((s) => /‖ PAUSED/.test(s), 'paused');
    // OPS/s, then (processes) RD B/s WR B/s AVG P99 or (opcodes) BYTES/s AVG P50 P99
    const procRow = (s: string) =>
      /\b28014 fio +(\S+) +(\S+ \S+) +\S+ +(\S+) +(\S+) /.exec(s)?.slice(1) ?? [];
    const readRow = (s: string) =>
      /^[> ]READ +(\S+) +(\S+ \S+) +(\S+) +\S+ +(\S+) /m.exec(s)?.slice(1) ?? [];
    const unfiltered = procRow(await p.until((s) => procRow(s).length > 0, 'fio listed'));
    p.keys('/');
    await p.type('op:READ');
    p.keys('Enter');
    // the header takes the filter at once, the figures with the next snapshot: wait for both
    // (under the filter fio writes nothing: WR B/s 0)
    const filtered = await p.until(
      (s) => /filter op:READ/.test(s) && /\b28014 fio +\S+ +\S+ \S+ +0 /.test(s),
      'the filter applied to the figures',
    );
    p.keys('2');
    const opcodes = await p.until((s) => readRow(s).length > 0, 'the READ row');
    // ops/s, bytes/s, average and p99: the process's READs are the READ row
    expect(procRow(filtered), `${filtered}\n${opcodes}`).toEqual(readRow(opcodes));
    expect(procRow(filtered)[3]).not.toBe(unfiltered[3]); // the p99 of all its operations differs
    p.keys('q');
    expect(await p.exitStatus(), p.screen()).toBe('0');
  });
});

describe.runIf(replayRun)('the drill-down at 160×45 (tmux)', () => {
  it('keeps the figures beside the opcode names, not at the right edge', async () => {
    const demo = path.join(ROOT, 'recordings', 'demo.csv.gz');
    const p = new TmuxPane(
      `iouringtop-drill160-${process.pid}`,
      `${process.execPath} ${CLI} --replay ${demo} --speed max`,
      { columns: 160, rows: 45 },
    );
    panes.push(p);
    await p.until((s) => /■ END/.test(s), 'the replay at its end');
    p.keys('Enter');
    const drill = await p.until((s) => /^ OPCODE +OPS\/s/m.test(s), 'the drill-down');
    const header = linesOf(drill).find((l) => /^ OPCODE +OPS\/s/.test(l))!;
    // OPCODE at most 24 wide (the longest name, whole), the figures right after it
    expect(header.indexOf('OPS/s') - header.indexOf('OPCODE'), drill).toBeLessThanOrEqual(24 + 7);
    expect(drill).toMatch(/^>?\s*IO_URING_ENTER /m);
    p.keys('q');
    expect(await p.exitStatus(), p.screen()).toBe('0');
  });
});

describe.runIf(replayRun)('a filter on a process filters the header (tmux)', () => {
  it("under /pid:9446 the header's ops/s is the one row's OPS/s", async () => {
    const demo = path.join(ROOT, 'recordings', 'demo.csv.gz');
    const p = new TmuxPane(
      `iouringtop-pidfilter-${process.pid}`,
      `${process.execPath} ${CLI} --replay ${demo} --speed max`,
      SIZE,
    );
    panes.push(p);
    // at the end the figures stand still
    await p.until((s) => /■ END/.test(s), 'the replay at its end');
    const header = (s: string) => / (\S+) ops\/s {2}total (\S+) ops/.exec(s)?.slice(1) ?? [];
    const row = (s: string, pid: number) =>
      new RegExp(`^[> ]\\s*${pid} \\S+\\s+(\\S+) `, 'm').exec(s)?.[1];
    const all = header(p.screen());
    p.keys('/');
    await p.type('pid:9446');
    p.keys('Enter');
    const filtered = await p.until(
      (s) => /filter pid:9446/.test(s) && header(s)[0] !== all[0],
      'the filter applied to the header',
    );
    const rows = linesOf(filtered).filter((l) => /^[> ] {2,}\d+ \S/.test(l));
    expect(rows, filtered).toHaveLength(1);
    expect(header(filtered)[0], filtered).toBe(row(filtered, 9446));
    // the header's total is this process's, less than everyone's
    const total = (t: string) => Number(t.replace('K', 'e3').replace('M', 'e6'));
    expect(total(header(filtered)[1])).toBeLessThan(total(all[1]));
    // c clears it: every process again
    p.keys('c');
    await p.until((s) => header(s)[0] === all[0], 'the header of every process again');
    p.keys('q');
    expect(await p.exitStatus(), p.screen()).toBe('0');
  });
});

describe.runIf(liveRun)('the processes view with the thread columns (live)', () => {
  it('gives the command 12 columns or more, then the figures, then the sparkline, at 80×24 and 160×45', async () => {
    // a process with an SQPOLL thread: the WRK and SQP% columns appear
    const spin: ChildProcess = spawn(buildWorkload('sqpoll-spin'), ['300'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    try {
      const pid = Number((await waitFor(spin, 'stdout', /^pid (\d+)$/m))[1]);
      spin.stdin!.write('go\n');
      for (const size of [SIZE, { columns: 160, rows: 45 }]) {
        const p = new TmuxPane(
          `iouringtop-threadcols-${size.columns}-${process.pid}`,
          `${process.execPath} ${CLI} --pid ${pid} --no-record`,
          size,
        );
        panes.push(p);
        const row = new RegExp(`^[> ] +${pid} (\\S+)`, 'm');
        // (SQP% is `…` until the thread has been looked at twice)
        const procRow = (s: string) => linesOf(s).find((l) => row.test(l)) ?? '';
        const screen = await p.until(
          (s) => / WRK SQP%( |$)/m.test(s) && procRow(s) !== '' && !procRow(s).includes('…'),
          `the SQPOLL process with its SQP% at ${size.columns}×${size.rows}`,
        );
        console.log(`the processes view at ${size.columns}×${size.rows}:\n${screen}`);
        const lines = linesOf(screen);
        for (const l of lines) expect([...l].length, screen).toBeLessThanOrEqual(size.columns);
        const header = lines.find((l) => /^ +PID COMMAND /.test(l))!;
        // the command first: 12 columns at least, the name whole
        expect(header.indexOf('OPS/s') - header.indexOf('COMMAND') - 1).toBeGreaterThanOrEqual(12);
        expect(row.exec(screen)?.[1], screen).toBe('sqpoll-spin');
        if (size.columns === 80) {
          // then the figures (TOP and MAX give way to WRK and SQP%), and no sparkline
          expect(header, screen).toMatch(/OPS\/s▼ +RD B\/s +WR B\/s +AVG +P99 +ERR +WRK SQP%$/);
          // the drill-down's figures, total included, on two lines
          p.keys('Enter');
          const drill = await p.until((s) => /Esc:back/.test(s), 'the drill-down');
          expect(drill).toMatch(new RegExp(`^ PID ${pid} sqpoll-spin .* ops/s {2}total \\S+`, 'm'));
          for (const l of linesOf(drill)) expect([...l].length, drill).toBeLessThanOrEqual(80);
        } else {
          // with room: every figure, and the sparkline
          expect(header, screen).toMatch(
            /OPS\/s▼ +RD B\/s +WR B\/s +AVG +P99 +MAX +ERR +WRK SQP% TOP +OPS 1m/,
          );
          expect(size.columns - header.indexOf('OPS 1m')).toBeGreaterThanOrEqual(8);
        }
        p.keys('q');
        expect(await p.exitStatus(), p.screen()).toBe('0');
      }
    } finally {
      spin.kill('SIGKILL');
      await exitOf(spin);
    }
  });
});
