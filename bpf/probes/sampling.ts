/**
 * Which requests (and io_uring_enter calls) the program keeps at entry: those whose latency is
 * sampled, and those whose event is sent. Counting needs neither (a completion is counted from
 * the request itself, see completion.ts), so what is kept is what costs, and it is bounded.
 *
 * A sampler, per CPU, in two stages:
 * - a budget: the first `perCpu` requests of each second are all taken (tokens, put back once a
 *   second by a profile probe on every CPU); a burst, or any workload below the rate, is whole;
 * - past it, one request in N at random, N following the rate so that samples come about every
 *   `gap` (the budget's pace).
 * A sample stands for the requests its chance covers (its weight: 1 from the budget, N from the
 * draw): the histograms sum the weights, an unbiased estimate whatever N did, exact within the
 * budget. The state is one u64 per CPU: the time of the last drawn sample (µs, 28 bits: it wraps
 * every 4.5 minutes, the gap is taken modulo), the tokens left (20 bits), and N (16 bits); read
 * once per request, written only when it takes one. It is kept in @e, the map of io_uring_enter
 * entries (keyed by thread id), under a key no thread id has (STATE_KEY): in a map of its own,
 * the request's first touch of that map's memory cost ~70 ns more per operation on fio
 * (docs/performance.md), the sampler state being read on every submission.
 *
 * Requests: the sampler above, with a latency budget. io_uring_enter calls: without events, a
 * plain one-in-ENTER_SAMPLE draw (no state: a map lookup on every call would cost as much as the
 * rest of the call's accounting). Under the event budget (the default: every event up to the
 * budget, a weighted sample above it), requests and calls share one sampler, with the event
 * budget, and its samples are the events sent.
 */
import { indent, probe, type ProgramContext } from '../context.js';

/** Without events: requests a CPU has every latency taken of, each second. */
export const LATENCY_BUDGET = 5000;
/** Without events, one io_uring_enter call in this many has its latency taken. */
export const ENTER_SAMPLE = 16;
/** The largest N (one request in N). */
export const MAX_WEIGHT = 0xffff;
/** N grows at most this much from one sample to the next (one short gap is not a rate). */
const MAX_GROWTH = 8;
/** The sampler's clock: ns >> this (about µs), TIME_BITS wide. */
const TIME_SHIFT = 10;
const TIME_BITS = 28;
const TOKEN_BITS = 20;
const N_BITS = 16;
const TOKEN_SHIFT = N_BITS;
const TIME_AT = N_BITS + TOKEN_BITS;
const mask = (bits: number): string => `0x${((1n << BigInt(bits)) - 1n).toString(16)}`;

/** Which stream a sampler serves: requests, or io_uring_enter calls. */
export type SampledKind = 'op' | 'enter';

/**
 * A CPU's sampler state's key in @e: the CPU with bit 32 set (thread ids are below 2^22). Requests
 * and calls share one sampler (calls have one only under the event budget, which is for both).
 */
const STATE_KEY = '(uint64)cpu | 0x100000000';
/** The state, read into $ss; a state stored. */
const readState = ['$sx = @e[' + STATE_KEY + '];', '$ss = $sx.0;'];
const storeState = (v: string): string => `@e[${STATE_KEY}] = (${v}, (uint64)0, (uint64)0);`;

/** Whether this stream has a sampler (else its decisions need no state). */
export function sampled(ctx: ProgramContext, kind: SampledKind): boolean {
  const ev = ctx.events.kind;
  if (ev === 'all') return false;
  if (ev === 'budget') return true;
  // latency sampling of requests needs counting at completion (elsewhere every request is kept)
  return kind === 'op' && ctx.counting === 'completion';
}

/** A CPU's budget a second: its share of the event budget, or the latency budget. */
function perCpu(ctx: ProgramContext): number {
  const ev = ctx.events;
  const n = ev.kind === 'budget' ? Math.ceil(ev.perSec / ctx.cpus) : LATENCY_BUDGET;
  return Math.min(n, 2 ** TOKEN_BITS - 1);
}

/**
 * Statements drawing from a CPU's sampler: `$w` its weight, 0 when it takes nothing. The clock is
 * read only when the draw takes one (bpf_ktime_get_ns costs ~100 ns here, under kvm-clock: more
 * than the rest of the decision), so N follows the rate from one drawn sample to the next.
 */
