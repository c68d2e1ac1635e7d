/**
 * What every probe builder shares: the spec, the kernel's features, the filter predicates, the
 * token framing of printed lines, the staging of event records, and the choices that follow from
 * them (how completions are counted, which events are sent).
 *
 * Nothing typed by a user reaches the text unchecked: the filter's values are validated here
 * again (numbers must be integers in range, the command name a short plain word), whatever the
 * caller already did.
 */
import { IO_URING_ENTER } from '../source/model/opcodes.js';
import { FIGURE_KEYS, type Diagnostics, type FigureKey } from '../source/model/figures.js';
import type {
  CaptureFilter,
  CgroupMatch,
  EventLines,
  KernelFeatures,
  ProgramSpec,
  Tier,
} from './spec.js';

/** Why --cgroup cannot be filtered on this kernel. */
export const CGROUP_NEEDS_BTF =
  "--cgroup needs the kernel's BTF type information (/sys/kernel/btf/vmlinux, struct cgroup) to match a cgroup and its descendants in the kernel; filter by --pid or --comm instead";

/**
 * A command name as the kernel stores it (≤ 15 bytes), restricted to characters safe in a string
 * literal; a trailing `*` makes it a prefix (`post*`).
 */
export const COMM_PATTERN = /^[A-Za-z0-9_.:+@%=,-][A-Za-z0-9_.:+@%=, /-]{0,14}\*?$/;

/**
 * Events to a line: a CPU holds up to one less, and sends them with the one that fills the line.
 * Five is the most bpftrace 0.17 fits in the completion probe's 512-byte BPF stack (the held
 * records are copied out, and the line's arguments are built, on it: six do not compile). A
 * line's fixed cost (a perf event, its wakeup: 5-8 µs on the traced thread here) is shared by
 * five events.
 */
export const EVENT_BATCH = 5;
/** A busy CPU sends what it holds at least this many times a second. */
export const FLUSH_HZ = 10;

/** Event flags (bits 22-23 of `a`). */
export const FLAG_NO_SUBMIT = 1; // completion without a submit record (in flight at start, or not sampled)
export const FLAG_MULTISHOT = 2; // an intermediate completion of a multishot request (latency since the previous)

/** IOSQE_CQE_SKIP_SUCCESS (REQ_F_CQE_SKIP): a request that posts no CQE when it succeeds. */
export const REQ_F_CQE_SKIP = 0x40;
/** IORING_CQE_F_MORE: more CQEs follow for this request. */
export const CQE_F_MORE = 2;
/** IORING_CQE_F_NOTIF: a zero-copy send's notification (its request made by the kernel). */
export const CQE_F_NOTIF = 8;
/** PF_KTHREAD: a kernel thread (a kworker tearing a ring down posts its last CQEs). */
export const PF_KTHREAD = 0x00200000;

/**
 * How completions are counted:
 * - 'completion': at the completion alone, from the request (its opcode through BTF) and the
 *   completing task's process (io-wq and SQPOLL threads are the application's; a kernel worker
 *   is replaced by the request's submitting task). The submission only keeps the requests whose
 *   latency is sampled or whose event is sent. Needs `req` at completion and BTF (tier 1, 5.18+).
 * - 'record': every submission is kept, and its completion counted from that record (older
 *   kernels, or no BTF).
 * - 'none': no io_uring tracepoints (tier 3): io_uring_enter calls only.
 */
export type Counting = 'completion' | 'record' | 'none';

export const NO_DIAGNOSTICS: Diagnostics = Object.fromEntries(
  FIGURE_KEYS.map((k) => [k, false]),
) as Record<FigureKey, boolean>;

/**
 * What a program of this tier, on a kernel with these features, counts. Short results need the
 * length asked, read at submission with BTF (tier 1): counted on the requests whose submission
 * is kept, weighted like their latencies (so an estimate where latencies are sampled). Each
 * counted figure (source/model/figures.ts) has its line.
 */
/**
 * Whether the program counts multishot endings: a request's final CQE carries the request
 * (completion counting), whose flags say it was multishot (the enum bit from BTF, tier 1).
 */
export function multishotEndsCounted(tier: Tier, f: KernelFeatures): boolean {
  return (
    tier === 1 && f.completeHasReq && f.completeHasCflags && f.btf.apollMultishotBit !== undefined
  );
}

export function diagnosticsOf(tier: Tier, f: KernelFeatures): Diagnostics {
  if (tier === 3 || f.submitTracepoint === undefined) return NO_DIAGNOSTICS;
  return {
    punted: f.hasAsyncWork === true,
    poll: f.hasPollArm === true,
    short: tier === 1 && (f.btf.ioRw || f.btf.ioSrMsg),
    failed: f.hasReqFailed,
    links: f.hasFailLink === true,
    overflow: f.hasCqeOverflow,
    other: f.completeHasReq,
    msEnds: multishotEndsCounted(tier, f),
  } satisfies Record<FigureKey, boolean>;
}

