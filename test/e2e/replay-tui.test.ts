/**
 * The replay TUI in a real terminal (tmux): pause, step, seek, speed and jump keys, the status
 * line, and a filter, on a recording whose content is known event by event. Needs no root and no
 * bpftrace: replay is what a laptop without either runs.
 *
 * The recording: 60 s from 03:04:05; `alpha` (pid 4242) READs every 200 ms and `beta` (pid 4343)
 * WRITEs every second, both starting at 0 s. At position k s (k whole) the model has seen
 * 5k + 1 + k + 1 = 6k + 2 events, whether it got there by playing or by seeking either way.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatTimestamp, RECORDING_HEADER } from '../../source/record/format.js';
import { metaPathFor } from '../../source/record/meta.js';
import { CLI, descendants, processRef, requireOrSkip, ROOT, tempDir, waitGone } from './env.js';
import { TmuxPane } from './tmux.js';

const run = requireOrSkip('replay TUI test', ['tmux'], false);
const panes: TmuxPane[] = [];
afterAll(() => panes.forEach((p) => p.kill()));
const open = (p: TmuxPane): TmuxPane => (panes.push(p), p);

function writeRecording(file: string): void {
  const t0 = new Date(2026, 0, 2, 3, 4, 5).getTime() * 1000; // local time, like the CSV
  const lines = [RECORDING_HEADER];
  for (let j = 0; j <= 300; j++) {
    const ts = formatTimestamp(t0 + j * 200_000);
    lines.push(`${ts},4242,alpha,READ,5,${j * 4096},4096,4096,0.05`);
    if (j % 5 === 0) lines.push(`${ts},4343,beta,WRITE,6,${j * 4096},4096,4096,0.2`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
  // Its metadata, as a capture that lost events would have written it.
  const meta = {
    formatVersion: 2,
    csvFile: path.basename(file),
    host: 'db7',
    kernel: '6.1.0-test',
    bpftraceVersion: 'v0.17.0',
    captureTier: 'tier 1: io_uring tracepoints + BTF (every column, every operation)',
    filters: { pid: [4242, 4343], comm: null, opcode: null, text: 'pid:4242,4343' },
    startedAt: '2026-01-02T03:04:04.500+00:00',
    endedAt: '2026-01-02T03:05:05.500+00:00',
    events: 362,
    lost: 7,
    dropped: 3,
    overflow: 0,
  };
  writeFileSync(metaPathFor(file), JSON.stringify(meta));
}

interface Seen {
  total: number;
  state: string;
  speed: string;
  clock: string;
  position: string;
}

/** The header's event total and the replay status line, read off the screen. */
function read(screen: string): Seen | undefined {
  const total = /\btotal (\d+)\b/.exec(screen);
  const status =
    /REPLAY (▶|‖ PAUSED|■ END) (\S+) {2}(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) {2}(\d+:\d\d) \/ 1:01 /.exec(
      screen,
    );
  if (!total || !status) return undefined;
  return {
    total: Number(total[1]),
    state: status[1],
    speed: status[2],
    clock: status[3],
    position: status[4],
  };
}

