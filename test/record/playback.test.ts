import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { IoEvent } from '../../source/model/event.js';
import { Model, type ModelCheckpoint } from '../../source/model/model.js';
import { formatTimestamp, RECORDING_HEADER } from '../../source/record/format.js';
import { OpcodeTable } from '../../source/model/opcodes.js';
import { Playback, type ReplaySink } from '../../source/record/playback.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-p-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const S = 1_000_000;
const BASE = Date.UTC(2024, 0, 2, 3, 4, 0) * 1000; // a whole second

/** Event times (µs after BASE): a burst, a 2 s gap, a slightly out-of-order pair, a late tail. */
const OFFSETS = [
  30_000, 30_000, 99_999, 100_000, 100_001, 250_000, 480_000, 600_000, 1_000_000, 1_050_000,
  3_200_000, 3_300_000, 3_250_000, 3_900_000, 4_000_000, 4_010_000, 5_432_100,
];

function recording(name: string, offsets = OFFSETS, gzip = false): string {
  const rows = offsets.map(
    (o, i) =>
      `${formatTimestamp(BASE + o)},${100 + i},cmd${i % 3},READ,3,${i * 4096},4096,4096,0.01\n`,
  );
  const text = `${RECORDING_HEADER}\n${rows.join('')}`;
  const p = path.join(dir, name);
  writeFileSync(p, gzip ? zlib.gzipSync(text) : text);
  return p;
}

/** Test double for the model: logs every call since the last reset, and folds a state. */
class FakeSink implements ReplaySink {
  log: string[] = [];
  resets = 0;
  state = { events: 0, pidSum: 0, now: 0, windowed: 0 };
  private recent: number[] = [];
  push(ev: IoEvent): void {
    this.log.push(`push ${ev.tsUs - BASE} ${ev.pid}`);
    this.state.events++;
    this.state.pidSum += ev.pid;
    this.recent.push(ev.tsUs);
  }
  advance(nowUs: number): void {
    this.log.push(`advance ${nowUs - BASE}`);
    this.state.now = nowUs;
    // A 1 s window that expires on advance, like the model's: sensitive to the call sequence.
    this.recent = this.recent.filter((t) => t > nowUs - S);
    this.state.windowed = this.recent.length;
  }
  reset(): void {
    this.resets++;
    this.log = [];
    this.recent = [];
    this.state = { events: 0, pidSum: 0, now: 0, windowed: 0 };
  }
}

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

