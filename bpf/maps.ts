/**
 * The counter maps of the capture program, declared once: the generator writes them, the
 * collector (source/collect/counts.ts) reads their prints, and the control channel
 * (bpf/probes/control.ts) deletes the keys of processes that are gone, by each map's id.
 *
 * A completion is counted once, in @c, under its result class (resultClass below): the class says
 * whether it failed and with which errno, and for most reads and writes how many bytes it moved,
 * so one map update per completion gives operations, errors and bytes. Latencies go apart, into
 * weighted histograms (@lat, @el): each sampled latency counts for as many requests as it stands
 * for (see bpf/probes/sampling.ts), so the histograms stay right when latencies are sampled.
 */

import {
  FIGURES,
  type CounterMapSpec as CounterMap,
  type KeyPart,
} from '../source/model/figures.js';

export type { CounterMap, KeyPart };

/** bpftrace's type for a key part: result classes are signed (errno as −errno). */
export const keyType = (k: KeyPart): 'int64' | 'uint64' => (k === 'class' ? 'int64' : 'uint64');

/**
 * The maps of every operation's counts and latencies (the counted figures' come after). A
 * process's io_uring_enter calls are kept in the same maps, under the opcode IO_URING_ENTER (255,
 * which no request has: the kernel resets an invalid opcode to 0): @c[tgid, 255, result] counts
 * the calls by result (the operations submitted, or −errno), @by[tgid, 255] sums the results
 * above ENTER_CLASS_MAX, @lat[tgid, 255, bucket] is their latency. One map fewer to touch per
 * call is ~50 ns less in the traced thread (docs/performance.md): the calls' count shares its
 * cache lines and code path with the completions' count.
 */
const OPERATION_MAPS = [
  { name: 'c', id: 1, keys: ['tgid', 'opcode', 'class'], value: 'count', what: 'completions by result class' },
  { name: 'by', id: 2, keys: ['tgid', 'opcode'], value: 'sum', what: 'bytes of results whose class does not hold them' },
  { name: 'lat', id: 3, keys: ['tgid', 'opcode', 'bucket'], value: 'sum', what: 'latency histogram, weighted by the requests each sample stands for' },
] as const satisfies readonly CounterMap[]; // prettier-ignore

/**
 * The counter maps, in print order: the operations', then each counted figure's (figures.ts).
 * Every per-process map has the tgid as its first key.
 */
export const COUNTER_MAPS: readonly CounterMap[] = [
  ...OPERATION_MAPS,
  ...FIGURES.flatMap((f): readonly CounterMap[] => f.program.maps),
];

export type OperationMapName = (typeof OPERATION_MAPS)[number]['name'];
export type CounterName =
  OperationMapName | (typeof FIGURES)[number]['program']['maps'][number]['name'];

if (COUNTER_MAPS.some((m, i) => m.id !== i + 1))
  throw new Error('bpf/maps.ts: the counter maps must be numbered 1, 2, … in print order');

/**
 * The ring owners' map (ctx → tgid): not printed, deleted through the control channel too; its
 * number follows the counter maps'.
 */
export const OWNER_MAP_ID = COUNTER_MAPS.length + 1;

/**
 * The capture's own counters (keyless): completions the capture could not attribute or hold,
 * samples taken, events sent. Printed with the others.
 */
export const SCALAR_COUNTERS = [
  'dropped', // stores the in-flight map could not hold
  'unmatched', // CQEs without a request whose ring has no known owner
  'overflow', // every overflowed CQE
  'lsn', // latency samples taken of operations
  'elsn', // latency samples taken of io_uring_enter calls
  'emit', // events sent (sampled modes; every event otherwise)
] as const;

export type ScalarName = (typeof SCALAR_COUNTERS)[number];

/**
 * Result classes (the third key of @c): the result itself when it is an error
 * (negative), 0, or a byte count that is a multiple of 512 up to 1 MiB (what block reads and
 * writes return); 1 for any other positive result, whose bytes, for a read- or write-class
 * opcode, go to @by. So bytes = Σ class × n over classes ≥ 512, plus @by.
 */
export const CLASS_POSITIVE = 1;
export const CLASS_BYTES_MAX = 1 << 20;
/** io_uring_enter results above this are class ENTER_CLASS_MAX + 1, and summed in @by[tgid, 255]. */
export const ENTER_CLASS_MAX = 4096;

/** The result class of a result, as the program computes it. */
export function resultClass(res: number, byteOp: boolean): number {
  if (res <= 0) return res;
  if (byteOp && res <= CLASS_BYTES_MAX && res % 512 === 0) return res;
  return CLASS_POSITIVE;
}
