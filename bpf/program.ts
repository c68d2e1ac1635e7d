/**
 * Generates the bpftrace program iouringtop runs, for the capture tier the probe chose.
 *
 * Tier 1 (io_uring tracepoints + BTF): one row per operation, paired submit → completion by the
 *   request pointer, with fd / offset / length read at submit through BTF casts of the request.
 * Tier 2 (io_uring tracepoints, no usable BTF): the same rows; fd from io_uring_file_get, offset
 *   and length left empty.
 * Tier 3 (syscall tracepoints only, kernels 5.1-5.4): IO_URING_ENTER rows only.
 * Every tier adds one IO_URING_ENTER row per io_uring_enter call.
 *
 * Nothing typed by a user reaches the text unchecked: filter values are validated here again
 * (numbers must be integers in range, the command name a short plain word), whatever the caller
 * already did. Output lines are framed by a random token (see source/collect/parse.ts).
 */

export type Tier = 1 | 2 | 3;

export interface KernelFeatures {
  /** 'io_uring_submit_req' (6.4+) or 'io_uring_submit_sqe' (5.5-6.3); undefined on 5.1-5.4. */
  submitTracepoint?: 'io_uring_submit_req' | 'io_uring_submit_sqe';
  /** The submit tracepoint carries `req` (5.15+). */
  submitHasReq: boolean;
  /** io_uring_complete carries `req` (5.18+); without it completions pair by (ctx, user_data). */
  completeHasReq: boolean;
  /** The submit tracepoint has op_str (5.19+). */
  hasOpStr: boolean;
  hasReqFailed: boolean;
  hasCqeOverflow: boolean;
  hasFileGet: boolean;
  /** io_uring_file_get carries `req` (5.18+). */
  fileGetHasReq: boolean;
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
  };
}

export interface CaptureFilter {
  pids: number[];
  comm?: string;
  opcodes?: number[];
}

export interface ProgramSpec {
  tier: Tier;
  token: string;
  features: KernelFeatures;
  filter: CaptureFilter;
}

const IO_URING_ENTER = 255;
/** READV WRITEV READ_FIXED WRITE_FIXED READ WRITE READ_MULTISHOT READV_FIXED WRITEV_FIXED */
const RW_OPS = [1, 2, 4, 5, 22, 23, 49, 60, 61];
/** FSYNC SYNC_FILE_RANGE FALLOCATE */
const SYNC_OPS = [3, 8, 17];
/** SENDMSG RECVMSG SEND RECV SEND_ZC SENDMSG_ZC */
const SR_OPS = [9, 10, 26, 27, 47, 48];
/** Opcodes that can post several CQEs for one request (their intermediate CQEs carry no req). */
const MULTISHOT_OPS = [6, 10, 11, 13, 27, 47, 48, 49];

/** A command name as the kernel stores it (≤ 15 bytes), restricted to characters safe in a string literal. */
export const COMM_PATTERN = /^[A-Za-z0-9_.:+@%=,-][A-Za-z0-9_.:+@%=, /-]{0,14}$/;

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

