import { emptyOpCounts, type OpCounts } from '../../source/model/counts.js';
import { emptyEvent, type IoEvent } from '../../source/model/event.js';
import type { Diagnostics } from '../../source/model/snapshot.js';

/** A whole Unix second (µs), so that second boundaries in tests are easy to compute by hand. */
export const T = 1_700_000_000_000_000;
export const SEC = 1_000_000;
export const MS = 1_000;

/** An event with sensible defaults: a successful 4 KiB READ by pid 100 "app", 10 µs latency. */
export function ev(fields: Partial<IoEvent> = {}): IoEvent {
  return {
    ...emptyEvent(),
    tsUs: T,
    pid: 100,
    comm: 'app',
    opcode: 22,
    fd: 5,
    length: 4096,
    result: 4096,
    hasResult: true,
    latencyNs: 10_000,
    ...fields,
  };
}

/** mulberry32: a small seeded PRNG, so random tests are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** |actual − expected| / expected. */
export function relErr(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

/** A row of exact counts with defaults: pid 100 "app", READ, nothing counted yet. */
export function opCounts(fields: Partial<OpCounts> = {}): OpCounts {
  return { ...emptyOpCounts(100, 'app', 22), ...fields };
}

/** Every diagnostic counted (a capture on a kernel with all their tracepoints). */
export const ALL_DIAGNOSTICS: Readonly<Diagnostics> = {
  punted: true,
  poll: true,
  short: true,
  failed: true,
  links: true,
  overflow: true,
  other: true,
  msEnds: true,
};
