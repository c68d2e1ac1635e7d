import { afterEach, describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { App } from '../../source/ui/App.js';
import type { TuiInfo } from '../../source/ui/types.js';
import {
  KEYS,
  TestStore,
  modelWith,
  pushEvent,
  testController,
  settle,
  until,
  T0,
  type Load,
} from './helpers.js';

process.env.FORCE_COLOR = '0';

const LIVE: TuiInfo = {
  host: 'testhost',
  kernel: '6.8.0',
  tier: 'tracepoints+latency',
  mode: 'live',
};
const REPLAY: TuiInfo = {
  ...LIVE,
  mode: 'replay',
  tier: 'replay',
  recordingPath: 'recordings/fio.csv',
  recordingFacts: 'recorded 2026-11-27 07:47:30 → 07:47:39 (9.5 s)  capture filter comm:fio',
};

const LOADS: Load[] = [
  { pid: 1001, comm: 'postgres', op: 'READ', rate: 50, latencyUs: 100 },
  { pid: 1002, comm: 'fio', op: 'WRITE', rate: 200, latencyUs: 20, result: 8192 },
  { pid: 1003, comm: 'nginx', op: 'RECV', rate: 10, latencyUs: 900, result: -32 },
];

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

function start(
  opts: {
    info?: TuiInfo;
    loads?: Load[];
    columns?: number;
    rows?: number;
    noSnapshot?: boolean;
  } = {},
) {
  const { snap, model } = modelWith(opts.loads ?? LOADS);
  const store = new TestStore(opts.noSnapshot ? undefined : snap);
  const controller = testController(opts.noSnapshot ? undefined : { store, model });
  const r = render(
    <App
      store={store}
      controller={controller}
      info={opts.info ?? LIVE}
      size={{ columns: opts.columns ?? 80, rows: opts.rows ?? 24 }}
      color={false}
    />,
  );
  cleanup.push(() => r.unmount());
  const frame = () => r.lastFrame() ?? '';
  const lines = () => frame().split('\n');
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      r.stdin.write(k);
      await settle(r.frames);
    }
  };
  /** The COMMAND (or first text) column of the table rows, in screen order. */
  const tableRows = () => {
    const ls = lines();
    const head = ls.findIndex((l) => /^\s+PID|^\s+OPCODE|^\s+TIME/.test(l));
    // the table ends at a blank line (the charts of its selected row may follow)
    const end = ls.findIndex((l, i) => i > head && l.trim() === '');
    return ls
      .slice(head + 1, end < 0 ? undefined : end)
      .filter((l) => /^[ >]\s*\S/.test(l) && !l.includes(':help') && !l.includes('(PgUp PgDn'));
  };
  const comms = () =>
    tableRows()
      .map((l) => /^[ >]\s*\d+ (\S+)/.exec(l)?.[1])
      .filter(Boolean);
  return { store, controller, model, snap, frame, lines, press, comms, tableRows, r };
}