describe('Playback clock', () => {
  it('opens on the grid point at or before the first event: reset, then advance', async () => {
    const sink = new FakeSink();
    const r = await Playback.open(recording('a.csv'), sink);
    expect(sink.resets).toBe(1);
    expect(sink.log).toEqual(['advance 0']);
    expect(r.status).toMatchObject({
      positionUs: BASE,
      startUs: BASE,
      endUs: BASE + 5_432_100,
      speed: 1,
      paused: false,
      atEnd: false,
    });
    r.close();
  });

  it('feeds events with tsUs ≤ the grid point, then calls advance once per grid point crossed', async () => {
    const sink = new FakeSink();
    const r = await Playback.open(recording('b.csv'), sink);
    sink.log = [];
    await r.tick(250); // 250 ms at 1×: two grid points, 50 ms carried over
    expect(sink.log).toEqual([
      'push 30000 100',
      'push 30000 101',
      'push 99999 102',
      'push 100000 103',
      'advance 100000',
      'push 100001 104',
      'advance 200000',
    ]);
    sink.log = [];
    await r.tick(50);
    expect(sink.log).toEqual(['push 250000 105', 'advance 300000']);
    expect(r.status.positionUs).toBe(BASE + 300_000);
    r.close();
  });

  it('does not move while paused, and moves speed× faster', async () => {
    const sink = new FakeSink();
    const r = await Playback.open(recording('c.csv'), sink, { speed: 10 });
    r.pause();
    await r.tick(1000);
    expect(r.status.positionUs).toBe(BASE);
    r.togglePause();
    await r.tick(100);
    expect(r.status.positionUs).toBe(BASE + S);
    r.close();
  });

  it('halves and doubles the speed within 0.1–1000', async () => {
    const r = await Playback.open(recording('d.csv'), new FakeSink(), { speed: 600 });
    r.faster();
    expect(r.speed).toBe(1000);
    r.setSpeed(0.15);
    r.slower();
    expect(r.speed).toBe(0.1);
    r.setSpeed('max');
    r.faster();
    expect(r.speed).toBe('max');
    r.slower();
    expect(r.speed).toBe(500);
    r.close();
  });

  it('runs to the end as fast as possible and stops on the last event’s grid point', async () => {
    const sink = new FakeSink();
    const r = await Playback.open(recording('e.csv'), sink, { speed: 'max' });
    const stats = await r.runToEnd();
    expect(stats.events).toBe(OFFSETS.length);
    expect(
      sink.log.filter((l) => l.startsWith('push')).map((l) => Number(l.split(' ')[2])),
    ).toEqual(OFFSETS.map((_, i) => 100 + i));
    expect(sink.log.at(-1)).toBe('advance 5500000');
    // one advance where the clock starts and at each grid point where events were pushed, not at
    // all 56 grid points: the clock never walks an empty stretch
    expect(sink.log.filter((l) => l.startsWith('advance'))).toEqual(
      [0, 1, 2, 3, 5, 6, 10, 11, 32, 33, 39, 40, 41, 55].map((g) => `advance ${g * 100_000}`),
    );
    expect(r.status).toMatchObject({
      atEnd: true,
      positionUs: BASE + 5_500_000,
      endUs: BASE + 5_432_100,
    });
    await r.tick(1000);
    expect(sink.log.at(-1)).toBe('advance 5500000');
    r.close();
  });

  it('pushes events in file order: an earlier timestamp waits for the later one before it', async () => {
    const sink = new FakeSink();
    const r = await Playback.open(recording('f.csv', [100, 350_000, 120_000, 130_000]), sink);
    await r.runToEnd();
    expect(sink.log).toEqual([
      'advance 0',
      'push 100 100',
      'advance 100000',
      'push 350000 101',
      'push 120000 102',
      'push 130000 103',
      'advance 400000',
    ]);
    r.close();
  });
});

describe('Playback over a long gap without events', () => {
  const YEAR = 365 * 86_400 * S;
  const gap = () => recording('gap.csv', [0, 500_000, YEAR, YEAR + 700_000]);

  it('never walks it: to the end in a few steps, at any speed', async () => {
    const sink = new FakeSink();
    const r = await Playback.open(gap(), sink, { speed: 'max' });
    await r.runToEnd();
    expect(sink.state.events).toBe(4);
    expect(r.status.positionUs).toBe(BASE + YEAR + 700_000);
    expect(sink.log.filter((l) => l.startsWith('advance')).length).toBeLessThanOrEqual(6);
    // G (a seek to the end) from the start, in the TUI
    const tui = new FakeSink();
    const t = await Playback.open(gap(), tui, { speed: 1 });
    await t.jumpToEnd();
    expect(t.status.atEnd).toBe(true);
    expect(tui.log.filter((l) => l.startsWith('advance')).length).toBeLessThanOrEqual(6);
    r.close();
    t.close();
  });

  it('at real-time speed, skips it to a second before the next event, and says so', async () => {
    const sink = new FakeSink();
    const r = await Playback.open(gap(), sink, { speed: 1 });
    await r.tick(1000);
    expect(r.status.gap).toEqual({ fromUs: BASE + S, toUs: BASE + YEAR - S });
    expect(r.status.positionUs).toBe(BASE + YEAR - S);
    expect(sink.state.events).toBe(2);
    await r.tick(1000);
    expect(sink.state.events).toBe(3);
    await r.tick(1000);
    expect(r.status.atEnd).toBe(true);
    r.close();
  });

  it('plays a short idle stretch as it was', async () => {
    const r = await Playback.open(recording('short-gap.csv', [0, 4 * S]), new FakeSink(), {
      speed: 1,
    });
    await r.tick(1000);
    expect(r.status.gap).toBeNull();
    expect(r.status.positionUs).toBe(BASE + S);
    r.close();
  });
});

