/**
 * Generates the bpftrace program iouringtop runs, for the capture tier the probe chose.
 *
 * Two outputs, one program:
 * - Exact counts, kept in the kernel whatever the rate: per (process, opcode) a latency histogram
 *   (the buckets of kernelBucketOf below: exact below 64 ns, 32 per power of two above),
 *   completions without a latency, errors by errno and bytes; per process the io_uring_enter
 *   calls, their latency and the operations they submitted. Printed (cumulative) every second,
 *   each time followed by a `T` line; the collector turns them into deltas.
 * - One line per event (unless switched off, or sampled 1 in N): packed numbers, the command
 *   name sent once per process in an `N` line (again after exec or a rename), not in every line.
 *   The output is fully buffered (-B full); the counters' print every second flushes it, which
 *   bounds the delay of an event to about a second.
 *
 * Tier 1 (io_uring tracepoints + BTF): operations paired submit → completion by the request
 *   pointer, with fd / offset / length read at submit through BTF casts of the request.
 * Tier 2 (io_uring tracepoints, no usable BTF): the same; fd from io_uring_file_get, offset and
 *   length empty.
 * Tier 3 (syscall tracepoints only, kernels 5.1-5.4): io_uring_enter calls only.
 *
 * Event records are staged per CPU and go out EVENT_BATCH to a line: bpftrace's cost is mostly
 * per line (a perf event read, formatted, written: about 2 µs, against 0.2 µs per number), and
 * each line it reads is a wakeup the traced process pays for. A CPU sends what it holds when its
 * batch is full, when it goes idle (power:cpu_idle), and at least every FLUSH_HZ-th of a second
 * while busy (profile); what is left at the end is printed as the @q and @qn maps.
 *
 * Lines (every one framed by a random per-session token, see source/collect/parse.ts):
 *   E (ts lat a off b)+        1 to EVENT_BATCH events, operations and io_uring_enter calls
 *                              (opcode 255): a = tgid | flags<<22 | opcode<<24 | fd<<32 (fd as
 *                              u32; a registered file's index with bit 30 set, FIXED_FD_BIT),
 *                              b = length | result<<32 (result as u32), both in hex (they
 *                              pass 2^53); lat 0 = unknown
 *   N tgid comm                a process's name
 *   O opcode name              the kernel's name of an opcode (op_str), once per opcode
 *   R ns                       attached
 *   T ns                       the counters printed just before are complete as of ns
 *   @map[keys]: value          the counters (bpftrace's print)
 *   @qn[cpu]: n, @q[cpu, i]: (ts, lat, a, off, b)   at the end: the n records a CPU still held
 *
 * Nothing typed by a user reaches the text unchecked: filter values are validated here again
 * (numbers must be integers in range, the command name a short plain word), whatever the caller
 * already did.
 *
 * (Over 400 lines: one generator, because every probe it writes shares the tier's choices, the
 * kernel's features, the filter predicates and the line formats the parser reads; split, each
 * part would need all of them.)
 */

import { FIXED_FD_BIT } from '../source/model/event.js';
import { BUILTIN_OPCODES } from '../source/model/opcodes.js';
import type { Diagnostics } from '../source/model/snapshot.js';

export type { Diagnostics } from '../source/model/snapshot.js';

export type Tier = 1 | 2 | 3;

export interface KernelFeatures {
  /** 'io_uring_submit_req' (6.4+) or 'io_uring_submit_sqe' (5.5-6.3); undefined on 5.1-5.4. */
  submitTracepoint?: 'io_uring_submit_req' | 'io_uring_submit_sqe';
  /** The submit tracepoint carries `req` (5.15+). */
  submitHasReq: boolean;
  /** The submit tracepoint carries the request's `flags` (5.15+): IOSQE_FIXED_FILE is bit 0. */
  submitHasFlags?: boolean;
  /** io_uring_complete carries `req` (5.18+); without it completions pair by (ctx, user_data). */
  completeHasReq: boolean;
  /** io_uring_complete carries `cflags` (5.13+; without it there are no multishot CQEs to keep). */
  completeHasCflags: boolean;
  /** The submit tracepoint has op_str (5.19+). */
  hasOpStr: boolean;
  hasReqFailed: boolean;
  /** io_uring_req_failed carries `error` (the init failure's -errno). */
  reqFailedHasError?: boolean;
  hasCqeOverflow: boolean;
  /** io_uring_queue_async_work carries `opcode`: punts to io-wq, per process and opcode. */
  hasAsyncWork?: boolean;
  /** io_uring_poll_arm carries `opcode`: requests that armed a poll to retry. */
  hasPollArm?: boolean;
  /** io_uring_fail_link carries `opcode` (of the request that broke the chain). */
  hasFailLink?: boolean;
  hasFileGet: boolean;
  /** io_uring_file_get carries `req` (5.18+). */
  fileGetHasReq: boolean;
  /** power:cpu_idle (with `state`): a CPU going idle sends the event records it holds. */
  hasCpuIdle?: boolean;
  /** BTF types usable for the per-request reads (tier 1). */
  btf: {
    kiocbCqeFd: boolean;
    ioRw: boolean;
    ioSync: boolean;
    ioSrMsg: boolean;
    /** dfd / fd of OPENAT, OPENAT2, STATX, CLOSE live in their own op structs, not in cqe.fd. */
    ioOpen: boolean;
    ioStatx: boolean;
    ioClose: boolean;
    /** io_kiocb.async_data is an io_async_rw with an iov_iter `iter` (6.10+): READV/WRITEV bytes. */
    asyncRwIter?: boolean;
    /** io_async_rw has `vec` (iou_vec: iovec, nr) (6.15+): READV_FIXED / WRITEV_FIXED bytes. */
    asyncRwVec?: boolean;
    /** io_async_msghdr has `msg` (a msghdr with msg_iter): SENDMSG / RECVMSG bytes. */
    asyncMsg?: boolean;
  };
  /**
   * offsetof(struct task_struct, comm), from BTF: the command name is then compared as two
   * integers, which fits every probe's 512-byte stack (a string compare does not fit the
   * completion probe). Undefined: compare strings, and miss requests in flight at start.
   */
  taskCommOffset?: number;
}