function draw(ctx: ProgramContext): string[] {
  const g = Math.max(1, Math.round(1e9 / perCpu(ctx) / (1 << TIME_SHIFT)));
  return [
    ...readState,
    // a CPU's first request: its budget is whole (the refill comes within the second), and N
    // is 1, so that a state is never 0 again (0 tokens and N 0 would read as a first request)
    `if ($ss == 0) { $ss = (uint64)((${perCpu(ctx)} << ${TOKEN_SHIFT}) | 1); }`,
    `$tk = (uint64)(($ss >> ${TOKEN_SHIFT}) & ${mask(TOKEN_BITS)});`,
    `$sn = (uint64)($ss & ${mask(N_BITS)});`,
    '$w = (uint64)0;',
    'if ($tk > 0) {',
    '  $w = (uint64)1;',
    `  ${storeState(`$ss - ${2 ** TOKEN_SHIFT}`)}`,
    '} else if ($sn <= 1 || rand % $sn == 0) {',
    '  if ($sn == 0) { $sn = (uint64)1; }',
    '  $w = $sn;',
    `  $now = (uint64)((nsecs >> ${TIME_SHIFT}) & ${mask(TIME_BITS)});`,
    `  $sg = (uint64)(($now - ($ss >> ${TIME_AT})) & ${mask(TIME_BITS)});`,
    `  $se = (uint64)($sn * ${g} / ($sg + 1));`,
    // a longer gap than wanted: the rate fell, follow it at once; a shorter one: half way
    `  if ($sg < ${g}) { $se = (uint64)(($se + $sn) / 2); }`,
    `  if ($se > $sn * ${MAX_GROWTH}) { $se = (uint64)($sn * ${MAX_GROWTH}); }`,
    '  if ($se < 1) { $se = (uint64)1; }',
    `  if ($se > ${MAX_WEIGHT}) { $se = (uint64)${MAX_WEIGHT}; }`,
    `  ${storeState(`($now << ${TIME_AT}) | $se`)}`,
    '}',
  ];
}

/**
 * Statements deciding, at a submission or an io_uring_enter, `$w` (the latency sample's weight,
 * 0 when not sampled) and `$emit` (1 when its event is to be sent).
 */
export function decide(ctx: ProgramContext, kind: SampledKind): string[] {
  const ev = ctx.events;
  if (ev.kind === 'all') return ['$w = (uint64)1;', '$emit = (uint64)1;'];
  // what the latency sample is, where no sampler decides it
  const plain =
    kind === 'enter'
      ? [`$w = rand % ${ENTER_SAMPLE} == 0 ? (uint64)${ENTER_SAMPLE} : (uint64)0;`]
      : ['$w = (uint64)1;']; // every request is kept (counted from its record)
  const latency = sampled(ctx, kind) ? draw(ctx) : plain;
  const emit =
    ev.kind === 'budget'
      ? ['$emit = $w != 0 ? (uint64)1 : (uint64)0;'] // the samples are the events
      : ev.kind === 'sample'
        ? [`$emit = rand % ${ev.every} == 0 ? (uint64)1 : (uint64)0;`]
        : ['$emit = (uint64)0;'];
  // counted from their records, requests are all kept: every latency is taken
  const exact = kind === 'op' && ctx.counting !== 'completion' ? ['$w = (uint64)1;'] : [];
  return [...latency, ...emit, ...exact];
}

/** Whether this program has a sampler (its state in @e). */
export const hasSampler = (ctx: ProgramContext): boolean =>
  sampled(ctx, 'op') || sampled(ctx, 'enter');

/** Once a second, on every CPU, the sampler's budget is put back whole. */
export function refillProbe(ctx: ProgramContext): string | undefined {
  if (!hasSampler(ctx)) return undefined;
  const keep = `0x${(((1n << 64n) - 1n) ^ (((1n << BigInt(TOKEN_BITS)) - 1n) << BigInt(TOKEN_SHIFT))).toString(16)}`;
  const body = [...readState, storeState(`($ss & ${keep}) | (${perCpu(ctx)} << ${TOKEN_SHIFT})`)];
  return probe('profile:hz:1', '', indent(body, '  '));
}