describe('an 80×24 terminal', () => {
  it('fits the frame in rows − 1 lines of at most 80 columns, with the header and a useful table', async () => {
    const t = start();
    await settle(t.r.frames);
    const ls = t.lines();
    expect(ls.length).toBeLessThanOrEqual(23);
    for (const l of ls) expect(l.length).toBeLessThanOrEqual(80);
    expect(ls[0]).toContain('iouringtop');
    expect(ls[0]).toContain('testhost');
    expect(ls[1]).toMatch(/ops\/s {2}total 1\.3K ops {2}lost 0 {2}dropped 0/);
    // the command first: its column at least 12 wide (COMMAND and 5 spaces, then OPS/s▼)
    expect(t.frame()).toMatch(
      /PID COMMAND {6,}OPS\/s▼\s+RD B\/s\s+WR B\/s\s+AVG\s+P99\s+MAX\s+ERR TOP/,
    );
    expect(t.comms()).toEqual(['fio', 'postgres', 'nginx']);
    const fio = t.tableRows()[0];
    expect(fio).toMatch(
      /^>\s+1002 fio\s+200\s+0\s+1\.6 MiB\s+20\.0µs\s+20\.0µs\s+20\.0µs\s+0 WRITE/,
    );
    // then the figures; a sparkline narrower than 8 says nothing, and is not drawn
    expect(fio).not.toMatch(/[▁▂▃▄▅▆▇█]/);
  });

  it('still fits when a long filter, the prompt and the replay status line are all shown', async () => {
    const t = start({ info: REPLAY });
    await t.press('/', 'comm:postgres,fio,nginx,somethingelse op:READ,WRITE,RECV');
    const ls = t.lines();
    expect(ls.length).toBeLessThanOrEqual(23);
    for (const l of ls) expect(l.length).toBeLessThanOrEqual(80);
    expect(t.frame()).toContain('filter: comm:postgres');
  });

  it('follows a larger terminal by widening the flexible columns', async () => {
    const t = start({ columns: 100, rows: 40 });
    await settle(t.r.frames);
    const ls = t.lines();
    expect(Math.max(...ls.map((l) => l.length))).toBe(100);
    expect(ls.length).toBeLessThanOrEqual(39);
    // with room for it, the sparkline
    expect(t.frame()).toMatch(/ERR TOP +OPS 1m/);
    expect(t.tableRows()[0]).toMatch(/ WRITE +[▁▂▃▄▅▆▇█ ]*█$/);
  });

  it('says so instead of drawing a broken layout on a tiny terminal', async () => {
    const t = start({ columns: 30, rows: 5 });
    await settle(t.r.frames);
    expect(t.frame()).toContain('needs 40×8');
  });
});

describe('the empty state', () => {
  it('waits for the first snapshot', async () => {
    const t = start({ noSnapshot: true });
    await settle(t.r.frames);
    expect(t.frame()).toContain('waiting for the first events');
  });

  it('says there is no activity yet when the model is empty', async () => {
    const t = start({ loads: [] });
    await settle(t.r.frames);
    expect(t.frame()).toContain('no io_uring activity yet');
    expect(t.lines().length).toBeLessThanOrEqual(23);
  });

  it('says the events are off with --no-events, in the header and the events view', async () => {
    const t = start({ info: { ...LIVE, eventKeeping: 'events off' }, loads: [] });
    await settle(t.r.frames);
    expect(t.lines()[1]).toMatch(/lost 0 {2}dropped 0 {2}events off/);
    await t.press('3');
    expect(t.frame()).toContain('events are off (--no-events): the other views count every');
  });

  it('marks a sampled capture in the header', async () => {
    const t = start({ info: { ...LIVE, eventKeeping: 'sample 1/100' } });
    await settle(t.r.frames);
    expect(t.lines()[1]).toMatch(/dropped 0 {2}sample 1\/100/);
  });
});

describe('views', () => {
  it('switches with Tab, Shift-Tab, 1, 2 and 3', async () => {
    const t = start();
    await t.press(KEYS.tab);
    expect(t.frame()).toMatch(/OPCODE\s+OPS\/s▼\s+BYTES\/s\s+AVG\s+P50\s+P99\s+MAX\s+ERR P99 1m/);
    expect(t.tableRows().map((l) => l.trim().split(/\s+/)[0].replace('>', ''))).toEqual([
      'WRITE',
      'READ',
      'RECV',
    ]);
    await t.press(KEYS.tab);
    expect(t.frame()).toMatch(/TIME\s+PID COMM\s+OPCODE\s+FD\s+LEN\s+RESULT\s+LAT/);
    await t.press(KEYS.shiftTab);
    expect(t.frame()).toContain('OPCODE');
    await t.press('3');
    expect(t.frame()).toContain('TIME');
    await t.press('2');
    expect(t.frame()).toContain('BYTES/s');
    await t.press('1');
    expect(t.frame()).toContain('COMMAND');
  });

  it('shows all nine fields of the latest events, newest first, errors as errno names', async () => {
    // at 80 columns all but the offset, the command and the opcode whole
    const narrow = start();
    await narrow.press('3');
    expect(narrow.frame()).toMatch(/TIME\s+PID\s+COMM {9,}OPCODE {9,}FD\s+LEN\s+RESULT\s+LAT/);
    const t = start({ columns: 100 });
    await t.press('3');
    expect(t.frame()).toMatch(/TIME\s+PID\s+COMM\s+OPCODE\s+FD\s+OFFSET\s+LEN\s+RESULT\s+LAT/);
    const rows = t.tableRows();
    expect(rows.length).toBeGreaterThan(5);
    expect(t.frame()).toMatch(
      /\d\d:\d\d:\d\d\.\d{3}\s+1003 nginx\s+RECV\s+5\s+\d+\s+4096\s+-EPIPE\s+900µs/,
    );
    expect(t.frame()).toMatch(/1002 fio\s+WRITE\s+5\s+\d+\s+4096\s+8192\s+20\.0µs/);
  });

  it('toggles the opcode sparkline between p99 latency and ops/s with s', async () => {
    const t = start();
    await t.press('2');
    expect(t.frame()).toContain('P99 1m (s)');
    await t.press('s');
    expect(t.frame()).toContain('OPS/s 1m (s)');
  });
});

