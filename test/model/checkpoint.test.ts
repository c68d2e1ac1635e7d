import { describe, expect, it } from 'vitest';
import { Model, type ModelOptions } from '../../source/model/model.js';
import type { IoEvent } from '../../source/model/event.js';
import { ev, rng, SEC, T } from './helpers.js';

/** A busy, varied stream: 20 processes (more than the model keeps), errors, enters, names. */
function stream(n: number, seed: number, fromUs: number): IoEvent[] {
  const r = rng(seed);
  const out: IoEvent[] = [];
  let t = fromUs;
  for (let i = 0; i < n; i++) {
    t += Math.floor(r() * 40_000); // ~20 ms apart on average
    const pid = 100 + Math.floor(r() * 20);
    const op = [22, 23, 255, 3, 27, 26][Math.floor(r() * 6)];
    const err = r() < 0.05;
    out.push(
      ev({
        tsUs: t,
        pid,
        comm: r() < 0.02 ? `renamed-${pid}` : `proc-${pid}`,
        opcode: op,
        result: err ? -[11, 5, 62][Math.floor(r() * 3)] : op === 255 ? 4 : 4096,
        length: op === 255 ? 4 : 4096,
        latencyNs: op === 255 ? 2_000 : Math.floor(1_000 + r() * r() * 5_000_000),
      }),
    );
  }
  return out;
}

function play(m: Model, events: IoEvent[]): void {
  let next = 0;
  for (const e of events) {
    m.push(e);
    if (e.tsUs >= next) {
      m.advance(e.tsUs);
      m.snapshot(); // snapshots use scratch state: they must not leak into what is cloned
      next = e.tsUs + 250_000;
    }
  }
}

const OPTS: ModelOptions = { bufferEvents: 700, bufferSeconds: 10, maxProcesses: 8 };
const view = (m: Model) =>
  m.snapshot({ windowUs: 2 * SEC, recentLimit: 50, recentFilter: { pids: [101, 105] } });

describe('Model.checkpoint / restore', () => {
  it('a restored model continues exactly as the original: evictions, expiry, series, errors', () => {
    const a = stream(6000, 7, T); // ~2 min: series wrap, buffer overwrites and expiry
    const b = stream(3000, 8, a[a.length - 1].tsUs);
    const original = new Model(OPTS);
    play(original, a);
    original.setCaptureCounters({ lost: 3 });
    const cp = original.checkpoint();
    expect(cp.bytes).toBeGreaterThan(700 * 58 - 1);
    play(original, b); // the checkpoint is not disturbed by what the original does next

    const restored = new Model(OPTS);
    play(restored, stream(500, 99, T)); // whatever it held before is replaced
    restored.restore(cp);
    play(restored, b);
    expect(view(restored)).toEqual(view(original));
    expect(restored.snapshot({ recentFilter: undefined, recentLimit: 700 }).recent).toEqual(
      original.snapshot({ recentFilter: undefined, recentLimit: 700 }).recent,
    );

    // the same checkpoint restores again, to the same result
    const again = new Model(OPTS);
    again.restore(cp);
    play(again, b);
    expect(view(again)).toEqual(view(original));
    expect(view(original).processes.length).toBeLessThanOrEqual(8);
    expect(view(original).capture!.lost).toBe(3);
  });

  it('a checkpoint of an empty model restores to an empty model', () => {
    const m = new Model(OPTS);
    const cp = m.checkpoint();
    play(m, stream(100, 1, T));
    m.restore(cp);
    expect(view(m)).toEqual(view(new Model(OPTS)));
  });
});

describe('Model.checkpoint size', () => {
  it('with more events than the ring starts with: compact to keep, restored to the same room', () => {
    const opts: ModelOptions = { bufferEvents: 200_000, bufferSeconds: 600 };
    const original = new Model(opts);
    const events: IoEvent[] = [];
    for (let i = 0; i < 100_000; i++) events.push(ev({ tsUs: T + i * 100, pid: 100 + (i % 3) }));
    for (const e of events) original.push(e);
    const cp = original.checkpoint();
    const snap = original.snapshot();
    // 100 000 events in a ring grown to 131 072 slots; the checkpoint keeps 100 000
    expect(snap.buffer.allocatedBytes).toBe(131_072 * 58);
    expect(cp.bytes).toBeGreaterThanOrEqual(100_000 * 58);
    expect(cp.bytes).toBeLessThan(100_000 * 58 + 200_000);
    expect(original.checkpointBytes).toBe(cp.bytes);
    const more = stream(50_000, 3, T + 10 * SEC);
    for (const e of more) original.push(e);
    const restored = new Model(opts);
    restored.restore(cp);
    for (const e of more) restored.push(e);
    expect(restored.snapshot()).toEqual(original.snapshot()); // allocatedBytes included
  });
});