export interface CaptureFilter {
  pids: number[];
  comm?: string;
  opcodes?: number[];
}

/** Per-event lines: every event, none (counters only), or 1 in `sample`. */
export type EventLines = { kind: 'all' } | { kind: 'none' } | { kind: 'sample'; every: number };

export interface ProgramSpec {
  tier: Tier;
  token: string;
  features: KernelFeatures;
  filter: CaptureFilter;
  /** Default: every event. */
  events?: EventLines;
}

export const IO_URING_ENTER = 255;
/** READV WRITEV READ_FIXED WRITE_FIXED READ WRITE READ_MULTISHOT READV_FIXED WRITEV_FIXED */
const RW_OPS = [1, 2, 4, 5, 22, 23, 49, 60, 61];
/** FSYNC SYNC_FILE_RANGE FALLOCATE */
const SYNC_OPS = [3, 8, 17];
/** SENDMSG RECVMSG SEND RECV SEND_ZC SENDMSG_ZC */
const SR_OPS = [9, 10, 26, 27, 47, 48];
/** Opcodes that can post several CQEs for one request (their intermediate CQEs carry no req). */
const MULTISHOT_OPS = [6, 10, 11, 13, 27, 47, 48, 49];
/** Opcodes whose positive result is bytes moved (read- or write-class). */
const BYTE_OPS = [1, 4, 10, 22, 27, 49, 60, 2, 5, 9, 23, 26, 47, 48, 61];
/** Event flags (bits 22-23 of `a`). */
export const FLAG_NO_SUBMIT = 1; // completion without a submit record (in flight at start, or the map was full)
export const FLAG_MULTISHOT = 2; // an intermediate completion of a multishot request (latency since the previous)

/**
 * A command name as the kernel stores it (≤ 15 bytes), restricted to characters safe in a string
 * literal; a trailing `*` makes it a prefix (`post*`).
 */
export const COMM_PATTERN = /^[A-Za-z0-9_.:+@%=,-][A-Za-z0-9_.:+@%=, /-]{0,14}\*?$/;

/**
 * Events to a line: a CPU holds up to one less, and sends them with the one that fills the line.
 * Five is the most bpftrace 0.17 fits in the completion probe's 512-byte BPF stack (the held
 * records are copied out, and the line's arguments are built, on it: six do not compile). A
 * line's fixed cost, about 2 µs in bpftrace and a wakeup, is shared by five events, not four.
 */
export const EVENT_BATCH = 5;
/** A busy CPU sends what it holds at least this many times a second. */
export const FLUSH_HZ = 10;

/** The counters the program prints, in print order (the collector reads them). */
export const COUNTER_MAPS = [
  '@lat',
  '@nolat',
  '@err',
  '@bytes',
  '@elat',
  '@esub',
  '@eerr',
  '@punt',
  '@poll',
  '@short',
  '@fail',
  '@flink',
  '@ovf',
  '@dropped',
  '@overflow',
  '@unmatched',
] as const;

export const NO_DIAGNOSTICS: Diagnostics = {
  punted: false,
  poll: false,
  short: false,
  failed: false,
  links: false,
  overflow: false,
};

/**
 * What a program of this tier, on a kernel with these features, counts. Short results need the
 * length, read at submit with BTF (tier 1), and only when events are printed (counters only
 * skips the reads at submission: --no-events).
 */
export function diagnosticsOf(
  tier: Tier,
  f: KernelFeatures,
  events: EventLines = { kind: 'all' },
): Diagnostics {
  if (tier === 3 || f.submitTracepoint === undefined) return NO_DIAGNOSTICS;
  return {
    punted: f.hasAsyncWork === true,
    poll: f.hasPollArm === true,
    short: tier === 1 && events.kind !== 'none' && (f.btf.ioRw || f.btf.ioSrMsg),
    failed: f.hasReqFailed,
    links: f.hasFailLink === true,
    overflow: f.hasCqeOverflow,
  };
}