export function validateFilter(filter: CaptureFilter): string | undefined {
  for (const pid of filter.pids) {
    if (!Number.isInteger(pid) || pid < 1 || pid > 4194304) {
      return `invalid pid ${String(pid)}: expected a whole number from 1 to 4194304`;
    }
  }
  if (filter.comms && filter.comms.length === 0) return 'empty command filter';
  for (const comm of filter.comms ?? []) {
    if (!COMM_PATTERN.test(comm))
      return `invalid command name ${JSON.stringify(comm)}: use 1-15 letters, digits, spaces or _.:+@%=,-/`;
  }
  if (filter.cgroups && filter.cgroups.length === 0) return 'empty cgroup filter';
  for (const cg of filter.cgroups ?? []) {
    if (!CGROUP_ID.test(cg.id) || BigInt(cg.id) > 2n ** 63n - 1n)
      return `invalid cgroup id ${JSON.stringify(cg.id)}`;
    if (!Number.isInteger(cg.level) || cg.level < 0 || cg.level > MAX_CGROUP_LEVEL)
      return `invalid cgroup level ${String(cg.level)}`;
  }
  for (const op of filter.opcodes ?? []) {
    if (!Number.isInteger(op) || op < 0 || op > 255) return `invalid opcode ${String(op)}`;
  }
  if (filter.opcodes && filter.opcodes.length === 0) return 'empty opcode filter';
  return undefined;
}

/** A cgroup id in decimal (1 is the root). */
const CGROUP_ID = /^[1-9][0-9]{0,18}$/;
/** The deepest cgroup --cgroup may name (the kernel's own default limit is far beyond use). */
export const MAX_CGROUP_LEVEL = 256;

export function anyOf(expr: string, values: readonly number[]): string {
  return values.map((v) => `${expr} == ${v}`).join(' || ');
}

export function and(...preds: string[]): string {
  const p = preds.filter((x) => x.length > 0);
  return p.length === 0 ? '' : p.join(' && ');
}

/** A probe's predicate line (parenthesised: one starting with `*` would open a comment). */
export function guard(pred: string): string {
  return pred.length > 0 ? `/(${pred})/\n` : '';
}

/** A probe: its attach point, predicate and body. */
export function probe(point: string, pred: string, body: readonly string[]): string {
  return `${point}\n${guard(pred)}{\n${body.join('\n')}\n}`;
}

/**
 * The tracepoint's request, ring and user_data, read once into variables at the top of a probe:
 * bpftrace 0.17 may otherwise keep `args` plus an offset in a register across branches, and the
 * verifier refuses to read through a moved context pointer.
 */
export function argLoads(has: {
  req?: boolean;
  ctx?: boolean;
  ud?: boolean;
  res?: boolean;
  cflags?: boolean;
}): string[] {
  return [
    ...(has.req ? ['$req = (uint64)args->req;'] : []),
    ...(has.ctx ? ['$rctx = (uint64)args->ctx;'] : []),
    ...(has.ud ? ['$ud = (uint64)args->user_data;'] : []),
    ...(has.res ? ['$res = (int64)args->res;'] : []),
    ...(has.cflags ? ['$cf = (uint64)args->cflags;'] : []),
  ];
}

export const indent = (lines: readonly string[], by: string): string[] =>
  lines.map((l) => `${by}${l}`);

/**
 * The command-name test on a task expression (`curtask`, or the owner of a request): as two
 * 64-bit words of its group leader's task_struct (the name padded with NULs to 16 bytes, its
 * terminating NUL included, the bytes after it masked off), or, without the offset, as a string
 * compare.
 */
function commPredicate(pattern: string, offset: number | undefined, task: string): string {
  // `name`: the whole name (its NUL compared too); `name*`: its first bytes only
  const prefix = pattern.endsWith('*');
  const comm = prefix ? pattern.slice(0, -1) : pattern;
  if (offset === undefined) {
    return prefix
      ? `strncmp(${task}->group_leader->comm, "${comm}", ${comm.length}) == 0`
      : `${task}->group_leader->comm == "${comm}"`;
  }
  if (!Number.isInteger(offset) || offset < 0 || offset > 65536) throw new Error('bad comm offset');
  const bytes = Buffer.alloc(16);
  bytes.write(comm, 'latin1');
  const used = prefix ? comm.length : comm.length + 1; // with its NUL when whole
  const words: string[] = [];
  for (let w = 0; w < 2 && w * 8 < used; w++) {
    const n = Math.min(8, used - w * 8);
    const value = bytes.readBigUInt64LE(w * 8);
    const mask = n === 8 ? 0xffffffffffffffffn : (1n << BigInt(n * 8)) - 1n;
    const read = `*(uint64 *)((uint64)${task}->group_leader + ${offset + w * 8})`;
    words.push(
      n === 8
        ? `${read} == 0x${value.toString(16)}`
        : `(${read} & 0x${mask.toString(16)}) == 0x${value.toString(16)}`,
    );
  }
  return `(${words.join(' && ')})`;
}