describe('selection and drill-down', () => {
  it('moves the selection with the arrows, PgUp/PgDn and Home/End', async () => {
    const t = start();
    const selected = () => t.tableRows().find((l) => l.startsWith('>'));
    await settle(t.r.frames);
    expect(selected()).toContain('fio');
    await t.press(KEYS.down);
    expect(selected()).toContain('postgres');
    await t.press(KEYS.end);
    expect(selected()).toContain('nginx');
    await t.press(KEYS.up);
    expect(selected()).toContain('postgres');
    await t.press(KEYS.home);
    expect(selected()).toContain('fio');
    await t.press(KEYS.pageDown);
    expect(selected()).toContain('nginx');
    await t.press(KEYS.pageUp);
    expect(selected()).toContain('fio');
  });

  it('opens the selected process with Enter and returns with Esc', async () => {
    const t = start();
    await t.press(KEYS.down, KEYS.enter);
    expect(t.frame()).toContain('PID 1001 postgres  50 ops/s');
    expect(t.frame()).toMatch(/OPCODE\s+OPS\/s▼/);
    expect(t.frame()).toMatch(/>\s*READ\s+50\s+200 KiB/);
    expect(t.frame()).toContain('recent events');
    expect(t.frame()).toMatch(/TIME\s+OPCODE/);
    expect(t.frame()).not.toContain(' fio ');
    expect(t.lines().length).toBeLessThanOrEqual(23);
    await t.press(KEYS.escape);
    expect(t.frame()).toContain('COMMAND');
    expect(t.tableRows().find((l) => l.startsWith('>'))).toContain('postgres');
  });
});