export function validateFilter(filter: CaptureFilter): string | undefined {
  for (const pid of filter.pids) {
    if (!Number.isInteger(pid) || pid < 1 || pid > 4194304) {
      return `invalid pid ${String(pid)}: expected a whole number from 1 to 4194304`;
    }
  }
  if (filter.comm !== undefined && !COMM_PATTERN.test(filter.comm)) {
    return `invalid command name ${JSON.stringify(filter.comm)}: use 1-15 letters, digits, spaces or _.:+@%=,-/`;
  }
  for (const op of filter.opcodes ?? []) {
    if (!Number.isInteger(op) || op < 0 || op > 255) return `invalid opcode ${String(op)}`;
  }
  if (filter.opcodes && filter.opcodes.length === 0) return 'empty opcode filter';
  return undefined;
}

function anyOf(expr: string, values: readonly number[]): string {
  return values.map((v) => `${expr} == ${v}`).join(' || ');
}

/**
 * The command-name test: as two 64-bit words of the group leader's task_struct (the name padded
 * with NULs to 16 bytes, its terminating NUL included, the bytes after it masked off), or, without
 * the offset, as a string compare.
 */
function commPredicate(pattern: string, offset: number | undefined): string {
  // `name`: the whole name (its NUL compared too); `name*`: its first bytes only
  const prefix = pattern.endsWith('*');
  const comm = prefix ? pattern.slice(0, -1) : pattern;
  if (offset === undefined) {
    return prefix
      ? `strncmp(curtask->group_leader->comm, "${comm}", ${comm.length}) == 0`
      : `curtask->group_leader->comm == "${comm}"`;
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
    const read = `*(uint64 *)((uint64)curtask->group_leader + ${offset + w * 8})`;
    words.push(
      n === 8
        ? `${read} == 0x${value.toString(16)}`
        : `(${read} & 0x${mask.toString(16)}) == 0x${value.toString(16)}`,
    );
  }
  return `(${words.join(' && ')})`;
}

/** Predicate over the current task: pid and command filters. Empty string = no filter. */
function whoPredicate(filter: CaptureFilter, f: KernelFeatures): string {
  const parts: string[] = [];
  if (filter.pids.length > 0) parts.push(`(${anyOf('pid', filter.pids)})`);
  if (filter.comm !== undefined) parts.push(commPredicate(filter.comm, f.taskCommOffset));
  return parts.join(' && ');
}

function opPredicate(filter: CaptureFilter, expr: string): string {
  const ops = (filter.opcodes ?? []).filter((o) => o !== IO_URING_ENTER);
  if (!filter.opcodes) return '';
  if (ops.length === 0) return '0';
  return `(${anyOf(expr, ops)})`;
}

function and(...preds: string[]): string {
  const p = preds.filter((x) => x.length > 0);
  return p.length === 0 ? '' : p.join(' && ');
}

/** A probe's predicate line (parenthesised: one starting with `*` would open a comment). */
function guard(pred: string): string {
  return pred.length > 0 ? `/(${pred})/\n` : '';
}

/**
 * The kernel side's latency buckets: 32 per power of two (every value within 1.6 % of its
 * bucket's middle, so percentiles within 2 % whether events are lost or not), the value itself
 * below 64. Half as fine as the model's histogram (64 per power of two): every key of the counter
 * maps is printed every second, and latencies that span eight powers of two take 256 keys per
 * process and opcode here.
 */
export const KERNEL_SUB_BITS = 5;
const KSUB = 1 << KERNEL_SUB_BITS;
/** Values below this are their own bucket. */
const KEXACT = 2 * KSUB;
/** Latencies from 2^51 ns (26 days) on share the last bucket. */
export const KERNEL_LAST_BUCKET = (51 - KERNEL_SUB_BITS) * KSUB + (KSUB - 1);

/** The kernel bucket of a latency (ns): what the program's statements compute, for tests. */
export function kernelBucketOf(v: number): number {
  if (v < KEXACT) return v;
  const lg = Math.floor(Math.log2(v));
  if (lg > 50) return KERNEL_LAST_BUCKET;
  const shift = lg - KERNEL_SUB_BITS;
  return shift * KSUB + Math.floor(v / 2 ** shift);
}

/** The middle of a kernel bucket (ns): the value its counts stand for. */
export function kernelBucketMid(b: number): number {
  if (b < KEXACT) return b;
  const shift = (b >> KERNEL_SUB_BITS) - 1;
  return ((b & (KSUB - 1)) + KSUB) * 2 ** shift + 2 ** shift / 2;
}

