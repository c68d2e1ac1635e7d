/**
 * The doctor's rules: each reads the counted figures of a window (figures.ts) and names what is
 * wrong, with the evidence and what to change. Pure: figures in, findings out. The thresholds
 * and why each is where it is: docs/doctor.md. Each threshold has an `on` level, at which a
 * finding appears, and a lower `off` level, under which it goes (hysteresis: a figure that
 * hovers about one level does not make a finding come and go every second).
 */
import type { Finding, RuleName, Severity } from './finding.js';
import type { Figures, OpFigures, ProcFigures } from './figures.js';
import {
  batchFix,
  enobufsFix,
  failureFix,
  linksFix,
  msEndsFix,
  overflowFix,
  pollFix,
  puntFix,
  shortFix,
  sqpollFix,
  workersFix,
} from './fixes.js';

/** A level at which a finding appears, and the lower one under which it goes. */
export interface Level {
  readonly on: number;
  readonly off: number;
}

/** Every threshold, in one place (docs/doctor.md says why each is where it is). */
export const THRESHOLDS = {
  /** Share of an opcode's operations punted to io-wq, with at least `min` punts in the window. */
  punts: { share: { on: 0.2, off: 0.1 }, min: 50 },
  /** io-wq workers past 4 × online CPUs (the default cap of bounded workers). */
  iowqWorkers: { perCpu: 4 },
  /** Any CQE on the overflow list in the window. */
  overflow: { min: 1 },
  /** SQPOLL thread CPU (% of one CPU) and its CPU time per operation (µs). */
  sqpoll: { cpuPct: { on: 25, off: 15 }, usPerOp: { on: 100, off: 50 } },
  /** io_uring_enter calls a second, at most `perCall` operations submitted per call. */
  batches: { callsPerSec: { on: 5000, off: 2500 }, perCall: 1.5 },
  /** Share of an opcode's operations that armed a poll, and poll arms a second. */
  poll: { share: { on: 0.5, off: 0.3 }, perSec: { on: 100, off: 50 } },
  /** ENOBUFS results in the window. */
  enobufs: { min: { on: 10, off: 1 } },
  /** Multishot endings as a share of the opcode's CQEs, with at least `min` in the window. */
  msEnds: { share: { on: 0.1, off: 0.05 }, min: 20 },
  /** Short results as a share of an opcode's operations, with at least `min` in the window. */
  short: { share: { on: 0.1, off: 0.05 }, min: 50 },
  /** Failures of one errno: a warning from `min` and `share` of the opcode's operations. */
  failures: { min: 10, share: 0.01 },
  /** Broken links: a warning from `min` in the window. */
  links: { min: 10 },
} as const;

/** Opcodes io_uring never tries without blocking: each one runs in an io-wq worker by design. */
export const ALWAYS_ASYNC = new Set([
  'FSYNC',
  'SYNC_FILE_RANGE',
  'FALLOCATE',
  'SPLICE',
  'TEE',
  'FTRUNCATE',
  'MADVISE',
  'FADVISE',
  'STATX',
  'RENAMEAT',
  'UNLINKAT',
  'MKDIRAT',
  'SYMLINKAT',
  'LINKAT',
  'FSETXATTR',
  'SETXATTR',
  'FGETXATTR',
  'GETXATTR',
]);

const ENOBUFS = 105;

/** The peaks of a ring's fdinfo over the window (live): CQEs waiting, and on the overflow list. */
export interface RingPeak {
  readonly pid: number;
  readonly fd: number;
  readonly cqEntries?: number;
  readonly cqPending: number;
  readonly overflowList: number;
  /** SqWorkTime and SqTotalTime over the window (µs, 6.13+), for an SQPOLL ring. */
  readonly sqWorkUs?: number;
  readonly sqTotalUs?: number;
}

export interface RulesInput {
  /** The counts over the window (figures.ts: windowOf). */
  readonly window: Figures;
  /** Its length (s). */
  readonly seconds: number;
  /** Online CPUs, where known (live). */
  readonly cpus?: number;
  /** Per `${pid}:${fd}`: the rings' peaks over the window (live). */
  readonly rings?: ReadonlyMap<string, RingPeak>;
  /** The keys of the findings of the previous evaluation (hysteresis). */
  readonly active?: ReadonlySet<string>;
  /** The threads' figures are the session's (their CPU over the capture), not the last sample's. */
  readonly session?: boolean;
}