describe('the latency panel', () => {
  const MIXED: Load[] = [
    { pid: 1001, comm: 'postgres', op: 'READ', rate: 50, latencyUs: 100 },
    { pid: 1001, comm: 'postgres', op: 'FSYNC', rate: 2, latencyUs: 3000 },
    { pid: 1002, comm: 'fio', op: 'WRITE', rate: 20, latencyUs: 20, result: 8192 },
  ];
  /** The LAT column of the panel's table, in ns, in screen order. */
  const latencies = (lines: string[]) => {
    const head = lines.findIndex((l) => /^\s+TIME\s+PID\s+COMM/.test(l));
    const unit: Record<string, number> = { ns: 1, µs: 1e3, ms: 1e6, s: 1e9 };
    return lines
      .slice(head + 1)
      .map((l) => /(\d+(?:\.\d+)?)(ns|µs|ms|s)\s*$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => Number(m[1]) * unit[m[2]]);
  };

  it('opens on the selected process with l: histogram, percentiles, slowest first; Esc returns', async () => {
    const t = start({ loads: MIXED });
    await settle(t.r.frames);
    expect(t.tableRows().find((l) => l.startsWith('>'))).toContain('postgres');
    await t.press('l');
    await until(() => t.frame().includes('slowest'), 'the panel');
    const ls = t.lines();
    expect(ls.length).toBeLessThanOrEqual(23);
    for (const l of ls) expect(l.length).toBeLessThanOrEqual(80);
    expect(t.frame()).toContain('latency of PID 1001 postgres, since start');
    expect(t.frame()).toMatch(
      /260 ops\s+p50 100µs\s+p90 100µs\s+p99 3\.00ms\s+p99\.9 3\.00ms\s+max 3\.00ms/,
    );
    // 250 READs at 100 µs, 10 FSYNCs at 3 ms; the groups between them are empty
    expect(t.frame()).toMatch(/64-128µs\s+250\s+96\.2% █+/);
    expect(t.frame()).toMatch(/2\.05ms-4\.10ms\s+10\s+3\.8% █+/);
    expect(t.frame()).toMatch(/slowest \d+ of its 260 buffered requests/);
    const lat = latencies(ls);
    expect(lat.length).toBeGreaterThan(10); // past the 10 FSYNCs
    expect(lat.slice(0, 10)).toEqual(Array(10).fill(3e6));
    expect([...lat].sort((a, b) => b - a)).toEqual(lat);
    // every field but the offset (at 80 columns): time, pid, command, opcode, fd, length,
    // result, latency
    expect(t.frame()).toMatch(/TIME\s+PID\s+COMM\s+OPCODE\s+FD\s+LEN\s+RESULT\s+LAT/);
    expect(t.frame()).toMatch(
      /\d\d:\d\d:\d\d\.\d+\s+1001 postgres\s+FSYNC\s+5\s+4096\s+4096\s+3\.00ms/,
    );
    // the snapshots carry the panel's figures because the App asked for them, for this row
    const asked = t.controller.calls.find((c) => c[0] === 'setLatency')?.[1] as
      { key: string; limit: number } | undefined;
    expect(asked?.key).toMatch(/^p\d+$/);
    expect(asked?.limit).toBeGreaterThan(0);
    // ↓ moves the panel to the next row
    await t.press(KEYS.down);
    await until(() => t.frame().includes('latency of PID 1002 fio'), 'the next row');
    await t.press(KEYS.escape);
    expect(t.frame()).toContain('COMMAND');
    expect(t.frame()).not.toContain('slowest');
    expect(t.controller.calls.at(-1)).toEqual(['setLatency', undefined]);
  });

  it('opens on an opcode of the opcodes view and on one of the drill-down', async () => {
    const t = start({ loads: MIXED });
    await t.press('2', 'l');
    await until(() => t.frame().includes('slowest'), 'the panel');
    expect(t.frame()).toMatch(/latency of READ \(every process\)/);
    await t.press(KEYS.escape, '1', KEYS.enter, 'l');
    await until(() => t.frame().includes('slowest'), 'the drill-down panel');
    expect(t.frame()).toMatch(/latency of PID 1001 postgres · READ/);
    expect(t.frame()).toMatch(/250 ops\s+p50 100µs/);
    expect(latencies(t.lines()).every((ns) => ns === 1e5)).toBe(true);
    await t.press(KEYS.escape);
    expect(t.frame()).toContain('recent events'); // back in the drill-down
  });

  it('obeys the filter: op:READ leaves the FSYNCs out of the histogram and the list', async () => {
    const t = start({ loads: MIXED });
    await t.press('/', 'op:READ', KEYS.enter, 'l');
    await until(() => t.frame().includes('slowest'), 'the panel');
    expect(t.frame()).toMatch(/250 ops\s+p50 100µs.*max 100µs/);
    expect(t.frame()).not.toContain('FSYNC');
    expect(t.frame()).not.toContain('3.00ms');
  });

  it('says a row picked while the display is frozen has its figures once it resumes', async () => {
    const t = start({ loads: MIXED });
    await t.press('l');
    await until(() => t.frame().includes('slowest'), 'the panel');
    await t.press('p', KEYS.down);
    await until(() => t.frame().includes('latency of PID 1002 fio'), 'the next row');
    expect(t.frame()).toContain('the display is frozen: p resumes it');
    await t.press('p');
    await until(() => t.frame().includes('slowest'), 'the figures after p');
    expect(t.frame()).toMatch(/100 ops\s+p50 20\.0µs/);
  });

  it('escapes a hostile command name in its title and table', async () => {
    const t = start({
      loads: [{ pid: 66, comm: 'x\x1b[2J\u202eevil', op: 'READ', rate: 5, latencyUs: 1 }],
    });
    await t.press('l');
    await until(() => t.frame().includes('slowest'), 'the panel');
    expect(t.frame()).toContain('latency of PID 66 x\\x1b[2J');
    expect(t.frame()).not.toContain('\x1b[2J');
    expect(t.frame()).not.toContain('\u202e');
  });
});

