import { describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { Table, layoutColumns, type Column } from '../../source/ui/Table.js';
import { HelpOverlay } from '../../source/ui/HelpOverlay.js';
import { FilterPrompt } from '../../source/ui/FilterPrompt.js';
import { StatusLine, replayLine } from '../../source/ui/StatusLine.js';
import { initialUiState } from '../../source/ui/keymap.js';
import { helpEntries } from '../../source/ui/bindings.js';
import { headerLines, headerSegments } from '../../source/ui/Header.js';
import { modelWith } from './helpers.js';
import { eventColumns, opcodeColumns, processColumns } from '../../source/render/columns.js';
import { withThreadColumns } from '../../source/render/threadColumns.js';
import { OpcodeTable } from '../../source/model/opcodes.js';
import type { ProcView, ThreadInfo } from '../../source/proc/view.js';

process.env.FORCE_COLOR = '0';

interface Row {
  id: number;
  name: string;
  n: number;
}

const COLS: Column<Row>[] = [
  { key: 'id', title: 'ID', width: 6, align: 'right', format: (r) => String(r.id) },
  { key: 'name', title: 'NAME', width: 10, flex: 1, minWidth: 6, format: (r) => r.name },
  { key: 'n', title: 'N', width: 8, align: 'right', format: (r) => String(r.n) },
];

const ROWS: Row[] = Array.from({ length: 30 }, (_, i) => ({
  id: i + 1,
  name: `proc${i + 1}`,
  n: i * 10,
}));

const lines = (frame: string | undefined) => (frame ?? '').split('\n');

describe('layoutColumns', () => {
  it('gives the spare width to flexible columns and fills the line exactly', () => {
    for (const total of [40, 80, 100, 203]) {
      const cols = layoutColumns(COLS, total);
      const used = 1 + cols.reduce((s, c) => s + c.w, 0) + cols.length - 1;
      expect(used).toBe(total);
      expect(cols[0].w).toBe(6);
      expect(cols[2].w).toBe(8);
    }
  });

  it('respects maxWidth and shares spare width by flex weight', () => {
    const cols = layoutColumns(
      [
        { key: 'a', title: 'A', width: 4, flex: 1, maxWidth: 6, format: () => '' },
        { key: 'b', title: 'B', width: 4, flex: 3, format: () => '' },
      ],
      40,
    );
    expect(cols[0].w).toBe(6);
    expect(cols[1].w).toBe(40 - 1 - 1 - 6);
  });

  it('shrinks flexible columns, then drops columns from the right, when too narrow', () => {
    expect(layoutColumns(COLS, 24).map((c) => c.w)).toEqual([6, 7, 8]);
    expect(layoutColumns(COLS, 16).map((c) => c.key)).toEqual(['id', 'name']);
  });

  it('lets the columns marked drop go first, highest first, before narrowing any other', () => {
    const cols: Column<Row>[] = [
      { key: 'a', title: 'A', width: 10, flex: 1, minWidth: 10, format: () => '' },
      { key: 'b', title: 'B', width: 6, drop: 1, format: () => '' },
      { key: 'c', title: 'C', width: 6, format: () => '' },
      { key: 'd', title: 'D', width: 8, flex: 1, minWidth: 8, drop: 2, format: () => '' },
    ];
    // all of them: 1 + 30 + 3
    expect(layoutColumns(cols, 34).map((c) => c.key)).toEqual(['a', 'b', 'c', 'd']);
    // one short: d (drop 2) goes, and a takes the room it leaves
    expect(layoutColumns(cols, 33).map((c) => [c.key, c.w])).toEqual([
      ['a', 18],
      ['b', 6],
      ['c', 6],
    ]);
    // then b; a never below its 10
    expect(layoutColumns(cols, 24).map((c) => [c.key, c.w])).toEqual([
      ['a', 16],
      ['c', 6],
    ]);
  });
});

describe('the column registry at 80 and 160 columns', () => {
  const widths = <R,>(cols: readonly Column<R>[], total: number) =>
    Object.fromEntries(layoutColumns(cols, total).map((c) => [c.key, c.w]));
  const threads: ProcView = {
    origin: 'live',
    files: new Map(),
    fileList: [],
    threads: new Map([[1, { workers: 2, sqpoll: 1 } as ThreadInfo]]),
    rings: [],
    ringFailures: new Map(),
  };
  it('processes: the command 12 at least, then the figures, then the sparkline', () => {
    const plain = widths(processColumns(0), 80);
    expect(plain.comm).toBeGreaterThanOrEqual(12);
    expect(Object.keys(plain)).toEqual([
      'pid',
      'comm',
      'ops',
      'read',
      'write',
      'avg',
      'p99',
      'max',
      'err',
      'top',
    ]);
    const withThreads = widths(withThreadColumns(processColumns(0), threads), 80);
    expect(withThreads.comm).toBeGreaterThanOrEqual(12);
    expect(Object.keys(withThreads)).toEqual([
      'pid',
      'comm',
      'ops',
      'read',
      'write',
      'avg',
      'p99',
      'err',
      'wrk',
      'sqp',
    ]);
    const wide = widths(withThreadColumns(processColumns(0), threads), 160);
    expect(wide.comm).toBe(16);
    expect(wide.max).toBe(6);
    expect(wide.spark).toBeGreaterThanOrEqual(8);
  });
  it('opcodes and events: IO_URING_ENTER whole; the drill-down keeps its figures by the names', () => {
    expect(widths(opcodeColumns('p99', 0), 80).opcode).toBeGreaterThanOrEqual(14);
    expect(widths(opcodeColumns(undefined, 0), 160).opcode).toBe(24);
    const events = widths(eventColumns(true, new OpcodeTable()), 80);
    expect(events.opcode).toBeGreaterThanOrEqual(14);
    expect(events.comm).toBeGreaterThanOrEqual(12);
    expect(events.offset).toBeUndefined(); // below 88 columns
    expect(widths(eventColumns(true, new OpcodeTable()), 88).offset).toBe(8);
  });
});

describe('Table', () => {
  it('draws one aligned line per row under a header that marks the sort column', () => {
    const { lastFrame } = render(
      <Table
        columns={COLS}
        rows={ROWS.slice(0, 3)}
        rowKey={(r) => r.id}
        width={40}
        height={10}
        selected={1}
        sort={{ key: 'n', desc: true }}
      />,
    );
    const out = lines(lastFrame());
    expect(out).toHaveLength(4);
    expect(out[0]).toMatch(/^\s+ID NAME\s+N▼$/);
    expect(out[1]).toMatch(/^ \s+1 proc1\s+0$/);
    expect(out[2]).toMatch(/^>\s+2 proc2\s+10$/);
    for (const l of out) expect(l.length).toBeLessThanOrEqual(40);
    // right-aligned numbers end in the same column
    expect(out[1].length).toBe(out[2].length);
  });

  it('marks an ascending sort with ▲', () => {
    const { lastFrame } = render(
      <Table
        columns={COLS}
        rows={ROWS.slice(0, 1)}
        rowKey={(r) => r.id}
        width={40}
        height={5}
        selected={0}
        sort={{ key: 'name', desc: false }}
      />,
    );
    expect(lines(lastFrame())[0]).toContain('NAME▲');
  });

  it('never draws more lines than its height and keeps the selection in view', () => {
    const { lastFrame } = render(
      <Table columns={COLS} rows={ROWS} rowKey={(r) => r.id} width={40} height={8} selected={25} />,
    );
    const out = lines(lastFrame());
    expect(out).toHaveLength(8);
    expect(out.find((l) => l.startsWith('>'))).toMatch(/proc26/);
  });

  it('shows the empty text when there are no rows', () => {
    const { lastFrame } = render(
      <Table
        columns={COLS}
        rows={[]}
        rowKey={(r) => r.id}
        width={40}
        height={5}
        selected={-1}
        emptyText="no io_uring activity yet"
      />,
    );
    expect(lastFrame()).toContain('no io_uring activity yet');
  });

  it('sanitizes cells so a hostile process name cannot reach the terminal', () => {
    const { lastFrame } = render(
      <Table
        columns={COLS}
        rows={[{ id: 1, name: '\x1b[2Jx\u202e', n: 1 }]}
        rowKey={(r) => r.id}
        width={60}
        height={5}
        selected={-1}
      />,
    );
    expect(lastFrame()).toContain('\\x1b[2Jx\\u202e');
    expect(lastFrame()).not.toContain('\x1b[2J');
  });
});

describe('HelpOverlay', () => {
  it('lists every live key, and no replay-only key, in live mode', () => {
    const { lastFrame } = render(<HelpOverlay replay={false} width={80} height={22} />);
    const frame = lastFrame() ?? '';
    for (const h of helpEntries(false)) expect(frame).toContain(h.what);
    expect(frame).not.toContain('playback speed');
    expect(lines(frame).length).toBeLessThanOrEqual(22);
  });

  it('lists the replay keys in replay mode', () => {
    const { lastFrame } = render(<HelpOverlay replay width={80} height={22} />);
    const frame = lastFrame() ?? '';
    for (const h of helpEntries(true)) expect(frame).toContain(h.what);
    expect(frame).not.toContain('start / stop recording');
  });

  it('cuts the list to the lines it is given', () => {
    const { lastFrame } = render(<HelpOverlay replay={false} width={80} height={5} />);
    expect(lines(lastFrame())).toHaveLength(5);
  });
});

describe('FilterPrompt', () => {
  it('shows the draft and the syntax hint', () => {
    const { lastFrame } = render(<FilterPrompt draft="pid:42" width={80} color={false} />);
    expect(lastFrame()).toContain('filter: pid:42█');
    expect(lastFrame()).toContain('op:READ,WRITE');
  });

  it('shows why a filter was rejected', () => {
    const { lastFrame } = render(
      <FilterPrompt draft="zz:1" error={'unknown field "zz"'} width={80} color={false} />,
    );
    expect(lastFrame()).toContain('✗ unknown field "zz"');
  });
});

describe('StatusLine', () => {
  it('shows hints for the mode', () => {
    const s = initialUiState();
    const { lastFrame } = render(<StatusLine state={s} width={80} />);
    expect(lastFrame()).toContain('?:help');
    expect(lines(lastFrame())).toHaveLength(1);
  });

  it('shows the replay position, speed and state', () => {
    const s = initialUiState({ replay: true });
    const replay = {
      positionUs: (1_700_000_030e6 / 1e6) * 1e6,
      startUs: 1_700_000_000e6,
      endUs: 1_700_000_060e6,
      speed: 2,
      paused: true,
    };
    replay.positionUs = 1_700_000_030e6;
    const { lastFrame } = render(<StatusLine state={s} status={{ replay }} width={80} />);
    const out = lines(lastFrame());
    expect(out).toHaveLength(2);
    expect(out[0]).toContain('PAUSED 2×');
    expect(out[0]).toContain('0:30 / 1:00');
    expect(out[0].length).toBeLessThanOrEqual(80);
    expect(out[1]).toContain('Space:play/pause');
    expect(replayLine({ ...replay, paused: false, ended: true }, 80)).toContain('END');
    // the end not known yet (a .csv.gz read to its end in the background): no full bar
    const unknown = replayLine({ ...replay, paused: false, endUs: undefined }, 80);
    expect(unknown).toContain('0:30 / ? ');
    expect(unknown).not.toMatch(/[━─]/);
    // a stretch without events that was skipped is said just after it
    const gap = { fromUs: replay.positionUs - 400e6, toUs: replay.positionUs - 1e6 };
    expect(replayLine({ ...replay, paused: false, gap }, 120)).toContain(
      '▶ (skipped 6:39 without events)',
    );
    expect(
      replayLine({ ...replay, paused: false, gap, positionUs: replay.positionUs + 10e6 }, 120),
    ).not.toContain('skipped');
    // a long backwards seek says where it is going while the model is rebuilt
    expect(replayLine({ ...replay, paused: false, seekingToUs: 1_700_000_049e6 }, 80)).toContain(
      'REPLAY » SEEKING 0:49 2×',
    );
  });
});

describe('Header colours', () => {
  const info = { host: 'h', kernel: 'k', tier: 't', mode: 'live' as const };
  it('leaves a replay’s session-wide loss counts to its recording line', () => {
    const { model } = modelWith([{ pid: 1, comm: 'a', op: 'READ', rate: 1, latencyUs: 1 }]);
    model.setCaptureCounters({ lost: 539_000 });
    const text = headerSegments({
      info: { ...info, mode: 'replay', recordingFacts: 'recorded … 52 events, 539000 lost' },
      snapshot: model.snapshot(),
      filterText: '',
      paused: false,
      refreshMs: 1000,
      color: false,
    }).map((l) => l.map((s) => s.text).join(''));
    expect(text[1]).not.toContain('lost');
    expect(text[2]).toContain('539000 lost');
  });

  it('gives the advice the source has when events are lost', () => {
    const { model } = modelWith([{ pid: 1, comm: 'a', op: 'READ', rate: 1, latencyUs: 1 }]);
    model.setCaptureCounters({ lost: 5 });
    const text = headerSegments({
      info,
      snapshot: model.snapshot(),
      status: { advice: 'totals exact; fewer events: --sample N or --no-events' },
      filterText: '',
      paused: false,
      refreshMs: 1000,
      color: true,
    })[1]
      .map((s) => s.text)
      .join('');
    expect(text).toMatch(/lost 5 .*totals exact; fewer events: --sample N or --no-events$/);
  });

  it('uses no colour at all when colours are off (NO_COLOR), and highlights losses by inverse instead', () => {
    const { model } = modelWith([{ pid: 1, comm: 'a', op: 'READ', rate: 1, latencyUs: 1 }]);
    model.setCaptureCounters({ lost: 12, dropped: 3, overflow: 2 });
    const lossy = model.snapshot();
    const segs = headerSegments({
      info,
      snapshot: lossy,
      filterText: 'pid:1',
      paused: true,
      refreshMs: 1000,
      color: false,
    }).flat();
    expect(segs.every((s) => s.color === undefined)).toBe(true);
    expect(segs.find((s) => s.text === 'lost 12')?.inverse).toBe(true);
    expect(segs.find((s) => s.text === 'dropped 3')?.inverse).toBe(true);
    expect(segs.find((s) => s.text === 'PAUSED')?.inverse).toBe(true);
    const coloured = headerSegments({
      info,
      snapshot: lossy,
      filterText: '',
      paused: false,
      refreshMs: 1000,
      color: true,
    }).flat();
    expect(coloured.find((s) => s.text === 'lost 12')?.color).toBe('red');
    expect(coloured.find((s) => s.text === 'overflow 2')?.color).toBe('red');
    expect(coloured.some((s) => s.text.startsWith('malformed'))).toBe(false);
  });

  it('shows zero losses plainly', () => {
    const { snap } = modelWith([]);
    const segs = headerSegments({
      info,
      snapshot: snap,
      filterText: '',
      paused: false,
      refreshMs: 1000,
      color: true,
    }).flat();
    expect(segs.find((s) => s.text === 'lost 0')?.color).toBeUndefined();
  });

  it('shows unknown losses as unknown, not as zero', () => {
    const { model } = modelWith([]);
    model.setCaptureCounters(null);
    const segs = headerSegments({
      info,
      snapshot: model.snapshot(),
      filterText: '',
      paused: false,
      refreshMs: 1000,
      color: true,
    }).flat();
    expect(segs.map((s) => s.text)).toContain('lost ?');
    expect(segs.map((s) => s.text)).toContain('dropped ?');
    expect(segs.map((s) => s.text)).not.toContain('lost 0');
  });
});

describe('Header recording lines', () => {
  const { snap } = modelWith([{ pid: 1, comm: 'a', op: 'READ', rate: 1, latencyUs: 1 }]);
  const text = (segs: { text: string }[]) => segs.map((x) => x.text).join('');
  const base = { snapshot: snap, filterText: '', paused: false, refreshMs: 1000, color: false };

  it('replay: says REPLAY first; one standing in for live capture says NOT LIVE and why', () => {
    const info = {
      host: 'h',
      kernel: 'k',
      tier: 'tier 1',
      mode: 'replay' as const,
      recordingFacts: 'recorded …',
      notLive: 'NOT LIVE: not root: run with sudo',
    };
    const lines = headerSegments({ ...base, info });
    expect(text(lines[0])).toMatch(/^ iouringtop REPLAY at /);
    expect(lines).toHaveLength(4);
    expect(headerLines(info)).toBe(4);
    expect(text(lines[3])).toBe(' NOT LIVE: not root: run with sudo');
    expect(lines[3][1].bold).toBe(true);
    const plain = headerSegments({ ...base, info: { ...info, notLive: undefined } });
    expect(plain).toHaveLength(3);
    expect(text(plain[0])).toMatch(/^ iouringtop REPLAY at /);
  });

  it('live beside the exporter: the metrics endpoint on the second line', () => {
    const info = {
      host: 'h',
      kernel: 'k',
      tier: 't',
      mode: 'live' as const,
      metricsUrl: 'http://127.0.0.1:9464/metrics',
    };
    const lines = headerSegments({ ...base, info });
    expect(text(lines[1])).toMatch(/ {2}metrics http:\/\/127\.0\.0\.1:9464\/metrics$/);
  });

  it('live: ●REC with the path and size, or the failure in its place, highlighted', () => {
    const info = { host: 'h', kernel: 'k', tier: 't', mode: 'live' as const };
    const ok = headerSegments({
      ...base,
      info,
      status: { recording: { path: '/r/iouring_1.csv', bytes: 2048 } },
    });
    expect(ok).toHaveLength(2);
    // the size first: a long path is what gets cut at the terminal's edge
    expect(text(ok[1])).toMatch(/●REC 2\.0 KiB \/r\/iouring_1\.csv$/);
    const growing = headerSegments({
      ...base,
      info,
      status: { recording: { path: '/r/iouring_1.csv', bytes: 2048, bytesPerSec: 1536 } },
    });
    expect(text(growing[1])).toMatch(/●REC 2\.0 KiB \+1\.5 KiB\/s \/r\/iouring_1\.csv$/);
    const stopped = headerSegments({
      ...base,
      info,
      status: { recordingStopped: 'recording stopped: /r/iouring_1.csv (12 events, 2.0 KiB)' },
    });
    expect(text(stopped[1])).toMatch(
      / {2}recording stopped: \/r\/iouring_1\.csv \(12 events, 2\.0 KiB\)$/,
    );
    expect(text(stopped[1])).not.toContain('●REC');
    const failed = headerSegments({
      ...base,
      info,
      status: {
        recording: { path: '/r/iouring_1.csv', bytes: 2048 },
        recordingError: 'cannot write /r/iouring_1.csv: no space left on device (ENOSPC)',
      },
    });
    const seg = failed[1].find((x) => x.text.startsWith('REC cannot write'));
    expect(seg?.inverse).toBe(true);
    expect(text(failed[1])).not.toContain('●REC');
    expect(headerLines(info)).toBe(2);
  });

  it('replay: a third line with the recording facts, and the body gives it room', () => {
    const info = {
      host: 'h',
      kernel: 'k',
      tier: 't',
      mode: 'replay' as const,
      recordingPath: 'x.csv',
      recordingFacts: 'recorded 2026-11-27 07:47:30 → 07:47:39 (9.5 s)',
    };
    const lines = headerSegments({ ...base, info });
    expect(lines).toHaveLength(3);
    expect(text(lines[2])).toBe(' recorded 2026-11-27 07:47:30 → 07:47:39 (9.5 s)');
    expect(headerLines(info)).toBe(3);
  });
});