/**
 * The cgroup test on a task expression: its cgroup v2 (`dfl_cgrp`) is one of these or below one,
 * in the kernel: the ancestor at the cgroup's level is that cgroup. The current task first asks
 * bpftrace's `cgroup` builtin (one helper call) for the cgroup itself. Offsets come from BTF
 * (KernelFeatures.cgroupWalk), ids from the validated filter: no text of the user's goes in.
 */
function cgroupPredicate(
  cgroups: readonly CgroupMatch[],
  walk: NonNullable<KernelFeatures['cgroupWalk']>,
  task: string,
): string {
  const offsets = 'ancestorIds' in walk ? [walk.ancestorIds] : [walk.ancestors, walk.kn, walk.knId];
  if (!offsets.every((o) => Number.isInteger(o) && o >= 0 && o < 65536))
    throw new Error('bad cgroup offsets');
  const cg = `${task}->cgroups->dfl_cgrp`;
  const terms = cgroups.map((c) => {
    const ancestor =
      'ancestorIds' in walk
        ? `*(uint64 *)((uint64)${cg} + ${walk.ancestorIds + 8 * c.level})`
        : `*(uint64 *)(*(uint64 *)(*(uint64 *)((uint64)${cg} + ${walk.ancestors + 8 * c.level}) + ${walk.kn}) + ${walk.knId})`;
    const under = `(${cg}->level >= ${c.level} && ${ancestor} == ${c.id})`;
    return task === 'curtask' ? `cgroup == ${c.id} || ${under}` : under;
  });
  return `(${terms.join(' || ')})`;
}

export class ProgramContext {
  readonly tier: Tier;
  readonly f: KernelFeatures;
  readonly filter: CaptureFilter;
  readonly events: EventLines;
  readonly counting: Counting;
  /** Event lines are sent at all. */
  readonly sendsEvents: boolean;
  /** io_uring_enter calls are counted (the opcode filter, if any, names IO_URING_ENTER). */
  readonly wantEnter: boolean;
  /** fd, offset and length are read at submission (for the events, and short results). */
  readonly readsFields: boolean;
  /** The process named by a request at completion can be a kernel worker's: read the owner. */
  readonly ownerAtCompletion: boolean;
  readonly cpus: number;
  readonly diagnostics: Diagnostics;
  private readonly token: string;
  private readonly perCpuCounters: boolean;

  constructor(readonly spec: ProgramSpec) {
    const { tier, token, features: f, filter } = spec;
    if (!/^[0-9a-f]{8,32}$/.test(token)) throw new Error('token must be 8-32 hex digits');
    const invalid = validateFilter(filter);
    if (invalid) throw new Error(invalid);
    const events = spec.events ?? { kind: 'all' };
    if (events.kind === 'sample' && (!Number.isInteger(events.every) || events.every < 2))
      throw new Error('sample must be a whole number of at least 2');
    if (
      events.kind === 'budget' &&
      (!Number.isInteger(events.perSec) || events.perSec < 1 || events.perSec > 100_000_000)
    )
      throw new Error('the event budget must be a whole number of events a second');
    const c = spec.control;
    if (
      c &&
      !(
        Number.isInteger(c.pid) &&
        c.pid > 0 &&
        Number.isInteger(c.fd) &&
        c.fd >= 0 &&
        Number.isSafeInteger(c.magic) &&
        c.magic > 0
      )
    )
      throw new Error('bad control channel');
    this.cpus = Math.max(1, Math.floor(spec.cpus ?? 1));
    this.perCpuCounters = spec.perCpuCounters === true;
    this.tier = tier;
    this.f = f;
    this.filter = filter;
    this.events = events;
    this.token = token;
    this.counting =
      tier === 3 || f.submitTracepoint === undefined
        ? 'none'
        : tier === 1 && f.completeHasReq && f.submitHasReq && f.btf.kiocbCqeFd
          ? 'completion'
          : 'record';
    this.sendsEvents = events.kind !== 'none';
    this.wantEnter = !filter.opcodes || filter.opcodes.includes(IO_URING_ENTER);
    this.readsFields = tier === 1 && this.counting !== 'none';
    this.ownerAtCompletion = this.counting === 'completion' && f.btf.kiocbTctxTask === true;
    this.diagnostics = diagnosticsOf(tier, f);
  }