/** Statements that set `$b` to kernelBucketOf(`$v`), with e = floor(log2 v) found by halving. */
function bucketOf(indent: string): string[] {
  const i = indent;
  return [
    `${i}$b = $v;`,
    `${i}if ($v >= ${KEXACT}) {`,
    `${i}  $x = $v;`,
    `${i}  $lg = (uint64)0;`,
    `${i}  if ($x >= 0x100000000) { $lg = $lg + 32; $x = $x >> 32; }`,
    `${i}  if ($x >= 0x10000) { $lg = $lg + 16; $x = $x >> 16; }`,
    `${i}  if ($x >= 0x100) { $lg = $lg + 8; $x = $x >> 8; }`,
    `${i}  if ($x >= 0x10) { $lg = $lg + 4; $x = $x >> 4; }`,
    `${i}  if ($x >= 0x4) { $lg = $lg + 2; $x = $x >> 2; }`,
    `${i}  if ($x >= 0x2) { $lg = $lg + 1; }`,
    `${i}  $b = ($lg - ${KERNEL_SUB_BITS}) * ${KSUB} + ($v >> ($lg - ${KERNEL_SUB_BITS}));`,
    `${i}  if ($lg > 50) { $b = ${KERNEL_LAST_BUCKET}; }`,
    `${i}}`,
  ];
}

/** READV WRITEV: the bytes are the iov_iter's count, in the request's async data. */
const VEC_RW_OPS = [1, 2];
/** READV_FIXED WRITEV_FIXED: the iovecs copied at prep, at the end of io_async_rw.vec. */
const VEC_FIXED_OPS = [60, 61];
/** SENDMSG RECVMSG SENDMSG_ZC: the msghdr's iov_iter count. */
const VEC_MSG_OPS = [9, 10, 48];
/** REQ_F_BUFFER_SELECT: the buffer is chosen at issue; io_rw.len then holds the bytes asked. */
const BUFFER_SELECT = 0x20;
/** Most iovecs summed for a fixed vectored operation (a bounded loop); past it: unknown. */
const MAX_SUMMED_IOVECS = 16;

/**
 * Statements that set `$len` to the bytes a vectored operation asks for, where the kernel lets us
 * read them at submission (6.10+ prepares the iov_iter then); otherwise 0, which the CSV writes
 * as an empty field: unknown, never the iovec count.
 */
function vectoredLength(f: KernelFeatures): string[] {
  const b = f.btf;
  const ops = [
    ...VEC_RW_OPS,
    ...VEC_FIXED_OPS,
    ...(f.btf.ioSrMsg || b.asyncMsg ? VEC_MSG_OPS : []),
  ];
  const out = [
    `  if (${anyOf('$op', ops)}) {`,
    '    $len = (uint64)0;',
    '    $rq = (struct io_kiocb *)args->req;',
    `    $bufsel = $rq->flags & ${BUFFER_SELECT};`,
    '    $ad = (uint64)$rq->async_data;',
  ];
  if (b.ioRw) {
    // with a selected buffer the kernel put the byte count in io_rw.len
    out.push(
      `    if ($bufsel != 0 && (${anyOf('$op', VEC_RW_OPS)})) { $len = (uint64)((struct io_rw *)args->req)->len; }`,
    );
  }
  if (b.asyncRwIter) {
    out.push(
      `    if ($ad != 0 && $bufsel == 0 && (${anyOf('$op', VEC_RW_OPS)})) {`,
      '      $len = (uint64)((struct io_async_rw *)$ad)->iter.count;',
      '    }',
    );
  }
  if (b.asyncRwVec && b.ioRw) {
    out.push(
      `    if ($ad != 0 && (${anyOf('$op', VEC_FIXED_OPS)})) {`,
      '      $io = (struct io_async_rw *)$ad;',
      '      $n = (uint64)((struct io_rw *)args->req)->len;',
      '      $iov = $io->vec.iovec + ((uint64)$io->vec.nr - $n);',
      '      $sum = (uint64)0;',
      '      $i = (uint64)0;',
      `      while ($i < $n && $i < ${MAX_SUMMED_IOVECS}) { $sum = $sum + (uint64)($iov + $i)->iov_len; $i = $i + 1; }`,
      '      if ($i == $n) { $len = $sum; }',
      '    }',
    );
  }
  if (b.asyncMsg) {
    out.push(
      `    if ($ad != 0 && $bufsel == 0 && (${anyOf('$op', VEC_MSG_OPS)})) {`,
      '      $len = (uint64)((struct io_async_msghdr *)$ad)->msg.msg_iter.count;',
      '    }',
    );
  }
  out.push('  }');
  return out;
}

