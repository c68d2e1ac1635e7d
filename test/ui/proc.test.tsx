/**
 * The TUI's /proc parts, through a real Model and the App: the thread columns, the drill-down's
 * threads line and hottest files (named, registered files as #N, names escaped), the Rings view
 * live and in replay. The ProcView is plain data, as the sources build it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { App } from '../../source/ui/App.js';
import type { TuiInfo, TuiController } from '../../source/ui/types.js';
import { Model } from '../../source/model/model.js';
import { fileKey } from '../../source/proc/files.js';
import type { ProcView } from '../../source/proc/view.js';
import { KEYS, TestStore, pushEvent, settle, T0 } from './helpers.js';

process.env.FORCE_COLOR = '0';

const LIVE: TuiInfo = { host: 'h', kernel: '6.18', tier: 'tier 1', mode: 'live' };
const REPLAY: TuiInfo = { ...LIVE, mode: 'replay', tier: 'replay', recordingPath: 'x.csv' };

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

const PID = 4242;
const EVIL = '/srv/\x1b]0;owned\x07.db';

function proc(origin: 'live' | 'recorded'): ProcView {
  return {
    origin,
    files: new Map([
      [fileKey(PID, 7, false), '/srv/data/table.db'],
      [fileKey(PID, 0, true), '/srv/data/fixed.log'],
      [fileKey(PID, 9, false), EVIL],
    ]),
    fileList: [],
    threads:
      origin === 'live'
        ? new Map([
            [
              PID,
              {
                workers: 12,
                maxWorkers: 12,
                sqpoll: 1,
                workersCpuPct: 3,
                sqpollCpuPct: 97.5,
                growing: true,
                workersCpuSec: 40,
                sqpollCpuSec: 1200,
              },
            ],
          ])
        : new Map(),
    rings:
      origin === 'live'
        ? [
            {
              pid: PID,
              fd: 3,
              sqEntries: 64,
              cqEntries: 128,
              sqPending: 2,
              cqPending: 5,
              overflow: 3,
              polls: 0,
              files: [],
              userFiles: 1,
              userBufs: 4,
              sqThread: 4250,
              sqThreadCpu: 1,
              sqThreadCpuPct: 97.5,
            },
          ]
        : [],
    ringFailures: new Map(),
    ringsUnscanned: origin === 'live' ? new Map([[PID, 3976]]) : undefined,
  };
}

function start(info: TuiInfo, columns = 100) {
  const model = new Model();
  // 5 writes on fd 7, 2 on registered file 0, 1 read on fd 9
  const at = (i: number) => T0 + i * 1000;
  for (let i = 0; i < 5; i++)
    pushEvent(model, {
      tsUs: at(i),
      pid: PID,
      comm: 'db',
      opcode: 23,
      fd: 7,
      result: 4096,
      latencyNs: 5000,
    });
  for (let i = 5; i < 7; i++)
    pushEvent(model, {
      tsUs: at(i),
      pid: PID,
      comm: 'db',
      opcode: 23,
      fd: 0,
      fixedFile: true,
      result: 512,
      latencyNs: 5000,
    });
  pushEvent(model, {
    tsUs: at(8),
    pid: PID,
    comm: 'db',
    opcode: 22,
    fd: 9,
    result: 100,
    latencyNs: 5000,
  });
  model.advance(T0 + 2_000_000);
  const view = proc(info.mode === 'live' ? 'live' : 'recorded');
  const snapshot = (pids?: readonly number[]) => ({
    ...model.snapshot({ recentLimit: 100, recentFilter: pids ? { pids } : undefined }),
    proc: view,
    files: pids?.length === 1 ? model.fileStats(pids[0]) : undefined,
  });
  const store = new TestStore(snapshot());
  const controller: TuiController = {
    quit: () => undefined,
    setRefreshMs: () => undefined,
    // as the sources do: the drill-down's process gets its files
    setFilter: (f) => store.publish(snapshot(f.pids)),
  };
  const r = render(
    <App
      store={store}
      controller={controller}
      info={info}
      size={{ columns, rows: 30 }}
      color={false}
    />,
  );
  cleanup.push(() => r.unmount());
  const frame = () => r.lastFrame() ?? '';
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      r.stdin.write(k);
      await settle(r.frames);
    }
  };
  return { frame, press, r };
}

describe('/proc in the TUI', () => {
  it('shows WRK (↑ when growing) and SQP% in the processes view', async () => {
    const t = start(LIVE);
    await settle(t.r.frames);
    expect(t.frame()).toMatch(/ERR\s+WRK\s+SQP%\s+TOP/);
    expect(t.frame()).toMatch(/4242 db .*\s12↑\s+98\s+WRITE/);
  });

  it('drills into the threads and the hottest files, registered ones as #N, names escaped', async () => {
    const t = start(LIVE);
    await settle(t.r.frames);
    await t.press(KEYS.enter);
    const f = t.frame();
    expect(f).toContain(
      'io_uring threads: 12 iou-wrk (max 12, CPU 3.0%), 1 iou-sqp (CPU 97.5%), GROWING',
    );
    expect(f).toContain('hottest files (3;');
    expect(f).toMatch(/^\s+7\s+5\s+0\s+20\.0 KiB\s+5\.00µs\s+0 \/srv\/data\/table\.db/m);
    expect(f).toMatch(
      /^\s+#0\s+2\s+0\s+1\.0 KiB\s+5\.00µs\s+0 registered: \/srv\/data\/fixed\.log/m,
    );
    expect(f).toContain('/srv/\\x1b]0;owned\\x07.db');
    // eslint-disable-next-line no-control-regex
    expect(f).not.toMatch(/\x1b\]|\x07/);
  });

  it('lists the rings in view 5, and in a replay says the view is live only', async () => {
    const t = start(LIVE, 80);
    await settle(t.r.frames);
    await t.press('5');
    expect(t.frame()).toMatch(
      /PID▲ COMMA…\s+FD\s+SQ SQ PND\s+CQ CQ PND\s+OVFL SQPOLL\s+SQ CPU FILES BUFS/,
    );
    expect(t.frame()).toMatch(/4242 db\s+3\s+64\s+2\s+128\s+5\s+3 4250@1\s+98%\s+1\s+4/);
    // a process with more descriptors than the scan reads: said, with how many were left
    expect(t.frame()).toContain(' PID 4242: 3976 fds past its first 1024 not scanned for rings');
    const rep = start(REPLAY, 80);
    await settle(rep.r.frames);
    await rep.press('5');
    expect(rep.frame()).toContain('the rings view is live only');
    // recorded names still name the files in the drill-down
    await rep.press('1', KEYS.enter);
    expect(rep.frame()).toContain('names as recorded; #N registered)');
    expect(rep.frame()).not.toContain('io_uring threads');
  });
});