describe('Playback seeking', () => {
  it('seeking back to T gives exactly the pushes and state of a fresh play to T', async () => {
    const pushes = (s: FakeSink) => s.log.filter((l) => l.startsWith('push'));
    const file = recording('g.csv');
    for (const seed of [1, 2, 3]) {
      const rand = rng(seed);
      const played = new FakeSink();
      const a = await Playback.open(file, played, { speed: 3 });
      while (a.status.positionUs < BASE + 3_300_000) await a.tick(rand() * 120);
      const T = a.status.positionUs;

      const seeked = new FakeSink();
      const b = await Playback.open(file, seeked, { speed: 'max' });
      await b.runToEnd();
      await b.seek(T + 99_999); // mid-grid: rounds down to T
      expect(b.status.positionUs).toBe(T);
      expect(pushes(seeked)).toEqual(pushes(played));
      expect(seeked.state).toEqual(played.state);

      const direct = new FakeSink();
      const c = await Playback.open(file, direct);
      await c.seek(T);
      expect(pushes(direct)).toEqual(pushes(played));
      expect(direct.state).toEqual(played.state);
      a.close();
      b.close();
      c.close();
    }
  });

  it('steps ±1 s and ±10 s, and jumps to start and end', async () => {
    const sink = new FakeSink();
    const r = await Playback.open(recording('h.csv'), sink);
    await r.step(2 * S);
    expect(r.status.positionUs).toBe(BASE + 2 * S);
    expect(sink.state).toMatchObject({ events: 10, windowed: 1, now: BASE + 2 * S });
    await r.step(-S);
    expect(r.status.positionUs).toBe(BASE + S);
    expect(sink.state).toMatchObject({ events: 9, windowed: 9, now: BASE + S });
    await r.step(-10 * S);
    expect(r.status.positionUs).toBe(BASE);
    await r.step(10 * S);
    expect(r.status).toMatchObject({ positionUs: BASE + 5_500_000, atEnd: true });
    await r.jumpToStart();
    expect(sink.log).toEqual(['advance 0']);
    await r.jumpToEnd();
    expect(sink.state.events).toBe(OFFSETS.length);
    r.close();
  });

  it('coalesces seeks requested while one runs: the last target wins', async () => {
    const file = recording('i.csv');
    const sink = new FakeSink();
    const r = await Playback.open(file, sink);
    await r.jumpToEnd();
    const done = Promise.all([r.seek(BASE + S), r.step(-S), r.seek(BASE + 4 * S), r.step(-S)]);
    expect(r.status.busy).toBe(true);
    expect(r.status.seekingToUs).toBe(BASE + 3 * S);
    await done;
    expect(r.status.positionUs).toBe(BASE + 3 * S);
    expect(r.status.seekingToUs).toBeNull();
    const fresh = new FakeSink();
    const f = await Playback.open(file, fresh);
    await f.seek(BASE + 3 * S);
    expect(sink.log).toEqual(fresh.log);
    r.close();
    f.close();
  });

  it('replays gzip recordings, finding their end with a background pass', async () => {
    const sink = new FakeSink();
    const r = await Playback.open(recording('j.csv.gz', OFFSETS, true), sink);
    for (let i = 0; i < 100 && r.status.endUs === null; i++)
      await new Promise((res) => setTimeout(res, 5));
    expect(r.status.endUs).toBe(BASE + 5_432_100);
    await r.seek(BASE + 2 * S);
    await r.seek(BASE + S);
    expect(sink.state).toMatchObject({ events: 9, windowed: 9, now: BASE + S });
    r.close();
  });

  it('takes the end from the latest timestamp in the file’s tail, even out of order', async () => {
    const r = await Playback.open(recording('k.csv', [...OFFSETS, 5_000_000]), new FakeSink());
    expect(r.status.endUs).toBe(BASE + 5_432_100);
    r.close();
  });

  it('shows the session metadata when present and works without it', async () => {
    const p = recording('iouring_20240102_030400.csv');
    const without = await Playback.open(p, new FakeSink());
    expect(without.meta).toBeNull();
    without.close();
    writeFileSync(
      path.join(dir, 'iouring_20240102_030400.meta.json'),
      JSON.stringify({ host: 'db1', kernel: '6.18.0', captureTier: 'full', events: 17, lost: 2 }),
    );
    const withMeta = await Playback.open(p, new FakeSink());
    expect(withMeta.meta).toMatchObject({
      host: 'db1',
      kernel: '6.18.0',
      events: 17,
      lost: 2,
      dropped: 0,
    });
    withMeta.close();
  });

  it('replays opcodes this build does not know: the metadata names them, else the rows do', async () => {
    const rows = [
      `${formatTimestamp(BASE)},7,app,READ,3,0,4096,4096,0.01`,
      `${formatTimestamp(BASE + 1000)},7,app,FUTURE_OP,3,,,0,0.02`,
      `${formatTimestamp(BASE + 2000)},7,app,OTHER_NEW,3,,,0,0.02`,
      `${formatTimestamp(BASE + 3000)},7,app,FUTURE_OP,3,,,0,0.02`,
    ];
    const p = path.join(dir, 'iouring_20240102_030405.csv');
    writeFileSync(p, `${RECORDING_HEADER}\n${rows.join('\n')}\n`);
    // without metadata: each unknown name gets a code of its own, and keeps its name
    const names = new OpcodeTable();
    const m = new Model({ opcodes: names });
    const r = await Playback.open(p, m, { opcodes: names });
    await r.runToEnd();
    r.close();
    const byName = Object.fromEntries(m.snapshot().opcodes.map((o) => [o.opName, o.total.ops]));
    expect(byName).toEqual({ READ: 1, FUTURE_OP: 2, OTHER_NEW: 1 });
    // with metadata: the kernel's own code for it
    writeFileSync(
      path.join(dir, 'iouring_20240102_030405.meta.json'),
      JSON.stringify({ host: 'db1', opcodeNames: { FUTURE_OP: 77 } }),
    );
    const names2 = new OpcodeTable();
    const m2 = new Model({ opcodes: names2 });
    const r2 = await Playback.open(p, m2, { opcodes: names2 });
    await r2.runToEnd();
    r2.close();
    expect(m2.snapshot().opcodes.find((o) => o.opName === 'FUTURE_OP')?.opcode).toBe(77);
    // and nothing leaks into another session's table
    expect(new OpcodeTable().name(77)).toBe('OP_77');
  });

  it('plays a header-only recording as empty', async () => {
    const p = path.join(dir, 'empty.csv');
    writeFileSync(p, `${RECORDING_HEADER}\n`);
    const sink = new FakeSink();
    const r = await Playback.open(p, sink);
    const stats = await r.runToEnd();
    expect(stats.events).toBe(0);
    expect(r.status.atEnd).toBe(true);
    r.close();
  });
});

