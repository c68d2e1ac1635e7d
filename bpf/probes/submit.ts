/**
 * The submission side: io_uring_submit_req (or submit_sqe) keeps a record of the requests it
 * must (see sampling.ts), keyed by the request: when, who (the thread-group leader: SQPOLL
 * `iou-sqp-*` and io-wq `iou-wrk-*` work is the application's), the opcode, and, read through BTF
 * casts of the request, fd / offset / length. Multishot requests are also kept by (ctx,
 * user_data): their later CQEs carry no request. And io_uring_file_get gives the fd where BTF
 * cannot (tier 2).
 *
 * Record: (time, a, offset, b) with a = tgid | opcode << 24 | fd << 32 (fd as u32; a registered
 * file's index with bit 30 set), b = length | weight << 32 | send-the-event << 63.
 */
import { FIXED_FD_BIT } from '../../source/model/event.js';
import { BUILTIN_OPCODES, OPCODE_CLASSES } from '../../source/model/opcodes.js';
import {
  and,
  anyOf,
  argLoads,
  indent,
  probe,
  REQ_F_CQE_SKIP,
  type ProgramContext,
} from '../context.js';
import { decide } from './sampling.js';

/** REQ_F_BUFFER_SELECT: the buffer is chosen at issue; io_rw.len then holds the bytes asked. */
const BUFFER_SELECT = 0x20;
/** Most iovecs summed for a fixed vectored operation (a bounded loop); past it: unknown. */
const MAX_SUMMED_IOVECS = 16;

/** The record's key: the request, or (ctx, user_data) where completions do not name it. */
export const recordKey = (ctx: ProgramContext): string =>
  ctx.f.submitHasReq && ctx.f.completeHasReq ? '$req' : '$rctx, $ud';

/**
 * Statements that set `$len` to the bytes a vectored operation asks for, where the kernel lets us
 * read them at submission (6.10+ prepares the iov_iter then); otherwise 0, which the CSV writes
 * as an empty field: unknown, never the iovec count.
 */
function vectoredLength(ctx: ProgramContext): string[] {
  const b = ctx.f.btf;
  const { vectored, vectoredFixed, vectoredMsg } = OPCODE_CLASSES;
  const ops = [...vectored, ...vectoredFixed, ...(b.ioSrMsg || b.asyncMsg ? vectoredMsg : [])];
  const out = [
    `if (${anyOf('$op', ops)}) {`,
    '  $len = (uint64)0;',
    '  $rq = (struct io_kiocb *)$req;',
    `  $bufsel = $rq->flags & ${BUFFER_SELECT};`,
    '  $ad = (uint64)$rq->async_data;',
  ];
  if (b.ioRw) {
    // with a selected buffer the kernel put the byte count in io_rw.len
    out.push(
      `  if ($bufsel != 0 && (${anyOf('$op', vectored)})) { $len = (uint64)((struct io_rw *)$req)->len; }`,
    );
  }
  if (b.asyncRwIter) {
    out.push(
      `  if ($ad != 0 && $bufsel == 0 && (${anyOf('$op', vectored)})) {`,
      '    $len = (uint64)((struct io_async_rw *)$ad)->iter.count;',
      '  }',
    );
  }
  if (b.asyncRwVec && b.ioRw) {
    out.push(
      `  if ($ad != 0 && (${anyOf('$op', vectoredFixed)})) {`,
      '    $io = (struct io_async_rw *)$ad;',
      '    $n = (uint64)((struct io_rw *)$req)->len;',
      '    $iov = $io->vec.iovec + ((uint64)$io->vec.nr - $n);',
      '    $sum = (uint64)0;',
      '    $i = (uint64)0;',
      `    while ($i < $n && $i < ${MAX_SUMMED_IOVECS}) { $sum = $sum + (uint64)($iov + $i)->iov_len; $i = $i + 1; }`,
      '    if ($i == $n) { $len = $sum; }',
      '  }',
    );
  }
  if (b.asyncMsg) {
    out.push(
      `  if ($ad != 0 && $bufsel == 0 && (${anyOf('$op', vectoredMsg)})) {`,
      '    $len = (uint64)((struct io_async_msghdr *)$ad)->msg.msg_iter.count;',
      '  }',
    );
  }
  out.push('}');
  return out;
}