describe('sorting', () => {
  it('changes the sort column with < and > and reverses with r, marking the header', async () => {
    const t = start();
    await t.press('<');
    expect(t.frame()).toContain('COMMAND▲');
    expect(t.comms()).toEqual(['fio', 'nginx', 'postgres']);
    await t.press('r');
    expect(t.frame()).toContain('COMMAND▼');
    expect(t.comms()).toEqual(['postgres', 'nginx', 'fio']);
    await t.press('>', '>', '>', '>', '>', '>');
    expect(t.frame()).toContain('MAX▼');
    expect(t.comms()).toEqual(['nginx', 'postgres', 'fio']);
    await t.press('>');
    expect(t.frame()).toContain('ERR▼');
    expect(t.comms()[0]).toBe('nginx');
  });

  it('sorts the opcodes view by BYTES/s', async () => {
    const t = start();
    await t.press('2', '>');
    expect(t.frame()).toContain('BYTES/s▼');
    expect(t.tableRows().map((l) => l.trim().split(/\s+/)[0].replace('>', ''))).toEqual([
      'WRITE',
      'READ',
      'RECV',
    ]);
    await t.press('r');
    expect(t.tableRows().map((l) => l.trim().split(/\s+/)[0].replace('>', ''))).toEqual([
      'RECV',
      'READ',
      'WRITE',
    ]);
  });
});