  /**
   * The first key of a counter map (bpf/maps.ts) for process `tgid`: the tgid, with the CPU
   * above it where a key's first events on two CPUs at once could lose one (spec.perCpuCounters).
   */
  key0(tgid: string): string {
    if (!this.perCpuCounters) return tgid;
    const t = /^(\(uint64\))?[$\w]+$/.test(tgid) ? tgid : `(${tgid})`;
    return `(${t} | ((uint64)cpu << 32))`;
  }

  /** A printed line, framed by the session's token at both ends. */
  line(fmt: string, ...args: string[]): string {
    const T = this.token;
    return `printf("${T}${fmt}\\t${T}\\n"${args.map((a) => ', ' + a).join('')});`;
  }

  /** Predicate over a task (its pids, command names, cgroups). Empty string = no filter. */
  whoOf(task: string, tgid: string): string {
    const parts: string[] = [];
    if (this.filter.pids.length > 0) parts.push(`(${anyOf(tgid, this.filter.pids)})`);
    const comms = this.filter.comms ?? [];
    if (comms.length > 0) {
      const each = comms.map((c) => commPredicate(c, this.f.taskCommOffset, task));
      parts.push(each.length === 1 ? each[0] : `(${each.join(' || ')})`);
    }
    if (this.filter.cgroups && this.filter.cgroups.length > 0) {
      if (!this.f.cgroupWalk) throw new Error(CGROUP_NEEDS_BTF);
      parts.push(cgroupPredicate(this.filter.cgroups, this.f.cgroupWalk, task));
    }
    return parts.join(' && ');
  }

  /** The filter on the current task. */
  get who(): string {
    return this.whoOf('curtask', 'pid');
  }

  /** The opcode filter on an opcode expression (IO_URING_ENTER apart). */
  opIs(expr: string): string {
    const ops = (this.filter.opcodes ?? []).filter((o) => o !== IO_URING_ENTER);
    if (!this.filter.opcodes) return '';
    if (ops.length === 0) return '0';
    return `(${anyOf(expr, ops)})`;
  }

  /** The process's name, once (and again after exec or a rename: see lifecycle). */
  nameOnce(tgid = 'pid', task = 'curtask'): string[] {
    return [
      `if (@named[${tgid}] == 0) {`,
      `  @named[${tgid}] = 1;`,
      `  ${this.line('N\\t%d\\t%s', tgid, `${task}->group_leader->comm`)}`,
      '}',
    ];
  }

  private record = ['%llu', '%llu', '%llx', '%lld', '%llx'].join('\\t');

  /** The E line of these records (each the five fields of one event). */
  eventsLine(records: string[][]): string {
    return this.line(`E\\t${records.map(() => this.record).join('\\t')}`, ...records.flat());
  }

  private held(n: number): string[][] {
    return Array.from({ length: n }, (_, k) => [0, 1, 2, 3, 4].map((x) => `$q${k}.${x}`));
  }

  private takeHeld(n: number): string {
    return Array.from({ length: n }, (_, k) => `$q${k} = @q[cpu, ${k}];`).join(' ');
  }

  /**
   * An event: held on this CPU, or out in one line with the ones held before it when that makes
   * EVENT_BATCH. In the sampled modes, each one sent is counted (@emit): events lost are then
   * those counted and never received.
   */
  stage(ts: string, lat: string, a: string, off: string, b: string): string[] {
    const fields = [
      `(uint64)${ts}`,
      `(uint64)${lat}`,
      `(uint64)(${a})`,
      `(int64)${off}`,
      `(uint64)${b}`,
    ];
    return [
      ...(this.events.kind === 'all' ? [] : ['@emit = count();']),
      '$qn = @qn[cpu];',
      `if ($qn == ${EVENT_BATCH - 1}) {`,
      `  ${this.takeHeld(EVENT_BATCH - 1)}`,
      `  ${this.eventsLine([...this.held(EVENT_BATCH - 1), fields])}`,
      '  @qn[cpu] = 0;',
      '} else {',
      `  @q[cpu, $qn] = (${fields.join(', ')});`,
      '  @qn[cpu] = $qn + 1;',
      '}',
    ];
  }

  /** What this CPU holds, out now (nothing when it holds nothing). */
  flushHeld(): string[] {
    if (!this.sendsEvents) return [];
    return [
      '$qn = @qn[cpu];',
      ...Array.from(
        { length: EVENT_BATCH - 1 },
        (_, k) =>
          `if ($qn == ${k + 1}) { ${this.takeHeld(k + 1)} ${this.eventsLine(this.held(k + 1))} }`,
      ),
      'if ($qn != 0) { @qn[cpu] = 0; }',
    ];
  }
}