/** Statements that set $fd, $off and $len from the request (BTF), for $op. */
function fields(ctx: ProgramContext): string[] {
  const f = ctx.f;
  const reqOf = '((struct io_kiocb *)$req)';
  const out: string[] = [
    f.btf.kiocbCqeFd ? `$fd = (uint64)(uint32)${reqOf}->cqe.fd;` : '$fd = (uint64)0;',
    '$off = (int64)0;',
    '$len = (uint64)0;',
  ];
  if (f.btf.ioRw) {
    out.push(
      `if (${anyOf('$op', OPCODE_CLASSES.rw)}) {`,
      '  $rw = (struct io_rw *)$req;',
      '  $off = (int64)$rw->kiocb.ki_pos;',
      '  $len = (uint64)$rw->len;',
      '}',
    );
  }
  if (f.btf.ioSync) {
    out.push(
      `if (${anyOf('$op', OPCODE_CLASSES.sync)}) {`,
      '  $sy = (struct io_sync *)$req;',
      '  $off = (int64)$sy->off;',
      '  $len = (uint64)(uint32)$sy->len;',
      '}',
    );
  }
  const fdFrom: [boolean, string, string, number[]][] = [
    [f.btf.ioOpen, 'io_open', 'dfd', [18, 28]],
    [f.btf.ioStatx, 'io_statx', 'dfd', [21]],
    [f.btf.ioClose, 'io_close', 'fd', [19]],
  ];
  for (const [ok, struct, field, ops] of fdFrom) {
    if (ok)
      out.push(
        `if (${anyOf('$op', ops)}) { $fd = (uint64)(uint32)((struct ${struct} *)$req)->${field}; }`,
      );
  }
  if (f.btf.ioSrMsg) {
    out.push(
      `if (${anyOf('$op', OPCODE_CLASSES.sendRecv)}) { $len = (uint64)(uint32)((struct io_sr_msg *)$req)->len; }`,
    );
  }
  out.push(...vectoredLength(ctx));
  if (f.btf.kiocbCqeFd && f.submitHasFlags) {
    // IOSQE_FIXED_FILE (REQ_F_FIXED_FILE, bit 0 of the request's flags): the fd is an index
    // into the registered-file table; marked so that it is never taken for a descriptor
    out.push(`if ($fl & 1) { $fd = ($fd & 0x3fffffff) | 0x${FIXED_FD_BIT.toString(16)}; }`);
  }
  return out;
}

export function submitProbe(ctx: ProgramContext): string {
  const f = ctx.f;
  const key = recordKey(ctx);
  const kept = ctx.counting === 'record' ? '1' : '$w != 0 || $emit != 0';
  const multishot = f.completeHasReq ? anyOf('$op', OPCODE_CLASSES.multishot) : '0';
  const body: string[] = [
    ...argLoads({ req: f.submitHasReq, ctx: true, ud: true }),
    '$op = (uint64)args->opcode;',
    ...(f.submitHasFlags ? ['$fl = (uint64)args->flags;'] : []),
    ...decide(ctx, 'op'),
  ];
  if (f.submitHasFlags && ctx.counting === 'completion') {
    // posts no CQE when it succeeds: its record would never be taken back
    body.push(`if ($fl & ${REQ_F_CQE_SKIP}) { $w = 0; $emit = 0; }`);
  }
  body.push(`$keep = ${kept};`, `$ms = ${multishot};`, '$fd = (uint64)0;', '$off = (int64)0;');
  body.push('$len = (uint64)0;');
  const read: string[] = [];
  if (ctx.readsFields) read.push(...fields(ctx));
  else if (f.hasFileGet && !f.fileGetHasReq) {
    // Tier 2 on 5.5-5.17: file_get fires just before submit in the same thread.
    read.push('$fd = (uint64)(uint32)@fdtid[tid];', 'delete(@fdtid[tid]);');
  }
  body.push(
    'if ($keep || $ms) {',
    ...indent(read, '  '),
    ...indent(ctx.nameOnce(), '  '),
    '  $a = (uint64)pid | ($op << 24) | ($fd << 32);',
    '  $b = ($len & 0xffffffff) | ($w << 32) | ($emit << 63);',
    '  if ($keep) {',
    `    @s[${key}] = (nsecs, $a, $off, $b);`,
    `    if (@s[${key}].0 == 0) { @dropped = count(); @sfull = 1; }`,
    '  }',
    '  if ($ms) {',
    // every CQE of a multishot request has its latency (weight 1): since the one before it
    '    @m[$rctx, $ud] = (nsecs, $a, $off, ($b & 0x80000000ffffffff) | (1 << 32), $req);',
    '    if (@m[$rctx, $ud].0 == 0) { @dropped = count(); @mfull = 1; }',
    '  }',
    '}',
  );
  if (f.hasOpStr) {
    // only opcodes this build has no name for: a map lookup per submission saved
    body.push(
      `if ($op >= ${BUILTIN_OPCODES} && @seen[$op] == 0) {`,
      '  @seen[$op] = 1;',
      `  ${ctx.line('O\\t%d\\t%s', '$op', 'str(args->op_str)')}`,
      '}',
    );
  }
  return probe(
    `tracepoint:io_uring:${f.submitTracepoint}`,
    and(ctx.who, ctx.opIs('args->opcode')),
    indent(body, '  '),
  );
}

/** Tier 2: the fd from io_uring_file_get (which fires around the submission). */
export function fileGetProbe(ctx: ProgramContext): string | undefined {
  const f = ctx.f;
  if (ctx.readsFields || !f.hasFileGet) return undefined;
  if (!f.fileGetHasReq)
    return probe('tracepoint:io_uring:io_uring_file_get', ctx.who, ['  @fdtid[tid] = args->fd;']);
  // 5.18+: the file is looked up after the submission; put its fd in the records
  return probe('tracepoint:io_uring:io_uring_file_get', ctx.who, [
    ...indent(argLoads({ req: true, ctx: true, ud: true }), '  '),
    '  $fd = (uint64)(uint32)args->fd << 32;',
    '  $k = @s[$req];',
    '  if ($k.0 != 0) { @s[$req] = ($k.0, ($k.1 & 0xffffffff) | $fd, $k.2, $k.3); }',
    ...(f.completeHasReq
      ? [
          // a multishot request's later CQEs are matched by (ctx, user_data): give them the fd
          '  $m = @m[$rctx, $ud];',
          '  if ($m.0 != 0) { @m[$rctx, $ud] = ($m.0, ($m.1 & 0xffffffff) | $fd, $m.2, $m.3, $m.4); }',
        ]
      : []),
  ]);
}
