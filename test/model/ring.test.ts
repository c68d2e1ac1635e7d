import { describe, expect, it } from 'vitest';
import { EventRing, RING_BYTES_PER_EVENT } from '../../source/model/ring.js';
import { ev, T } from './helpers.js';

function contents(r: EventRing): number[] {
  const out: number[] = [];
  for (let i = 0; i < r.size; i++) out.push(r.tsUs[r.at(i)] - T);
  return out;
}

describe('EventRing', () => {
  it('stores an event in at most 100 bytes, column by column', () => {
    expect(RING_BYTES_PER_EVENT).toBe(58);
    const r = new EventRing(10);
    expect(r.allocatedBytes).toBe(10 * 58);
  });

  it('overwrites the oldest event when full and counts it', () => {
    const r = new EventRing(3);
    for (let i = 1; i <= 5; i++) r.push(ev({ tsUs: T + i }), 1, 0);
    expect(contents(r)).toEqual([3, 4, 5]);
    expect(r.overwritten).toBe(2);
    expect(r.oldestUs()).toBe(T + 3);
    expect(r.newestUs()).toBe(T + 5);
  });

  it('keeps the order when it grows while wrapped around', () => {
    const r = new EventRing(200_000);
    const cap = r.capacity;
    for (let i = 0; i < cap; i++) r.push(ev({ tsUs: T + i }), 1, 0);
    r.expireBefore(T + 10); // head moves to 10
    for (let i = cap; i < cap + 15; i++) r.push(ev({ tsUs: T + i }), 1, 0); // wraps, then grows
    expect(r.capacity).toBe(cap * 2);
    const got = contents(r);
    expect(got.length).toBe(cap + 5);
    expect(got[0]).toBe(10);
    expect(got[got.length - 1]).toBe(cap + 14);
    expect(got.every((v, i) => i === 0 || v === got[i - 1] + 1)).toBe(true);
  });

  it('keeps a running maximum of event times beside each event', () => {
    const r = new EventRing(10);
    for (const t of [5, 9, 7, 12, 3]) r.push(ev({ tsUs: T + t }), 1, 0);
    const seen: number[] = [];
    for (let i = 0; i < r.size; i++) seen.push(r.seenUs[r.at(i)] - T);
    expect(seen).toEqual([5, 9, 9, 12, 12]);
  });

  it('expires events older than a cutoff', () => {
    const r = new EventRing(10);
    for (let i = 0; i < 5; i++) r.push(ev({ tsUs: T + i * 10 }), 1, 0);
    r.expireBefore(T + 25);
    expect(contents(r)).toEqual([30, 40]);
    expect(r.expired).toBe(3);
  });

  it('stores every field of the event', () => {
    const r = new EventRing(4);
    r.push(
      ev({
        pid: 7,
        opcode: 255,
        fd: -100,
        offset: 2 ** 40,
        length: 3,
        result: -11,
        latencyNs: 5e9,
      }),
      42,
      9,
    );
    const p = r.at(0);
    expect([r.pid[p], r.row[p], r.comm[p], r.opcode[p], r.fd[p]]).toEqual([7, 42, 9, 255, -100]);
    expect([r.offset[p], r.length[p], r.result[p], r.hasResult[p], r.latencyNs[p]]).toEqual([
      2 ** 40,
      3,
      -11,
      1,
      5e9,
    ]);
  });
});