describe('the filter prompt', () => {
  it('applies a good filter on Enter: other rows are gone, the header shows it', async () => {
    const t = start();
    await t.press('/');
    expect(t.frame()).toContain('filter: █');
    await t.press('comm:post*', KEYS.enter);
    expect(t.comms()).toEqual(['postgres']);
    expect(t.lines()[1]).toContain('filter comm:post*');
    await t.press('c');
    expect(t.comms()).toEqual(['fio', 'postgres', 'nginx']);
  });

  it('combines terms: pid and opcode', async () => {
    const t = start();
    await t.press('/', 'pid:1002,1003', KEYS.enter);
    expect(t.comms()).toEqual(['fio', 'nginx']);
    // the prompt opens with the filter in force and a space: what is typed adds a term
    await t.press(
      '/',
      KEYS.backspace,
      KEYS.backspace,
      KEYS.backspace,
      KEYS.backspace,
      KEYS.backspace,
      KEYS.backspace,
      ' op:RECV',
      KEYS.enter,
    );
    expect(t.lines()[1]).toContain('filter pid:1002 op:RECV');
    expect(t.frame()).toContain('nothing matches the filter');
  });

  it('an op: filter filters the numbers: the process row then counts only those opcodes', async () => {
    const t = start({
      loads: [
        { pid: 2001, comm: 'mixed', op: 'READ', rate: 40, latencyUs: 10 },
        { pid: 2001, comm: 'mixed', op: 'WRITE', rate: 160, latencyUs: 500, result: 8192 },
      ],
    });
    await t.press('/', ...'op:READ', KEYS.enter);
    await until(() => /\b40 +160 KiB +0 /.test(t.frame()), 'the process row at READ only');
    const row = t.tableRows().find((l) => l.includes('mixed'))!;
    // 40 ops/s, 160 KiB/s read, nothing written, and READ's latency, not WRITE's 500 µs
    expect(row).toMatch(/\b2001 mixed +40 +160 KiB +0 +10\.0µs +10\.0µs +10\.0µs +0 READ/);
    await t.press('2');
    expect(t.tableRows().find((l) => l.includes('READ'))).toMatch(/READ +40 /);
  });

  it('says how many rows a long list keeps off screen, above and below', async () => {
    const t = start();
    await t.press('3');
    expect(t.frame()).toMatch(/^ {2}↓ \d+ below \(PgUp PgDn Home End\)/m);
    for (let i = 0; i < 30; i++) await t.press(KEYS.down);
    expect(t.frame()).toMatch(/^ {2}↑ \d+ above {2}↓ \d+ below \(PgUp PgDn Home End\)/m);
    expect(t.lines().length).toBeLessThanOrEqual(23);
  });

  it('filters the events view and the opcodes view', async () => {
    const t = start();
    await t.press('/', 'op:READ', KEYS.enter, '3');
    const rows = t.tableRows();
    expect(rows.length).toBeGreaterThan(3);
    for (const l of rows) expect(l).toMatch(/postgres\s+READ/);
    await t.press('2');
    expect(t.tableRows()).toHaveLength(1);
  });

  it('keeps the prompt open with the reason when the filter is bad', async () => {
    const t = start();
    await t.press('/', 'color:red', KEYS.enter);
    expect(t.frame()).toContain('✗ unknown key "color:" (use pid:, comm:, op: or cg:)');
    expect(t.frame()).toContain('filter: color:red█');
    await t.press(KEYS.escape);
    expect(t.frame()).not.toContain('✗');
    expect(t.comms()).toHaveLength(3);
  });

  it('cancels with Esc and keeps the rows', async () => {
    const t = start();
    await t.press('/', 'pid:1', KEYS.escape);
    expect(t.frame()).not.toContain('filter:');
    expect(t.comms()).toHaveLength(3);
  });
});