/** A count as words show it: 20,000. */
const formatCount = (v: number): string => v.toLocaleString('en-US');
/** A share as words show it; a window can hold an arm or a punt before its completion: at most 100%. */
const pct = (v: number): string => `${(Math.min(v, 1) * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
const round = (v: number, d = 2): number => Math.round(v * 10 ** d) / 10 ** d;

/** What a rule is given: one process, and a way to build its findings. */
interface Ctx {
  readonly p: ProcFigures;
  readonly input: RulesInput;
  readonly sec: number;
  /** Whether `value` is past the level, given whether the finding `key` was active. */
  past(key: string, value: number, level: Level): boolean;
  add(
    rule: RuleName,
    severity: Severity,
    what: string,
    evidence: Record<string, number | string | null>,
    fix: string,
    weight: number,
    where?: { opcode?: string; ring?: number; key?: string },
  ): void;
}

const keyOf = (rule: RuleName, pid: number, extra = ''): string => `${rule}:${pid}:${extra}`;

/**
 * The share `count / o.ops` when it is past `level` (with at least `min` counted), for the
 * finding `rule` of this opcode; undefined otherwise. Returns its key too.
 */
function shareOf(
  c: Ctx,
  o: OpFigures,
  rule: RuleName,
  count: number,
  t: { share: Level; min: number },
): { share: number; key: string } | undefined {
  if (o.ops === 0 || count < t.min) return undefined;
  const share = count / o.ops;
  const key = keyOf(rule, c.p.pid, o.opName);
  return c.past(key, share, t.share) ? { share, key } : undefined;
}

function punts(c: Ctx, o: OpFigures): void {
  const past = shareOf(c, o, 'punts', o.punted, THRESHOLDS.punts);
  if (past === undefined) return;
  const { share, key } = past;
  const byDesign = ALWAYS_ASYNC.has(o.opName);
  c.add(
    'punts',
    byDesign ? 'info' : 'warning',
    `${formatCount(o.punted)} of ${formatCount(o.ops)} ${o.opName} (${pct(share)}) went to io-wq workers`,
    {
      ops: o.ops,
      punted: o.punted,
      share: round(share, 3),
      punted_per_s: round(o.punted / c.sec, 1),
    },
    puntFix(o.opName, byDesign),
    o.punted / c.sec,
    { opcode: o.opName, key },
  );
}

function workers(c: Ctx): void {
  const t = c.p.threads;
  const cpus = c.input.cpus;
  if (t === undefined) return;
  const cap = cpus !== undefined ? THRESHOLDS.iowqWorkers.perCpu * cpus : undefined;
  const key = keyOf('iowq_workers', c.p.pid);
  // the session's most, or (live) those now: a count that stays high, not a past peak
  const n = c.input.session ? t.maxWorkers : t.workers;
  const many = cap !== undefined && c.past(key, n, { on: cap + 1, off: cap / 2 + 1 });
  if (!many && !t.growing) return;
  c.add(
    'iowq_workers',
    'warning',
    t.growing
      ? `io-wq workers keep growing: ${t.workers} now, ${t.maxWorkers} at most`
      : `${n} io-wq workers, over ${cap} (4 × ${cpus} CPUs, the default cap of bounded workers)`,
    {
      workers: t.workers,
      max_workers: t.maxWorkers,
      growing: t.growing ? 1 : 0,
      bounded_cap: cap ?? null,
      cpus: cpus ?? null,
    },
    workersFix(),
    n,
    { key },
  );
}

function overflow(c: Ctx): void {
  const p = c.p;
  if (p.overflow < THRESHOLDS.overflow.min) return;
  const peaks = [...(c.input.rings?.values() ?? [])].filter((r) => r.pid === p.pid);
  // the ring whose overflow list was seen in use, else the fullest
  const ring =
    peaks.sort((a, b) => b.overflowList - a.overflowList || b.cqPending - a.cqPending)[0] ??
    undefined;
  const cq = ring?.cqEntries ?? (p.rings.length === 1 ? p.rings[0].cqEntries : undefined);
  const inFlight = ring !== undefined && cq !== undefined ? cq + ring.overflowList : undefined;
  c.add(
    'cq_overflow',
    'warning',
    `${formatCount(p.overflow)} CQEs overflowed the CQ` +
      (cq !== undefined ? ` of ${cq} entries` : '') +
      (ring && ring.overflowList > 0
        ? ` (up to ${ring.overflowList} waiting on the overflow list)`
        : ''),
    {
      overflowed: p.overflow,
      overflowed_per_s: round(p.overflow / c.sec, 1),
      completed: p.ops,
      cq_entries: cq ?? null,
      peak_overflow_list: ring ? ring.overflowList : null,
      peak_cq_ready: ring ? ring.cqPending : null,
    },
    overflowFix(cq, inFlight),
    p.overflow / c.sec,
    { ring: ring?.fd, key: keyOf('cq_overflow', p.pid) },
  );
}

function sqpoll(c: Ctx): void {
  const t = c.p.threads;
  if (t === undefined || (t.sqpoll === 0 && t.maxSqpoll === 0)) return;
  const cpuPct = c.input.session ? t.sqpollAvgCpuPct : t.sqpollCpuPct;
  if (cpuPct === undefined) return;
  const th = THRESHOLDS.sqpoll;
  const key = keyOf('sqpoll_busy', c.p.pid);
  const cpuSec = (cpuPct / 100) * c.sec;
  const usPerOp = c.p.ops > 0 ? (cpuSec * 1e6) / c.p.ops : Infinity;
  if (!c.past(key, cpuPct, th.cpuPct) || !c.past(key, usPerOp, th.usPerOp)) return;
  const ring = [...(c.input.rings?.values() ?? [])].find(
    (r) => r.pid === c.p.pid && r.sqTotalUs !== undefined && r.sqTotalUs > 0,
  );
  const work = ring ? (ring.sqWorkUs ?? 0) / (ring.sqTotalUs as number) : undefined;
  c.add(
    'sqpoll_busy',
    'warning',
    `the SQPOLL thread used ${cpuPct.toFixed(0)}% of a CPU for ${formatCount(c.p.ops)} operations` +
      (Number.isFinite(usPerOp) ? ` (${formatCount(Math.round(usPerOp))} µs of CPU each)` : ''),
    {
      sqpoll_cpu_pct: round(cpuPct, 1),
      ops: c.p.ops,
      ops_per_s: round(c.p.ops / c.sec, 1),
      cpu_us_per_op: Number.isFinite(usPerOp) ? round(usPerOp, 1) : null,
      sq_work_share: work === undefined ? null : round(work, 3),
    },
    sqpollFix(),
    cpuPct,
    { ring: ring?.fd, key },
  );
}

function batches(c: Ctx): void {
  const p = c.p;
  if (p.calls === 0) return;
  const perSec = p.calls / c.sec;
  const perCall = p.submitted / p.calls;
  const th = THRESHOLDS.batches;
  const key = keyOf('small_batches', p.pid);
  if (perCall > th.perCall || !c.past(key, perSec, th.callsPerSec)) return;
  const fewer = Math.round(perSec - p.submitted / 8 / c.sec);
  c.add(
    'small_batches',
    'warning',
    `${formatCount(Math.round(perSec))} io_uring_enter calls a second, ${perCall.toFixed(2)} operations submitted each`,
    {
      calls: p.calls,
      submitted: p.submitted,
      calls_per_s: round(perSec, 1),
      submitted_per_call: round(perCall, 2),
      calls_saved_per_s_at_8: fewer,
    },
    batchFix(fewer),
    perSec,
    { key },
  );
}

function poll(c: Ctx, o: OpFigures): void {
  if (o.ops === 0 || o.poll === 0) return;
  const share = o.poll / o.ops;
  const perSec = o.poll / c.sec;
  const key = keyOf('poll_arms', c.p.pid, o.opName);
  const th = THRESHOLDS.poll;
  if (!c.past(key, share, th.share) || !c.past(key, perSec, th.perSec)) return;
  c.add(
    'poll_arms',
    'info',
    `${formatCount(o.poll)} of ${formatCount(o.ops)} ${o.opName} (${pct(share)}) found nothing ready and armed a poll`,
    { ops: o.ops, poll_arms: o.poll, share: round(share, 3), poll_arms_per_s: round(perSec, 1) },
    pollFix(o.opName),
    perSec,
    { opcode: o.opName, key },
  );
}

function enobufs(c: Ctx, o: OpFigures): void {
  const e = c.p.errnos.get(`${o.opcode}:${ENOBUFS}:0`);
  if (e === undefined || e.count === 0) return;
  const key = keyOf('enobufs', c.p.pid, o.opName);
  if (!c.past(key, e.count, THRESHOLDS.enobufs.min)) return;
  c.add(
    'enobufs',
    'warning',
    `${formatCount(e.count)} ${o.opName} found no provided buffer (ENOBUFS)`,
    { ops: o.ops, enobufs: e.count, enobufs_per_s: round(e.count / c.sec, 1) },
    enobufsFix(),
    e.count / c.sec,
    { opcode: o.opName, key },
  );
}

function msEnds(c: Ctx, o: OpFigures): void {
  if (o.msEnds === undefined || o.msEnds < THRESHOLDS.msEnds.min || o.ops === 0) return;
  const share = o.msEnds / o.ops;
  const key = keyOf('multishot_ends', c.p.pid, o.opName);
  if (!c.past(key, share, THRESHOLDS.msEnds.share)) return;
  const e = c.p.errnos.get(`${o.opcode}:${ENOBUFS}:0`);
  c.add(
    'multishot_ends',
    'warning',
    `${formatCount(o.msEnds)} multishot ${o.opName} ended (a CQE without IORING_CQE_F_MORE), one in ${Math.max(1, Math.round(o.ops / o.msEnds))} CQEs`,
    {
      cqes: o.ops,
      ended: o.msEnds,
      cqes_per_arm: round(o.ops / o.msEnds, 1),
      enobufs: e?.count ?? 0,
    },
    msEndsFix(o.opName, (e?.count ?? 0) > 0),
    o.msEnds / c.sec,
    { opcode: o.opName, key },
  );
}

function short(c: Ctx, o: OpFigures): void {
  const past = shareOf(c, o, 'short_io', o.short, THRESHOLDS.short);
  if (past === undefined) return;
  const { share, key } = past;
  const write = /WRITE|SEND/.test(o.opName);
  c.add(
    'short_io',
    write ? 'warning' : 'info',
    `${formatCount(o.short)} of ${formatCount(o.ops)} ${o.opName} (${pct(share)}) moved fewer bytes than asked`,
    { ops: o.ops, short: o.short, share: round(share, 3) },
    shortFix(write),
    o.short / c.sec,
    { opcode: o.opName, key },
  );
}

function failures(c: Ctx): void {
  for (const e of c.p.errnos.values()) {
    if (e.expected || e.count === 0 || e.errno === ENOBUFS) continue;
    const ops = c.p.opcodes.get(e.opcode)?.ops ?? 0;
    const t = THRESHOLDS.failures;
    const bad = e.count >= t.min && (ops === 0 || e.count / ops >= t.share);
    c.add(
      'failures',
      bad ? 'warning' : 'info',
      `${formatCount(e.count)} ${e.opName} failed with ${e.name}` +
        (ops > 0 ? ` (${pct(e.count / ops)} of ${formatCount(ops)})` : ''),
      {
        ops,
        failed: e.count,
        errno: e.errno,
        error: e.name,
        failed_per_s: round(e.count / c.sec, 1),
      },
      failureFix(e.name, e.opName),
      e.count / c.sec,
      { opcode: e.opName, key: keyOf('failures', c.p.pid, `${e.opName}:${e.name}`) },
    );
  }
}

function links(c: Ctx, o: OpFigures): void {
  if (o.links === 0) return;
  // the errno its requests failed with most (what broke the chains)
  let top: { name: string; count: number } | undefined;
  for (const e of c.p.errnos.values())
    if (e.opcode === o.opcode && !e.expected && (top === undefined || e.count > top.count)) top = e;
  c.add(
    'broken_links',
    o.links >= THRESHOLDS.links.min ? 'warning' : 'info',
    `${formatCount(o.links)} linked requests cancelled because a ${o.opName} before them failed` +
      (top ? ` (${o.opName} failed with ${top.name} ${formatCount(top.count)} times)` : ''),
    { broken: o.links, ops: o.ops, head_error: top?.name ?? null, head_failed: top?.count ?? null },
    linksFix(o.opName, top?.name),
    o.links / c.sec,
    { opcode: o.opName, key: keyOf('broken_links', c.p.pid, o.opName) },
  );
}

/** Every finding over the window, in no particular order (finding.ts: worstFirst). */
export function evaluate(input: RulesInput): Finding[] {
  const out: Finding[] = [];
  const sec = Math.max(input.seconds, 1e-3);
  const d = input.window.diagnostics;
  for (const p of input.window.procs.values()) {
    const c: Ctx = {
      p,
      input,
      sec,
      past: (key, value, level) => value >= (input.active?.has(key) ? level.off : level.on),
      add: (rule, severity, what, evidence, fix, weight, where = {}) =>
        out.push({
          rule,
          severity,
          pid: p.pid,
          comm: p.comm,
          ...(where.opcode !== undefined ? { opcode: where.opcode } : {}),
          ...(where.ring !== undefined ? { ring: where.ring } : {}),
          what,
          evidence: { window_s: round(input.seconds, 1), ...evidence },
          fix,
          weight,
          key: where.key ?? keyOf(rule, p.pid),
        }),
    };
    if (d?.overflow) overflow(c);
    workers(c);
    sqpoll(c);
    batches(c);
    for (const o of p.opcodes.values()) {
      if (d?.punted) punts(c, o);
      if (d?.poll) poll(c, o);
      enobufs(c, o);
      msEnds(c, o);
      if (d?.short) short(c, o);
      if (d?.links) links(c, o);
    }
    failures(c);
  }
  return out;
}