describe('Playback checkpoints', () => {
  /** A denser recording: 4 000 events over ~60 s from 12 processes. */
  function dense(name: string, gzip = false): string {
    const r = rng(17);
    const rows: string[] = [];
    let t = BASE + 30_000;
    for (let i = 0; i < 4000; i++) {
      t += Math.floor(r() * 30_000);
      const pid = 200 + Math.floor(r() * 12);
      const res = r() < 0.05 ? -11 : 4096;
      const lat = (0.001 + r() * r() * 3).toFixed(6);
      rows.push(
        `${formatTimestamp(t)},${pid},p${pid},${r() < 0.7 ? 'READ' : 'WRITE'},5,0,4096,${res},${lat}\n`,
      );
    }
    const text = `${RECORDING_HEADER}\n${rows.join('')}`;
    const p = path.join(dir, name);
    writeFileSync(p, gzip ? zlib.gzipSync(text) : text);
    return p;
  }

  class CountingModel extends Model {
    resets = 0;
    restores = 0;
    override reset(): void {
      this.resets++;
      super.reset();
    }
    override restore(cp: ModelCheckpoint): void {
      this.restores++;
      super.restore(cp);
    }
  }
  const view = (m: Model) => m.snapshot({ windowUs: 2 * S, recentLimit: 30 });
  /** The model state a fresh open of `file` seeked straight to `t` gives (no checkpoints). */
  async function forward(file: string, t: number) {
    const fresh = new Model({ bufferSeconds: 5 });
    const f = await Playback.open(file, fresh, { checkpointEvents: 0 });
    await f.seek(t);
    const status = f.status;
    f.close();
    return { view: view(fresh), status };
  }

  it('a seek from a checkpoint gives exactly the state of playing forward, and re-reads nothing before it', async () => {
    const file = dense('cp.csv');
    const model = new CountingModel({ bufferSeconds: 5 });
    const r = await Playback.open(file, model, { checkpointEvents: 300 });
    await r.jumpToEnd();
    expect(r.status.checkpoints).toBeGreaterThanOrEqual(10);
    const resetsAfterOpen = model.resets;
    const targets = [
      BASE + 41.3 * S,
      BASE + 5 * S,
      BASE + 58 * S,
      BASE + 12 * S,
      BASE,
      BASE + 33.05 * S,
    ];
    for (const t of targets) {
      await r.seek(t);
      const want = await forward(file, t);
      expect(view(model), `seek to ${(t - BASE) / S} s`).toEqual(want.view);
      expect(r.status.positionUs).toBe(want.status.positionUs);
      expect(r.status.events).toBe(want.status.events);
    }
    // Every backwards seek (but the one before the first checkpoint) restored one instead of
    // starting over.
    expect(model.restores).toBeGreaterThanOrEqual(4);
    expect(model.resets - resetsAfterOpen).toBeLessThanOrEqual(1);
    r.close();
  });

  it('stays within its memory budget by thinning out, still exact', async () => {
    const file = dense('cp2.csv');
    const model = new Model({ bufferSeconds: 5 });
    const probe = await Playback.open(file, model, { checkpointEvents: 0 });
    await probe.seek(BASE + 30 * S);
    const one = model.checkpoint().bytes; // about what each will hold
    probe.close();
    const r = await Playback.open(file, model, { checkpointEvents: 100, checkpointBytes: 6 * one });
    await r.jumpToEnd();
    // 40 would have been taken at this spacing; the budget keeps a handful, spread out
    expect(r.status.checkpoints).toBeGreaterThan(1);
    expect(r.status.checkpoints).toBeLessThanOrEqual(7);
    expect(r.status.checkpointBytes).toBeLessThanOrEqual(6 * one);
    await r.seek(BASE + 20 * S);
    expect(view(model)).toEqual((await forward(file, BASE + 20 * S)).view);
    r.close();
  });

  it('keeps none when one state alone is over the budget, and seeks still work', async () => {
    const file = dense('cp6.csv');
    const model = new Model({ bufferSeconds: 5 });
    const r = await Playback.open(file, model, { checkpointEvents: 100, checkpointBytes: 1000 });
    await r.jumpToEnd();
    expect(r.status.checkpoints).toBe(0);
    await r.seek(BASE + 20 * S);
    expect(view(model)).toEqual((await forward(file, BASE + 20 * S)).view);
    r.close();
  });

  it('takes none for gzip or for a sink that cannot make them, and seeks still work', async () => {
    const gz = dense('cp3.csv.gz', true);
    const model = new Model({ bufferSeconds: 5 });
    const r = await Playback.open(gz, model, { checkpointEvents: 100 });
    await r.jumpToEnd();
    expect(r.status.checkpoints).toBe(0);
    await r.seek(BASE + 10 * S);
    expect(view(model)).toEqual((await forward(dense('cp4.csv'), BASE + 10 * S)).view);
    const sink = new FakeSink();
    const s = await Playback.open(dense('cp5.csv'), sink, { checkpointEvents: 10 });
    await s.jumpToEnd();
    expect(s.status.checkpoints).toBe(0);
    r.close();
    s.close();
  });
});