describe('pause, refresh, help and quit', () => {
  it('freezes the display with p (and space) while new snapshots arrive', async () => {
    const t = start();
    await t.press('p');
    expect(t.lines()[0]).toContain('PAUSED');
    pushEvent(t.model, {
      tsUs: T0 + 5.5e6,
      pid: 4242,
      comm: 'newcomer',
      opcode: 22,
      latencyNs: 1000,
    });
    t.model.advance(T0 + 6e6);
    t.store.publish(t.model.snapshot());
    await settle(t.r.frames);
    expect(t.frame()).not.toContain('newcomer');
    await t.press(' ');
    expect(t.lines()[0]).not.toContain('PAUSED');
    expect(t.frame()).toContain('newcomer');
  });

  it('changes the refresh interval with + and -', async () => {
    const t = start();
    await t.press('+');
    expect(t.lines()[0]).toContain('every 2s');
    await t.press('-', '-');
    expect(t.lines()[0]).toContain('every 500ms');
    expect(t.controller.calls.filter((c) => c[0] === 'setRefreshMs')).toEqual([
      ['setRefreshMs', 2000],
      ['setRefreshMs', 1000],
      ['setRefreshMs', 500],
    ]);
  });

  it('lists the keys with ? and closes the list with Esc', async () => {
    const t = start();
    await t.press('?');
    expect(t.frame()).toContain('choose the sort column');
    expect(t.frame()).toContain('start / stop recording');
    expect(t.lines().length).toBeLessThanOrEqual(23);
    await t.press(KEYS.escape);
    expect(t.frame()).toContain('COMMAND');
  });

  it('shows every key in the help at 80×24, quit included, live and in replay', async () => {
    for (const info of [LIVE, REPLAY]) {
      const t = start({ info });
      await t.press('?');
      expect(t.frame()).toMatch(/q Ctrl-C F10 +quit/);
      expect(t.frame()).toContain('this help');
      expect(t.lines().length).toBeLessThanOrEqual(23);
      for (const l of t.lines()) expect(l.length).toBeLessThanOrEqual(80);
    }
    const small = start({ info: REPLAY, rows: 20 });
    await small.press('?');
    expect(small.frame()).toMatch(/q Ctrl-C F10 +quit/); // two entries a line when short of room
  });

  it('opens the help with h and F1, and quits on F10, as htop does', async () => {
    const a = start();
    await a.press('h');
    expect(a.frame()).toContain('this help');
    const b = start();
    await b.press('\x1bOP'); // F1 (xterm)
    expect(b.frame()).toContain('this help');
    const c = start();
    await c.press('\x1b[21~'); // F10
    expect(c.controller.calls).toContainEqual(['quit']);
    // in the filter prompt, a function key is not text
    const d = start();
    await d.press('/', '\x1b[21~', '\x1bOP');
    expect(d.frame()).toContain('filter: █');
  });

  it('takes keys typed faster than a frame, in order, but never a paste as keys', async () => {
    const t = start();
    await t.press('r<<<'); // reverse, then three columns left: TOP, ascending
    expect(t.frame()).toContain('TOP▲');
    await t.press('\x1b[200~qRc\x1b[201~'); // pasted: not quit, record, clear
    expect(t.controller.calls.some((c) => c[0] === 'quit' || c[0] === 'toggleRecording')).toBe(
      false,
    );
    // a paste into the open prompt is its text
    await t.press('/', '\x1b[200~comm:fio\x1b[201~', KEYS.enter);
    expect(t.comms()).toEqual(['fio']);
  });

  it('selects a row and sorts a column with the mouse; the wheel moves the selection', async () => {
    const t = start();
    const rowLine = (comm: string) => t.lines().findIndex((l) => l.includes(` ${comm} `));
    // SGR reports: ESC [ < button ; column ; row M, 1-based
    await t.press(`\x1b[<0;10;${rowLine('nginx') + 1}M`, `\x1b[<0;10;${rowLine('nginx') + 1}m`);
    expect(t.tableRows().find((l) => l.startsWith('>'))).toContain('nginx');
    await t.press('\x1b[<64;10;10M'); // wheel up
    expect(t.tableRows().find((l) => l.startsWith('>'))).toContain('postgres');
    const header = t.lines().findIndex((l) => /^\s+PID COMMAND/.test(l));
    const x = t.lines()[header].indexOf('COMMAND') + 2;
    await t.press(`\x1b[<0;${x};${header + 1}M`);
    expect(t.frame()).toContain('COMMAND▲');
    expect(t.comms()).toEqual(['fio', 'nginx', 'postgres']);
    await t.press(`\x1b[<0;${x};${header + 1}M`); // again: reversed
    expect(t.frame()).toContain('COMMAND▼');
  });

  it('quits on q and on Ctrl-C', async () => {
    const a = start();
    await a.press('q');
    expect(a.controller.calls).toContainEqual(['quit']);
    const b = start();
    await b.press(KEYS.ctrlC);
    expect(b.controller.calls).toContainEqual(['quit']);
  });

  it('asks the controller to toggle recording on R and shows the recording', async () => {
    const t = start();
    await t.press('R');
    expect(t.controller.calls).toContainEqual(['toggleRecording']);
    t.store.publish(t.snap, { recording: { path: '/tmp/io-1.csv', bytes: 3 * 1024 * 1024 } });
    await settle(t.r.frames);
    expect(t.lines()[1]).toContain('●REC 3.0 MiB /tmp/io-1.csv');
  });

  it('tells the controller which events the tail should carry in the drill-down', async () => {
    const t = start();
    await until(() => t.frame().includes('1002'), 'the first frame');
    await t.press(KEYS.enter);
    const wanted = (c: unknown[]) =>
      c[0] === 'setFilter' && JSON.stringify(c[1]) === JSON.stringify({ pids: [1002] });
    await until(() => t.controller.calls.some(wanted), 'the tail filter to reach the controller');
    expect(t.controller.calls).toContainEqual(['setFilter', { pids: [1002] }]);
  });
});