/** Predicate over the current task: pid and command filters. Empty string = no filter. */
function whoPredicate(filter: CaptureFilter): string {
  const parts: string[] = [];
  if (filter.pids.length > 0) parts.push(`(${anyOf('pid', filter.pids)})`);
  if (filter.comm !== undefined) parts.push(`curtask->group_leader->comm == "${filter.comm}"`);
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

function guard(pred: string): string {
  return pred.length > 0 ? `/${pred}/\n` : '';
}

export function generateProgram(spec: ProgramSpec): string {
  const { tier, token: T, features: f, filter } = spec;
  if (!/^[0-9a-f]{8,32}$/.test(T)) throw new Error('token must be 8-32 hex digits');
  const invalid = validateFilter(filter);
  if (invalid) throw new Error(invalid);
  const who = whoPredicate(filter);
  const wantEnter = !filter.opcodes || filter.opcodes.includes(IO_URING_ENTER);
  const line = (fmt: string, ...args: string[]): string =>
    `printf("${T}${fmt}\\t${T}\\n"${args.map((a) => ', ' + a).join('')});`;
  // E line: ts pid opcode fd offset length result latency flags comm
  const eventFmt = 'E\\t%llu\\t%d\\t%d\\t%lld\\t%lld\\t%lld\\t%d\\t%llu\\t%d\\t%s';
  const out: string[] = [];
  out.push(`// iouringtop capture program, tier ${tier}. Generated; see bpf/program.ts.`);
  out.push(`BEGIN\n{\n  ${line('R')}\n}`);

  if (tier !== 3 && f.submitTracepoint) {
    const key = f.submitHasReq && f.completeHasReq ? 'args->req' : 'args->ctx, args->user_data';
    const cKey = f.completeHasReq ? 'args->req' : 'args->ctx, args->user_data';
    const useBtf = tier === 1;
    const reqOf = '((struct io_kiocb *)args->req)';

    // --- submit: record who / what / where, keyed by the request ---
    const submit: string[] = [];
    submit.push('  $op = (int64)args->opcode;');
    submit.push(
      useBtf && f.btf.kiocbCqeFd ? `  $fd = (int64)${reqOf}->cqe.fd;` : '  $fd = (int64)0;',
    );
    submit.push('  $off = (int64)0;', '  $len = (int64)0;');
    if (useBtf && f.btf.ioRw) {
      submit.push(
        `  if (${anyOf('$op', RW_OPS)}) {`,
        '    $rw = (struct io_rw *)args->req;',
        '    $off = (int64)$rw->kiocb.ki_pos;',
        '    $len = (int64)$rw->len;',
        '  }',
      );
    }
    if (useBtf && f.btf.ioSync) {
      submit.push(
        `  if (${anyOf('$op', SYNC_OPS)}) {`,
        '    $sy = (struct io_sync *)args->req;',
        '    $off = (int64)$sy->off;',
        '    $len = (int64)$sy->len;',
        '  }',
      );
    }
    const fdFrom: [boolean, string, string, number[]][] = [
      [f.btf.ioOpen, 'io_open', 'dfd', [18, 28]],
      [f.btf.ioStatx, 'io_statx', 'dfd', [21]],
      [f.btf.ioClose, 'io_close', 'fd', [19]],
    ];
    for (const [ok, struct, field, ops] of fdFrom) {
      if (useBtf && ok) {
        submit.push(
          `  if (${anyOf('$op', ops)}) {`,
          `    $fd = (int64)((struct ${struct} *)args->req)->${field};`,
          '  }',
        );
      }
    }
    if (useBtf && f.btf.ioSrMsg) {
      submit.push(
        `  if (${anyOf('$op', SR_OPS)}) {`,
        '    $sr = (struct io_sr_msg *)args->req;',
        '    $len = (int64)$sr->len;',
        '  }',
      );
    }
    if (!useBtf && f.hasFileGet && f.fileGetHasReq) {
      // Tier 2 on 5.18+: the file is looked up after submit; file_get stores its fd by request.
    } else if (!useBtf && f.hasFileGet) {
      // Tier 2 on 5.5-5.17: file_get fires just before submit in the same thread.
      submit.push('  $fd = (int64)@fdtid[tid];', '  delete(@fdtid[tid]);');
    }
    submit.push(
      `  @s[${key}] = (nsecs, pid, $op, $fd, $off, $len, curtask->group_leader->comm);`,
      `  if (@s[${key}].0 == 0) { @dropped = count(); }`,
    );
    if (f.completeHasReq) {
      submit.push(
        `  if (${anyOf('$op', MULTISHOT_OPS)}) {`,
        '    @m[args->ctx, args->user_data] = (nsecs, pid, $op, $fd, $off, $len, curtask->group_leader->comm);',
        '  }',
      );
    }
    if (f.hasOpStr) {
      submit.push(
        '  if (@seen[$op] == 0) {',
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
          ? `tracepoint:io_uring:io_uring_file_get\n${fgWho}{\n  $k = @s[args->req];\n  if ($k.0 != 0) {\n    @s[args->req] = ($k.0, $k.1, $k.2, (int64)args->fd, $k.4, $k.5, $k.6);\n  }\n}`
          : `tracepoint:io_uring:io_uring_file_get\n${fgWho}{\n  @fdtid[tid] = args->fd;\n}`,
      );
    }

    if (f.hasReqFailed && useBtf) {
      // Init failures: submit never fires, yet a CQE (with req) is posted. Record it here.
      out.push(
        `tracepoint:io_uring:io_uring_req_failed\n${guard(and(who, opPredicate(filter, 'args->opcode')))}{\n` +
          `  $fd = ${f.btf.kiocbCqeFd ? `(int64)${reqOf}->cqe.fd` : '(int64)0'};\n` +
          `  @s[args->req] = (nsecs, pid, (int64)args->opcode, $fd, (int64)args->off, (int64)args->len, curtask->group_leader->comm);\n` +
          `  if (@s[args->req].0 == 0) { @dropped = count(); }\n}`,
      );
    }

    // --- completion: one row, latency = now - submit (or since the previous CQE for multishot) ---
    const emit = (src: string, lat: string, flags: string): string =>
      line(
        eventFmt,
        'nsecs',
        `${src}.1`,
        `${src}.2`,
        `${src}.3`,
        `${src}.4`,
        `${src}.5`,
        'args->res',
        lat,
        flags,
        `${src}.6`,
      );
    const reqBody: string[] = [
      `  $s = @s[${cKey}];`,
      '  if ($s.0 != 0) {',
      `    ${emit('$s', 'nsecs - $s.0', '0')}`,
      '    if (args->cflags & 2) {',
      `      @s[${cKey}] = (nsecs, $s.1, $s.2, $s.3, $s.4, $s.5, $s.6);`,
      '    } else {',
      `      delete(@s[${cKey}]);`,
    ];
    if (f.completeHasReq) {
      reqBody.push(
        `      if (${anyOf('$s.2', MULTISHOT_OPS)}) { delete(@m[args->ctx, args->user_data]); }`,
      );
    }
    reqBody.push('    }', '  }');
    // With a command filter the string compare does not fit in this probe's 512-byte stack next
    // to the paired path, so requests already in flight at start are not reported then.
    if (useBtf && f.completeHasReq && filter.comm === undefined) {
      // No submit record: the request was in flight when tracing started (or the map was full).
      // The opcode is still in the request; pid and command are the completing task's.
      const unpairedPred = and(who, opPredicate(filter, '$op'));
      reqBody.push(
        '  else {',
        '    $op = (int64)((struct io_kiocb *)args->req)->opcode;',
        `    if (${unpairedPred.length > 0 ? unpairedPred : '1'}) {`,
        `      ${line(eventFmt, 'nsecs', 'pid', '$op', '(int64)0', '(int64)0', '(int64)0', 'args->res', '(uint64)0', '1', 'curtask->group_leader->comm')}`,
        '    }',
        '  }',
      );
    }
    if (f.completeHasReq) {
      // Two probes on one tracepoint: each gets its own 512-byte BPF stack, which one probe
      // holding both paths (three printf argument blocks) exceeds.
      out.push(
        `tracepoint:io_uring:io_uring_complete\n/args->req != 0/\n{\n${reqBody.join('\n')}\n}`,
      );
      // Intermediate multishot CQEs carry no req: match them by (ctx, user_data).
      out.push(
        [
          'tracepoint:io_uring:io_uring_complete',
          '/args->req == 0/',
          '{',
          '  $m = @m[args->ctx, args->user_data];',
          '  if ($m.0 != 0) {',
          `    ${emit('$m', 'nsecs - $m.0', '2')}`,
          '    @m[args->ctx, args->user_data] = (nsecs, $m.1, $m.2, $m.3, $m.4, $m.5, $m.6);',
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
      out.push('tracepoint:io_uring:io_uring_cqe_overflow\n{\n  @overflow = count();\n}');
    }
  }

  if (wantEnter) {
    out.push(
      `tracepoint:syscalls:sys_enter_io_uring_enter\n${guard(who)}{\n  @e[tid] = (nsecs, (int64)args->fd, (int64)args->to_submit);\n}`,
    );
    out.push(
      'tracepoint:syscalls:sys_exit_io_uring_enter\n{\n  $e = @e[tid];\n  if ($e.0 != 0) {\n' +
        `    ${line(eventFmt, 'nsecs', 'pid', String(IO_URING_ENTER), '$e.1', '(int64)0', '$e.2', '(int32)args->ret', 'nsecs - $e.0', '0', 'curtask->group_leader->comm')}\n` +
        '    delete(@e[tid]);\n  }\n}',
    );
  }

  const counters: string[] = [];
  if (tier !== 3 && f.submitTracepoint) {
    counters.push('@dropped');
    if (f.hasCqeOverflow) counters.push('@overflow');
    if (f.completeHasReq) counters.push('@unmatched');
  }
  if (counters.length > 0) {
    out.push(`interval:s:1\n{\n${counters.map((c) => `  print(${c});`).join('\n')}\n}`);
  }
  const maps = ['@s', '@m', '@e', '@seen', '@fdtid'].filter((m) =>
    out.some((block) => block.includes(`${m}[`)),
  );
  // Clear the big maps at exit so bpftrace does not dump them; the counters print one last time.
  out.push(`END\n{\n${maps.map((m) => `  clear(${m});`).join('\n')}\n}`);
  return out.join('\n\n') + '\n';
}