describe.runIf(run)('replay TUI in tmux', () => {
  it('pauses, steps, seeks, changes speed and jumps, and the state matches playing forward', async () => {
    const dir = tempDir('iouringtop-replay-tui-');
    const file = path.join(dir, 'known.csv');
    writeRecording(file);
    const p = open(
      new TmuxPane(
        `iouringtop-replay-${process.pid}`,
        // CI=true, as a build host's shell may have it: Ink must still draw live frames.
        `env CI=true ${process.execPath} ${CLI} --replay ${file}`,
      ),
    );
    const expectScreen = async (
      want: Partial<Seen>,
      what: string,
    ): Promise<{ seen: Seen; screen: string }> => {
      const screen = await p.until((s) => {
        const seen = read(s);
        return (
          seen !== undefined && Object.entries(want).every(([k, v]) => seen[k as keyof Seen] === v)
        );
      }, what);
      return { seen: read(screen)!, screen };
    };

    // It plays at 1× from the start; the metadata line says there is none.
    const playing = await expectScreen({ state: '▶', speed: '1×' }, 'playback at 1×');
    // The metadata: host and tier on top, and the recording's facts with the session's losses;
    // its length, 61.0 s, is the status line's (1:01).
    expect(playing.screen).toMatch(
      /db7 {2}tier 1: io_uring tracepoints \+ BTF {2}kernel 6\.1\.0-test/,
    );
    expect(playing.screen).toMatch(
      /recorded 2026-01-02 03:04:04 → 03:05:05 \(61\.0 s\) {2}362 events, 7 lost, 3 dropped {2}capture filter pid:4242,4343 {2}bpftra/,
    );
    expect(p.alternateScreen()).toBe(true);
    await expectScreen({ position: '0:01' }, 'the clock to reach 0:01');

    // Space pauses: a step from there moves exactly 1 s and then stands (playback would run on).
    p.keys('Space');
    const paused = (await expectScreen({ state: '‖ PAUSED' }, 'PAUSED')).seen;
    const [m, s] = paused.position.split(':').map(Number);
    const next = `${m}:${String(s + 1).padStart(2, '0')}`;
    p.keys('Right');
    await expectScreen(
      { state: '‖ PAUSED', position: next, total: 6 * (s + 1) + 2 },
      `→ from the paused ${paused.position} to ${next}`,
    );

    // g: the start. 2 events (one of each at 0 s); the clock shows the recording's time.
    p.keys('g');
    await expectScreen(
      { total: 2, position: '0:00', clock: '2026-01-02 03:04:05', state: '‖ PAUSED' },
      'g to jump to the start',
    );
    // → steps 1 s, Shift+→ 10 s, ← back 1 s: the totals are those of playing forward.
    p.keys('Right');
    await expectScreen({ total: 8, position: '0:01', clock: '2026-01-02 03:04:06' }, '→ to 0:01');
    p.keys('Right');
    await expectScreen({ total: 14, position: '0:02' }, '→ to 0:02');
    p.keys('S-Right');
    await expectScreen({ total: 74, position: '0:12' }, 'Shift+→ to 0:12');
    p.keys('Left');
    await expectScreen({ total: 68, position: '0:11' }, '← back to 0:11');
    p.keys('S-Left');
    await expectScreen({ total: 8, position: '0:01' }, 'Shift+← back to 0:01');
    p.keys('S-Left');
    await expectScreen({ total: 2, position: '0:00' }, 'Shift+← clamped at the start');

    // ] doubles, [ halves the speed.
    p.keys(']');
    await expectScreen({ speed: '2×' }, '] to 2×');
    p.keys('[', '[');
    await expectScreen({ speed: '0.5×' }, '[ [ to 0.5×');
    p.keys(']', ']', ']');
    await expectScreen({ speed: '4×' }, '] ] ] to 4×');

    // Space resumes at 4×: some seconds later the position has moved on several seconds.
    p.keys('Space');
    await expectScreen({ state: '▶' }, 'playing again');
    const moved = await expectScreen({}, 'the status line');
    const later = await p.until((s) => {
      const seen = read(s);
      return seen !== undefined && seen.total >= moved.seen.total + 6 * 6;
    }, 'playback at 4× to cover 6 s');
    expect(read(later)!.state).toBe('▶');
    // Paused again, so that playback cannot reach the end under the checks that follow.
    p.keys('Space');
    await expectScreen({ state: '‖ PAUSED' }, 'paused again');

    // A filter works in replay as live: op:WRITE leaves beta only.
    await p.type('/op:WRITE');
    p.keys('Enter');
    const filtered = await p.until(
      (s) => /\b4343 +beta\b/.test(s) && !/\b4242 +alpha\b/.test(s),
      'the op:WRITE filter to hide alpha',
    );
    expect(filtered).toMatch(/filter op:WRITE/);
    p.keys('c');
    await p.until((s) => /\b4242 +alpha\b/.test(s), 'c to clear the filter');

    // G: the end, all 362 events, END, at the end of the session (61.0 s, its last second idle).
    p.keys('G');
    await expectScreen(
      { total: 362, position: '1:01', clock: '2026-01-02 03:05:05', state: '■ END' },
      'G to jump to the end',
    );
    // And back to 0:59 by seeking: 6·59 + 2.
    p.keys('Left');
    await expectScreen({ total: 356, position: '0:59', state: '‖ PAUSED' }, '← from the end');
    // Seeks rebuild the model; the loss counters from the metadata are still shown.
    expect(p.screen()).toMatch(/362 events, 7 lost, 3 dropped/);

    p.keys('q');
    expect(await p.exitStatus(), p.screen()).toBe('0');
    expect(p.alternateScreen()).toBe(false);
  });

  it('has one clock and one length: the header, the status line and the recording line agree', async () => {
    const demo = path.join(ROOT, 'recordings', 'demo.csv.gz');
    const p = open(
      new TmuxPane(
        `iouringtop-replay-clock-${process.pid}`,
        `${process.execPath} ${CLI} --replay ${demo}`,
        { columns: 100, rows: 24 },
      ),
    );
    const clocks = (s: string) => {
      const at = / iouringtop REPLAY (?:PAUSED )?at (\d+:\d\d) /.exec(s)?.[1];
      const status = /REPLAY (?:▶|‖ PAUSED|■ END) \S+ {2}\S+ \S+ {2}(\d+:\d\d) \/ (\d+:\d\d) /.exec(
        s,
      );
      const length = /recorded \S+ \S+ → \S+ \(([\d.]+) s\)/.exec(s)?.[1];
      return { at, position: status?.[1], total: status?.[2], length };
    };
    const span = (sec: number) =>
      `${Math.floor(sec / 60)}:${String(Math.floor(sec % 60)).padStart(2, '0')}`;
    // paused while playing, then at the end: the same position in the header and the status line,
    // and the length the recording line says
    await p.until((s) => /\b0:0[3-9] \/ /.test(s), 'the replay at 0:03');
    p.keys('Space');
    const paused = await p.until((s) => /‖ PAUSED/.test(s) && clocks(s).at !== undefined, 'paused');
    const c = clocks(paused);
    expect(c.at, paused).toBe(c.position);
    expect(c.total, paused).toBe(span(Number(c.length)));
    p.keys('G');
    const end = await p.until((s) => /■ END/.test(s), 'G to the end');
    const e = clocks(end);
    expect(e.at, end).toBe(e.position);
    expect(e.position, end).toBe(e.total);
    expect(e.total, end).toBe(span(Number(e.length)));
    p.keys('q');
    expect(await p.exitStatus(), p.screen()).toBe('0');
  });

  it('Enter opens the process marked, which the selection follows when a refresh re-sorts', async () => {
    // alpha leads for 4 s (50 READs a second against beta's 5), then beta (50 against 5)
    const dir = tempDir('iouringtop-replay-follow-');
    const file = path.join(dir, 'swap.csv');
    const t0 = new Date(2026, 0, 2, 3, 4, 5).getTime() * 1000;
    const lines = [RECORDING_HEADER];
    for (let ms = 0; ms < 20_000; ms += 20) {
      const ts = formatTimestamp(t0 + ms * 1000);
      const early = ms < 4000;
      if (early || ms % 200 === 0) lines.push(`${ts},4242,alpha,READ,5,0,4096,4096,0.05`);
      if (!early || ms % 200 === 0) lines.push(`${ts},4343,beta,READ,6,0,4096,4096,0.05`);
    }
    writeFileSync(file, lines.join('\n') + '\n');
    const p = open(
      new TmuxPane(
        `iouringtop-replay-follow-${process.pid}`,
        `${process.execPath} ${CLI} --replay ${file}`,
      ),
    );
    const rows = (s: string) => s.split('\n').filter((l) => /^[> ] +\d+ (alpha|beta) /.test(l));
    // the first frame with rows: alpha on top, marked, and no key pressed since
    const first = await p.until((s) => rows(s).length === 2, 'both processes listed');
    expect(rows(first)[0], first).toMatch(/^> +4242 alpha /);
    // beta overtakes alpha: the mark stays on alpha, now the second row
    const swapped = await p.until((s) => /^[> ] +4343 beta /.test(rows(s)[0] ?? ''), 'beta on top');
    expect(rows(swapped)[1], swapped).toMatch(/^> +4242 alpha /);
    p.keys('Enter');
    const drill = await p.until((s) => /Esc:back/.test(s), 'the drill-down');
    expect(drill).toMatch(/^ PID 4242 alpha /m);
    p.keys('q');
    expect(await p.exitStatus(), p.screen()).toBe('0');
  });

  it('parked at END under a shell that ignores HUP, it still ends when its terminal goes', async () => {
    const dir = tempDir('iouringtop-replay-hup-');
    const file = path.join(dir, 'known.csv');
    writeRecording(file);
    const q = new TmuxPane(
      `iouringtop-replay-hup-${process.pid}`,
      `bash -c "trap '' HUP; ${process.execPath} ${CLI} --replay ${file} --speed max"`,
    );
    await q.until((s) => /■ END/.test(s), 'the replay at its end');
    const ours = [processRef(q.pid())!, ...descendants(q.pid())];
    expect(ours.some((r) => r.comm === 'iouringtop')).toBe(true);
    q.kill(); // the terminal goes; no SIGHUP reaches iouringtop, and it draws nothing at END
    expect(await waitGone(ours, 15_000)).toEqual([]);
  });
});