describe('hostile process names', () => {
  it('shows escape sequences and bidi overrides as visible escapes', async () => {
    const t = start({
      loads: [{ pid: 66, comm: 'x\x1b[2J\u202eevil', op: 'READ', rate: 5, latencyUs: 1 }],
      columns: 120,
    });
    await settle(t.r.frames);
    expect(t.frame()).toContain('x\\x1b[2J\\u202');
    expect(t.frame()).not.toContain('\x1b[2J');
    await t.press('3');
    expect(t.frame()).not.toContain('\u202e');
  });
});

describe('replay mode', () => {
  it('shows the position, recording time and speed, and dispatches replay keys', async () => {
    const t = start({ info: REPLAY });
    t.store.publish(t.snap, {
      replay: { positionUs: T0 + 30e6, startUs: T0, endUs: T0 + 120e6, speed: 4, paused: false },
    });
    await settle(t.r.frames);
    const ls = t.lines();
    expect(ls[ls.length - 2]).toMatch(
      /REPLAY ▶ 4× {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}0:30 \/ 2:00 ━+─+/,
    );
    expect(ls.length).toBeLessThanOrEqual(23);
    // the third header line, with the whole frame still within rows − 1
    expect(ls[2]).toBe(' recorded 2026-11-27 07:47:30 → 07:47:39 (9.5 s)  capture filter comm:fio');
    expect(ls[3]).toMatch(/Processes/);
    await t.press(
      ' ',
      KEYS.left,
      KEYS.right,
      KEYS.shiftLeft,
      KEYS.shiftRight,
      '[',
      ']',
      'g',
      'G',
      'R',
    );
    expect(t.controller.calls.filter((c) => c[0] !== 'setFilter')).toEqual([
      ['togglePause'],
      ['seek', -1],
      ['seek', 1],
      ['seek', -10],
      ['seek', 10],
      ['changeSpeed', 0.5],
      ['changeSpeed', 2],
      ['jump', 'start'],
      ['jump', 'end'],
    ]);
    expect(t.lines()[1]).toContain('file recordings/fio.csv');
  });
});

describe('rendering cost', () => {
  it('renders once per published snapshot, however many events it summarises', async () => {
    const t = start();
    await settle(t.r.frames);
    const framesBefore = t.r.frames.length;
    for (let i = 1; i <= 3; i++) {
      for (let k = 0; k < 1000; k++) {
        pushEvent(t.model, {
          tsUs: T0 + 5e6 + i * 1e6 + k,
          pid: 1002,
          comm: 'fio',
          opcode: 23,
          result: 4096,
        });
      }
      t.model.advance(T0 + 5e6 + (i + 1) * 1e6);
      t.store.publish(t.model.snapshot());
      await settle(t.r.frames);
    }
    expect(t.r.frames.length - framesBefore).toBe(3);
  });
});

describe('resizing', () => {
  it('follows the terminal when it is resized', async () => {
    const { snap } = modelWith(LOADS);
    const r = render(
      <App store={new TestStore(snap)} controller={testController()} info={LIVE} color={false} />,
    );
    cleanup.push(() => r.unmount());
    await settle(r.frames);
    // ink-testing-library's stdout is 100 columns and has no rows: the App assumes 24
    expect(Math.max(...(r.lastFrame() ?? '').split('\n').map((l) => l.length))).toBe(100);
    expect((r.lastFrame() ?? '').split('\n').length).toBeLessThanOrEqual(23);
    Object.defineProperty(r.stdout, 'columns', { value: 90, configurable: true });
    Object.defineProperty(r.stdout, 'rows', { value: 12, configurable: true });
    r.stdout.emit('resize');
    await settle(r.frames);
    const ls = (r.lastFrame() ?? '').split('\n');
    expect(Math.max(...ls.map((l) => l.length))).toBe(90);
    expect(ls.length).toBeLessThanOrEqual(11);
    expect(r.lastFrame()).toContain('fio');
  });
});