export function generateProgram(spec: ProgramSpec): string {
  const { tier, token: T, features: f, filter } = spec;
  const events = spec.events ?? { kind: 'all' };
  if (!/^[0-9a-f]{8,32}$/.test(T)) throw new Error('token must be 8-32 hex digits');
  const invalid = validateFilter(filter);
  if (invalid) throw new Error(invalid);
  if (events.kind === 'sample' && (!Number.isInteger(events.every) || events.every < 2))
    throw new Error('sample must be a whole number of at least 2');
  const who = whoPredicate(filter, f);
  const wantEnter = !filter.opcodes || filter.opcodes.includes(IO_URING_ENTER);
  const line = (fmt: string, ...args: string[]): string =>
    `printf("${T}${fmt}\\t${T}\\n"${args.map((a) => ', ' + a).join('')});`;
  const record = ['%llu', '%llu', '%llx', '%lld', '%llx'].join('\\t');
  /** The E line of these records (each the five fields of one event). */
  const eventsLine = (records: string[][]): string =>
    line(`E\\t${records.map(() => record).join('\\t')}`, ...records.flat());
  const held = (n: number): string[][] =>
    Array.from({ length: n }, (_, k) => [0, 1, 2, 3, 4].map((x) => `$q${k}.${x}`));
  const takeHeld = (n: number): string =>
    Array.from({ length: n }, (_, k) => `$q${k} = @q[cpu, ${k}];`).join(' ');
  /**
   * An event, if events are printed (sampled: 1 in N at random, bpf_get_prandom_u32): held on
   * this CPU, or out in one line with the ones held before it when that makes EVENT_BATCH.
   */
  const eventLine = (
    indent: string,
    ts: string,
    lat: string,
    a: string,
    off: string,
    b: string,
  ) => {
    if (events.kind === 'none') return [];
    const fields = [
      `(uint64)${ts}`,
      `(uint64)${lat}`,
      `(uint64)(${a})`,
      `(int64)${off}`,
      `(uint64)${b}`,
    ];
    const stage = [
      '$qn = @qn[cpu];',
      `if ($qn == ${EVENT_BATCH - 1}) {`,
      `  ${takeHeld(EVENT_BATCH - 1)}`,
      `  ${eventsLine([...held(EVENT_BATCH - 1), fields])}`,
      '  @qn[cpu] = 0;',
      '} else {',
      `  @q[cpu, $qn] = (${fields.join(', ')});`,
      '  @qn[cpu] = $qn + 1;',
      '}',
    ];
    if (events.kind === 'sample')
      return [
        `${indent}if (rand % ${events.every} == 0) {`,
        ...stage.map((l) => `${indent}  ${l}`),
        `${indent}}`,
      ];
    return stage.map((l) => `${indent}${l}`);
  };
  /** What this CPU holds, out now (nothing when it holds nothing). */
  const flushHeld = (indent: string): string[] =>
    events.kind === 'none'
      ? []
      : [
          '$qn = @qn[cpu];',
          ...Array.from(
            { length: EVENT_BATCH - 1 },
            (_, k) => `if ($qn == ${k + 1}) { ${takeHeld(k + 1)} ${eventsLine(held(k + 1))} }`,
          ),
          'if ($qn != 0) { @qn[cpu] = 0; }',
        ].map((l) => `${indent}${l}`);

  const out: string[] = [];
  out.push(`// iouringtop capture program, tier ${tier}. Generated; see bpf/program.ts.`);
  // print(@ready) flushes the fully buffered output: the R line is read at once
  out.push(`BEGIN\n{\n  ${line('R\\t%llu', 'nsecs')}\n  @ready = 1;\n  print(@ready);\n}`);

  // The name of every process seen, once, and again when it changes (exec, a rename).
  const nameOnce = [
    '  if (@named[pid] == 0) {',
    '    @named[pid] = 1;',
    `    ${line('N\\t%d\\t%s', 'pid', 'curtask->group_leader->comm')}`,
    '  }',
  ];

  const diag = diagnosticsOf(tier, f, events);
  /**
   * Counter updates at a completion: $tg, $op, $v (latency; 0 = unknown), args->res; `len`, the
   * bytes asked for (0: unknown), when it is known here: a result below it is a short read/write.
   */
  const countCompletion = (indent: string, len?: string): string[] => [
    `${indent}if ($v > 0) {`,
    ...bucketOf(`${indent}  `),
    `${indent}  @lat[$tg, $op, $b] = count();`,
    `${indent}} else {`,
    `${indent}  @nolat[$tg, $op] = count();`,
    `${indent}}`,
    `${indent}if (args->res < 0) {`,
    `${indent}  @err[$tg, $op, (uint64)(-args->res)] = count();`,
    ...(len !== undefined && diag.short
      ? [
          `${indent}} else if (${anyOf('$op', BYTE_OPS)}) {`,
          `${indent}  if (args->res > 0) { @bytes[$tg, $op] = sum(args->res); }`,
          `${indent}  if ((uint64)args->res < ${len}) { @short[$tg, $op] = count(); }`,
        ]
      : [
          `${indent}} else if (args->res > 0 && (${anyOf('$op', BYTE_OPS)})) {`,
          `${indent}  @bytes[$tg, $op] = sum(args->res);`,
        ]),
    `${indent}}`,
  ];

  if (tier !== 3 && f.submitTracepoint) {
    const key = f.submitHasReq && f.completeHasReq ? 'args->req' : 'args->ctx, args->user_data';
    const cKey = f.completeHasReq ? 'args->req' : 'args->ctx, args->user_data';
    const useBtf = tier === 1;
    // fd, offset and length only go into event lines: counters only (--no-events) skips the
    // reads (a few BTF reads per request, at every request's submission)
    const fields = useBtf && events.kind !== 'none';
    const reqOf = '((struct io_kiocb *)args->req)';

    // --- submit: record who / what / where, keyed by the request ---
    const submit: string[] = [];
    submit.push('  $op = (uint64)args->opcode;');
    submit.push(
      fields && f.btf.kiocbCqeFd
        ? `  $fd = (uint64)(uint32)${reqOf}->cqe.fd;`
        : '  $fd = (uint64)0;',
    );
    submit.push('  $off = (int64)0;', '  $len = (uint64)0;');
    if (fields && f.btf.ioRw) {
      submit.push(
        `  if (${anyOf('$op', RW_OPS)}) {`,
        '    $rw = (struct io_rw *)args->req;',
        '    $off = (int64)$rw->kiocb.ki_pos;',
        '    $len = (uint64)$rw->len;',
        '  }',
      );
    }
    if (fields && f.btf.ioSync) {
      submit.push(
        `  if (${anyOf('$op', SYNC_OPS)}) {`,
        '    $sy = (struct io_sync *)args->req;',
        '    $off = (int64)$sy->off;',
        '    $len = (uint64)(uint32)$sy->len;',
        '  }',
      );
    }
    const fdFrom: [boolean, string, string, number[]][] = [
      [f.btf.ioOpen, 'io_open', 'dfd', [18, 28]],
      [f.btf.ioStatx, 'io_statx', 'dfd', [21]],
      [f.btf.ioClose, 'io_close', 'fd', [19]],
    ];
    for (const [ok, struct, field, ops] of fdFrom) {
      if (fields && ok) {
        submit.push(
          `  if (${anyOf('$op', ops)}) {`,
          `    $fd = (uint64)(uint32)((struct ${struct} *)args->req)->${field};`,
          '  }',
        );
      }
    }
    if (fields && f.btf.ioSrMsg) {
      submit.push(
        `  if (${anyOf('$op', SR_OPS)}) {`,
        '    $sr = (struct io_sr_msg *)args->req;',
        '    $len = (uint64)(uint32)$sr->len;',
        '  }',
      );
    }
    if (fields) submit.push(...vectoredLength(f));
    if (fields && f.btf.kiocbCqeFd && f.submitHasFlags) {
      // IOSQE_FIXED_FILE (REQ_F_FIXED_FILE, bit 0 of the request's flags): the fd is an index
      // into the registered-file table; marked so that it is never taken for a descriptor
      submit.push(
        `  if (args->flags & 1) { $fd = ($fd & 0x3fffffff) | 0x${FIXED_FD_BIT.toString(16)}; }`,
      );
    }
    if (!useBtf && f.hasFileGet && f.fileGetHasReq) {
      // Tier 2 on 5.18+: the file is looked up after submit; file_get stores its fd by request.
    } else if (!useBtf && f.hasFileGet) {
      // Tier 2 on 5.5-5.17: file_get fires just before submit in the same thread.
      submit.push('  $fd = (uint64)(uint32)@fdtid[tid];', '  delete(@fdtid[tid]);');
    }
    submit.push(...nameOnce);
    submit.push(
      '  $a = (uint64)pid | ($op << 24) | ($fd << 32);',
      `  @s[${key}] = (nsecs, $a, $off, $len);`,
      `  if (@s[${key}].0 == 0) { @dropped = count(); }`,
    );
    if (f.completeHasReq) {
      submit.push(
        `  if (${anyOf('$op', MULTISHOT_OPS)}) {`,
        '    @m[args->ctx, args->user_data] = (nsecs, $a, $off, $len);',
        '  }',
      );
    }
    if (f.hasOpStr) {
      // only opcodes this build has no name for: a map lookup per submission saved
      submit.push(
        `  if ($op >= ${BUILTIN_OPCODES} && @seen[$op] == 0) {`,
        '    @seen[$op] = 1;',
        `    ${line('O\\t%d\\t%s', '$op', 'str(args->op_str)')}`,
        '  }',
      );
    }
    out.push(
      `tracepoint:io_uring:${f.submitTracepoint}\n${guard(and(who, opPredicate(filter, 'args->opcode')))}{\n${submit.join('\n')}\n}`,
    );

    if (!useBtf && f.hasFileGet) {
      const fgWho = guard(who);
      out.push(
        f.fileGetHasReq
          ? [
              'tracepoint:io_uring:io_uring_file_get',
              `${fgWho}{`,
              '  $fd = (uint64)(uint32)args->fd << 32;',
              '  $k = @s[args->req];',
              '  if ($k.0 != 0) {',
              '    @s[args->req] = ($k.0, ($k.1 & 0xffffffff) | $fd, $k.2, $k.3);',
              '  }',
              // a multishot request's later CQEs are matched by (ctx, user_data): give them the fd
              ...(f.completeHasReq
                ? [
                    '  $m = @m[args->ctx, args->user_data];',
                    '  if ($m.0 != 0) {',
                    '    @m[args->ctx, args->user_data] = ($m.0, ($m.1 & 0xffffffff) | $fd, $m.2, $m.3);',
                    '  }',
                  ]
                : []),
              '}',
            ].join('\n')
          : `tracepoint:io_uring:io_uring_file_get\n${fgWho}{\n  @fdtid[tid] = args->fd;\n}`,
      );
    }

    if (f.hasReqFailed) {
      // Init failures: submit never fires, yet a CQE (with req) is posted. Counted here by errno
      // (0 where the tracepoint has no `error`); with BTF, recorded for the completion too.
      const errno = f.reqFailedHasError
        ? '(uint64)(args->error < 0 ? -args->error : args->error)'
        : '(uint64)0';
      const body = [...nameOnce, `  @fail[(uint64)pid, (uint64)args->opcode, ${errno}] = count();`];
      if (useBtf) {
        body.push(
          `  $fd = ${f.btf.kiocbCqeFd ? `(uint64)(uint32)${reqOf}->cqe.fd` : '(uint64)0'};`,
          '  $a = (uint64)pid | ((uint64)args->opcode << 24) | ($fd << 32);',
          `  @s[args->req] = (nsecs, $a, (int64)args->off, (uint64)args->len);`,
          `  if (@s[args->req].0 == 0) { @dropped = count(); }`,
        );
      }
      out.push(
        `tracepoint:io_uring:io_uring_req_failed\n${guard(and(who, opPredicate(filter, 'args->opcode')))}{\n${body.join('\n')}\n}`,
      );
    }

    // Punts to io-wq, poll arms, broken links: one counter per (process, opcode) each.
    const perOp: [boolean, string, string][] = [
      [diag.punted, 'io_uring_queue_async_work', '@punt'],
      [diag.poll, 'io_uring_poll_arm', '@poll'],
      [diag.links, 'io_uring_fail_link', '@flink'],
    ];
    for (const [ok, tp, map] of perOp) {
      if (!ok) continue;
      out.push(
        `tracepoint:io_uring:${tp}\n${guard(and(who, opPredicate(filter, 'args->opcode')))}{\n  ${map}[(uint64)pid, (uint64)args->opcode] = count();\n}`,
      );
    }

    // --- completion: counters, and the event line ---
    const b = '(($s.3 & 0xffffffff) | ((uint64)(uint32)args->res << 32))';
    const more = f.completeHasCflags ? 'args->cflags & 2' : '0';
    const reqBody: string[] = [
      `  $s = @s[${cKey}];`,
      '  if ($s.0 != 0) {',
      '    $tg = $s.1 & 0x3fffff;',
      '    $op = ($s.1 >> 24) & 0xff;',
      '    $v = nsecs - $s.0;',
      ...countCompletion('    ', '($s.3 & 0xffffffff)'),
      ...eventLine('    ', 'nsecs', '$v', '$s.1', '$s.2', b),
      `    if (${more}) {`,
      `      @s[${cKey}] = (nsecs, $s.1, $s.2, $s.3);`,
      '    } else {',
      `      delete(@s[${cKey}]);`,
    ];
    if (f.completeHasReq) {
      reqBody.push(
        `      if (${anyOf('$op', MULTISHOT_OPS)}) { delete(@m[args->ctx, args->user_data]); }`,
      );
    }
    reqBody.push('    }', '  }');
    if (
      useBtf &&
      f.completeHasReq &&
      (filter.comm === undefined || f.taskCommOffset !== undefined)
    ) {
      // No submit record: the request was in flight when tracing started (or the map was full).
      // The opcode is still in the request; the process is the completing task's.
      reqBody.push(
        '  else {',
        '    $op = (uint64)((struct io_kiocb *)args->req)->opcode;',
        `    if (${and(who, opPredicate(filter, '$op')) || '1'}) {`,
        '      $tg = (uint64)pid;',
        '      $v = (uint64)0;',
        ...countCompletion('      '),
        ...nameOnce.map((l) => `    ${l}`),
        ...eventLine(
          '      ',
          'nsecs',
          '(uint64)0',
          `$tg | (${FLAG_NO_SUBMIT} << 22) | ($op << 24)`,
          '(int64)0',
          '((uint64)(uint32)args->res << 32)',
        ),
        '    }',
        '  }',
      );
    }
    if (f.completeHasReq) {
      // Two probes on one tracepoint: each gets its own 512-byte BPF stack.
      out.push(
        `tracepoint:io_uring:io_uring_complete\n/args->req != 0/\n{\n${reqBody.join('\n')}\n}`,
      );
      // Intermediate multishot CQEs carry no req: match them by (ctx, user_data).
      out.push(
        [
          'tracepoint:io_uring:io_uring_complete',
          '/args->req == 0/',
          '{',
          '  $s = @m[args->ctx, args->user_data];',
          '  if ($s.0 != 0) {',
          '    $tg = $s.1 & 0x3fffff;',
          '    $op = ($s.1 >> 24) & 0xff;',
          '    $v = nsecs - $s.0;',
          ...countCompletion('    ', '($s.3 & 0xffffffff)'),
          ...eventLine('    ', 'nsecs', '$v', `$s.1 | (${FLAG_MULTISHOT} << 22)`, '$s.2', b),
          '    @m[args->ctx, args->user_data] = (nsecs, $s.1, $s.2, $s.3);',
          '  } else {',
          '    @unmatched = count();',
          '  }',
          '}',
        ].join('\n'),
      );
    } else {
      out.push(`tracepoint:io_uring:io_uring_complete\n{\n${reqBody.join('\n')}\n}`);
    }

    if (f.hasCqeOverflow) {
      // (the tracepoint has no request: the process is the task posting the completion)
      const mine =
        who === ''
          ? '  @ovf[(uint64)pid] = count();'
          : `  if (${who}) { @ovf[(uint64)pid] = count(); }`;
      out.push(`tracepoint:io_uring:io_uring_cqe_overflow\n{\n  @overflow = count();\n${mine}\n}`);
    }
  }

  if (wantEnter) {
    out.push(
      `tracepoint:syscalls:sys_enter_io_uring_enter\n${guard(who)}{\n` +
        `  @e[tid] = (nsecs, (uint64)(uint32)args->fd, (uint64)(uint32)args->to_submit);\n}`,
    );
    out.push(
      [
        'tracepoint:syscalls:sys_exit_io_uring_enter',
        '{',
        '  $e = @e[tid];',
        '  if ($e.0 != 0) {',
        '    delete(@e[tid]);',
        '    $v = nsecs - $e.0;',
        '    $tg = (uint64)pid;',
        // (where submissions are traced, they name the process)
        ...(tier === 3 || !f.submitTracepoint ? nameOnce.map((l) => `  ${l}`) : []),
        ...bucketOf('    '),
        '    @elat[$tg, $b] = count();',
        '    if (args->ret > 0) { @esub[$tg] = sum(args->ret); }',
        '    if (args->ret < 0) { @eerr[$tg, (uint64)(-args->ret)] = count(); }',
        ...eventLine(
          '    ',
          'nsecs',
          '$v',
          `$tg | (${IO_URING_ENTER} << 24) | ($e.1 << 32)`,
          '0',
          '($e.2 | ((uint64)(uint32)args->ret << 32))',
        ),
        '  }',
        '}',
      ].join('\n'),
    );
  }

  // A process's name after exec or a rename, and no stale name for a pid that is reused.
  out.push(
    [
      'tracepoint:sched:sched_process_exec',
      '{',
      // (the events this CPU holds are of the old name)
      ...flushHeld('  '),
      '  if (@named[pid] != 0) {',
      `    ${line('N\\t%d\\t%s', 'pid', 'curtask->group_leader->comm')}`,
      '  }',
      '}',
      '',
      'tracepoint:task:task_rename',
      '{',
      ...flushHeld('  '),
      '  if (@named[args->pid] != 0) {',
      `    ${line('N\\t%d\\t%s', 'args->pid', 'args->newcomm')}`,
      '  }',
      '}',
      '',
      'tracepoint:sched:sched_process_exit',
      '/pid == tid/',
      '{',
      '  delete(@named[pid]);',
      '}',
    ].join('\n'),
  );

  if (events.kind !== 'none') {
    // what a CPU holds goes out when it goes idle, and at least FLUSH_HZ times a second while busy
    // (a busy CPU's profile probe; an idle one has none, it sent its events on the way in)
    const flush = flushHeld('  ').join('\n');
    out.push(`profile:hz:${FLUSH_HZ}\n{\n${flush}\n}`);
    if (f.hasCpuIdle)
      out.push(`tracepoint:power:cpu_idle\n/args->state != 4294967295/\n{\n${flush}\n}`);
  }

  const counters = COUNTER_MAPS.filter((m) =>
    out.some((block) => block.includes(`${m}[`) || block.includes(`${m} =`)),
  );
  const printCounters = [
    ...counters.map((c) => `  print(${c});`),
    `  ${line('T\\t%llu', 'nsecs')}`,
  ];
  out.push(`interval:s:1\n{\n${printCounters.join('\n')}\n}`);
  const maps = ['@s', '@m', '@e', '@q', '@qn', '@seen', '@fdtid', '@named', '@ready'].filter((m) =>
    out.some((block) => block.includes(`${m}[`) || block.includes(`${m} =`)),
  );
  // At exit: the counters one last time (complete: the probes are detached), the events the CPUs
  // still hold (how many each holds first), and no dump of the other maps.
  const pending = events.kind === 'none' ? [] : ['  print(@qn);', '  print(@q);'];
  out.push(
    `END\n{\n${[...printCounters, ...pending].join('\n')}\n${maps.map((m) => `  clear(${m});`).join('\n')}\n}`,
  );
  return out.join('\n\n') + '\n';
}
