/**
 * The completion side: io_uring_complete counts every CQE once, in @c under its result class
 * (see bpf/maps.ts), on the process and opcode of its request; takes the latency of the requests
 * whose submission was kept; sends the events chosen at submission. io_uring_cqe_overflow counts
 * the CQEs that went to the overflow list instead (it names no request).
 *
 * Whose CQE it is:
 * - a request's (`req` set): counted from the request itself, its opcode read through BTF, its
 *   process the completing task's (io-wq and SQPOLL threads belong to the application), or, when
 *   a kernel worker posts it (a ring torn down after its process left), the task that submitted
 *   it (req->tctx->task). On older kernels, from the submission's record.
 * - a multishot request's later CQE (`req` NULL): its record by (ctx, user_data).
 * - any other CQE without a request (resource-tag notifications, MSG_RING deliveries), or with a
 *   request the kernel made itself (a zero-copy send's notification, IORING_CQE_F_NOTIF): the
 *   ring owner's "other CQEs".
 * The ring owner: the process that made the ring (io_uring_create), or, for a ring made before
 * the capture, the first task that used it (the ring's tctx list), or the task at hand when it
 * is not a kernel worker.
 */
import { bucketStatements } from '../buckets.js';
import {
  and,
  anyOf,
  argLoads,
  CQE_F_MORE,
  CQE_F_NOTIF,
  FLAG_MULTISHOT,
  FLAG_NO_SUBMIT,
  indent,
  PF_KTHREAD,
  probe,
  type ProgramContext,
} from '../context.js';
import { BYTE_OPCODES, OPCODE_CLASSES } from '../../source/model/opcodes.js';
import { CLASS_BYTES_MAX, CLASS_POSITIVE } from '../maps.js';
import { recordKey } from './submit.js';

/** EPOLLONESHOT (1 << 30): set in a POLL_ADD's events unless it is multishot. */
const EPOLLONESHOT_BIT = 30;

/** The owner value of a ring whose owner the filter leaves out. */
export const FOREIGN_OWNER = 0xffffffff;

/**
 * Counts a completion of ($tg, $op) with result $r (int64): one @c update for most, two for a
 * read or write whose byte count the class cannot hold.
 */
function countStatements(ctx: ProgramContext): string[] {
  const tg = ctx.key0('$tg');
  return [
    '$cls = $r;',
    'if ($r > 0) {',
    `  $cls = ${CLASS_POSITIVE};`,
    `  if (${anyOf('$op', BYTE_OPCODES)}) {`,
    `    if ($r <= ${CLASS_BYTES_MAX} && ($r & 511) == 0) { $cls = $r; } else { @by[${tg}, $op] = sum($r); }`,
    '  }',
    '}',
    `@c[${tg}, $op, $cls] = count();`,
  ];
}

/**
 * A kept request's record $s (time, a, offset, b) at its completion: latency (weighted), short
 * result, event; `flags` are the event's flags.
 */
function takeRecord(ctx: ProgramContext, rec: string, flags = 0): string[] {
  const out = [
    `$v = nsecs - ${rec}.0;`,
    `$w = (${rec}.3 >> 32) & 0x7fffffff;`,
    'if ($w != 0) {',
    ...indent(bucketStatements(''), '  '),
    `  @lat[${ctx.key0('$tg')}, $op, $b] = sum($w);`,
    '  @lsn = count();',
    '}',
  ];
  if (ctx.diagnostics.short) {
    out.push(
      `if ($w != 0 && $r >= 0 && (${anyOf('$op', BYTE_OPCODES)}) && (uint64)$r < (${rec}.3 & 0xffffffff)) { @short[${ctx.key0('$tg')}, $op] = sum($w); }`,
    );
  }
  if (ctx.sendsEvents) {
    const a = flags === 0 ? `${rec}.1` : `${rec}.1 | (${flags} << 22)`;
    out.push(
      `if (${rec}.3 >> 63) {`,
      ...indent(
        pendingEvent('$v', a, `${rec}.2`, `(${rec}.3 & 0xffffffff) | ((uint64)(uint32)$r << 32)`),
        '  ',
      ),
      '}',
    );
  }
  return out;
}

/**
 * The event a probe is to send, in variables: one staging at the probe's end (sendPending),
 * whichever branch chose it. Two copies of the staging (a line of held records built on the BPF
 * stack) do not fit one probe's 512 bytes on bpftrace 0.17.
 */
function pendingEvent(lat: string, a: string, off: string, b: string): string[] {
  return [
    '$ev = (uint64)1;',
    `$elat = (uint64)${lat};`,
    `$ea = (uint64)(${a});`,
    `$eoff = (int64)${off};`,
    `$eb = (uint64)(${b});`,
  ];
}

/** Statements that start a probe with no event pending, and that send the pending one. */
const noEvent = (ctx: ProgramContext): string[] =>
  ctx.sendsEvents
    ? [
        '$ev = (uint64)0;',
        '$elat = (uint64)0;',
        '$ea = (uint64)0;',
        '$eoff = (int64)0;',
        '$eb = (uint64)0;',
      ]
    : [];
const sendPending = (ctx: ProgramContext): string[] =>
  ctx.sendsEvents
    ? ['if ($ev) {', ...indent(ctx.stage('nsecs', '$elat', '$ea', '$eoff', '$eb'), '  '), '}']
    : [];

/** Statements that set $o to the owner of ring $rctx (0: unknown). */
export function ownerStatements(ctx: ProgramContext): string[] {
  const off = ctx.f.ctxTctxListOffset;
  const learn = [
    '$hd = (uint64)$rctx + ' + String(off) + ';',
    '$nx = *(uint64 *)$hd;',
    'if ($nx != 0 && $nx != $hd) {',
    '  $ot = ((struct io_tctx_node *)$nx)->task;',
    '  $o = (uint64)$ot->tgid;',
    ...(ctx.whoOf('$ot', '$o')
      ? [`  if (!(${ctx.whoOf('$ot', '$o')})) { $o = ${FOREIGN_OWNER}; }`]
      : []),
    '}',
  ];
  return [
    '$o = @own[(uint64)$rctx];',
    'if ($o == 0) {',
    ...(off !== undefined && Number.isInteger(off) && off > 0 && off < 65536
      ? indent(learn, '  ')
      : []),
    `  if ($o == 0 && !(curtask->flags & ${PF_KTHREAD})) {`,
    '    $o = (uint64)pid;',
    ...(ctx.who ? [`    if (!(${ctx.who})) { $o = ${FOREIGN_OWNER}; }`] : []),
    '  }',
    '  if ($o != 0) {',
    '    @own[(uint64)$rctx] = $o;',
    `    ${ctx.line('C\\t%llu\\t%llu', '(uint64)$rctx', '$o')}`,
    '  }',
    '}',
  ];
}

/**
 * A multishot request's final CQE (no IORING_CQE_F_MORE, the request at hand): its ending, in
 * @mse. The request's flags say it was multishot (REQ_F_APOLL_MULTISHOT: recv, recvmsg, accept,
 * read); a POLL_ADD is multishot when its events lack EPOLLONESHOT.
 */
function multishotEnd(ctx: ProgramContext, reqOf: string, pass: string): string[] {
  const bit = ctx.f.btf.apollMultishotBit;
  if (!ctx.diagnostics.msEnds || bit === undefined) return [];
  const poll = ctx.f.btf.ioPollEvents
    ? ` || ($op == 6 && !((((struct io_poll *)$req)->events >> ${EPOLLONESHOT_BIT}) & 1))`
    : '';
  const ended = `((((uint64)${reqOf}->flags >> ${bit}) & 1)${poll})`;
  return [`if (${and(pass, ended)}) { @mse[${ctx.key0('$tg')}, $op] = count(); }`];
}

/** A request's CQE (req set), counted from the request: 'completion' counting. */
function requestCompletion(ctx: ProgramContext): string[] {
  const reqOf = '((struct io_kiocb *)$req)';
  const body: string[] = [
    ...argLoads({ req: true, ctx: true, ud: true, res: true, cflags: true }),
    '$tg = (uint64)pid;',
    '$t = curtask;',
  ];
  if (ctx.ownerAtCompletion) {
    body.push(
      `if ($t->flags & ${PF_KTHREAD}) { $t = ${reqOf}->tctx->task; $tg = (uint64)$t->tgid; }`,
    );
  }
  body.push(`$op = (uint64)${reqOf}->opcode;`, '$r = (int64)$res;', '$s = @s[$req];');
  const pass = and(ctx.whoOf('$t', '$tg'), ctx.opIs('$op'));
  // a zero-copy send's notification: a request the kernel made, never submitted; the
  // application reaps it like any CQE, but it is no operation: one of the owner's other CQEs
  const count = [
    `if ($cf & ${CQE_F_NOTIF}) { @oc[${ctx.key0('$tg')}] = count(); } else {`,
    ...indent(countStatements(ctx), '  '),
    '}',
  ];
  body.push(...(pass ? [`if (${pass}) {`, ...indent(count, '  '), '}'] : count));
  // A notification's request was never submitted: a record at its address is another request's,
  // freed without a completion (its CQE overflowed: io_uring_cqe_overflow names no request).
  // Taken, it would send that request's event a second time, for a CQE that is no operation.
  body.push(
    `if ($cf & ${CQE_F_NOTIF}) {`,
    '  if ($s.0 != 0) { delete(@s[$req]); }',
    // (the last CQE with its send's user data: the send's multishot record goes)
    '  delete(@m[$rctx, $ud]);',
    '}',
    'else if ($s.0 != 0) {',
    ...indent(takeRecord(ctx, '$s'), '  '),
  );
  // (a zero-copy send's F_MORE announces its notification, another request's CQE: none of its own)
  body.push(
    `  if (($cf & ${CQE_F_MORE}) && !(${anyOf('$op', OPCODE_CLASSES.zeroCopySend)})) { @s[$req] = (nsecs, $s.1, $s.2, $s.3); } else { delete(@s[$req]); }`,
    '}',
  );
  if (ctx.events.kind === 'all') {
    // every request is kept in this mode: one without a record was in flight at start
    const stage = pendingEvent(
      '0',
      `$tg | (${FLAG_NO_SUBMIT} << 22) | ($op << 24)`,
      '0',
      '(uint64)(uint32)$r << 32',
    );
    // (named here by the completing task when it is the process's: a kernel worker is not)
    body.push(
      `else if (${and(`!($cf & ${CQE_F_NOTIF})`, pass)}) {`,
      '  if ($tg == pid) {',
      ...indent(ctx.nameOnce(), '    '),
      '  }',
      ...indent(stage, '  '),
      '}',
    );
  }
  body.push(
    `if (!($cf & ${CQE_F_MORE}) && (${anyOf('$op', OPCODE_CLASSES.multishot)})) {`,
    '  delete(@m[$rctx, $ud]);',
    ...indent(multishotEnd(ctx, reqOf, pass), '  '),
    '}',
  );
  return body;
}

/** A CQE counted from its submission's record: 'record' counting (older kernels, no BTF). */
function recordedCompletion(ctx: ProgramContext): string {
  const f = ctx.f;
  const key = recordKey(ctx);
  const more = f.completeHasCflags ? `$cf & ${CQE_F_MORE}` : '0';
  const body = [
    ...argLoads({
      req: f.completeHasReq,
      ctx: true,
      ud: true,
      res: true,
      cflags: f.completeHasCflags,
    }),
    `$s = @s[${key}];`,
    ...noEvent(ctx),
    'if ($s.0 != 0) {',
    '  $tg = $s.1 & 0x3fffff;',
    '  $op = ($s.1 >> 24) & 0xff;',
    '  $r = $res;',
    ...indent(countStatements(ctx), '  '),
    ...indent(takeRecord(ctx, '$s'), '  '),
    `  if (${more}) { @s[${key}] = (nsecs, $s.1, $s.2, $s.3); } else {`,
    `    delete(@s[${key}]);`,
    ...(f.completeHasReq
      ? [`    if (${anyOf('$op', OPCODE_CLASSES.multishot)}) { delete(@m[$rctx, $ud]); }`]
      : []),
    '  }',
    '}',
    ...sendPending(ctx),
  ];
  return probe(
    'tracepoint:io_uring:io_uring_complete',
    f.completeHasReq ? 'args->req != 0' : '',
    indent(body, '  '),
  );
}

/**
 * Deletes the submission's record of the multishot request in $m (its request pointer, kept
 * with it), where records are keyed by request.
 */
function forgetRecordOf(ctx: ProgramContext): string | undefined {
  return recordKey(ctx) === '$req' ? 'delete(@s[$m.4]);' : undefined;
}

/** A CQE without a request: a multishot request's later CQE, or another CQE of the ring's. */
function requestlessCompletion(ctx: ProgramContext): string[] {
  const forgetRecord = forgetRecordOf(ctx);
  const body = [
    ...argLoads({ ctx: true, ud: true, res: true, cflags: true }),
    '$m = @m[$rctx, $ud];',
    'if ($m.0 != 0) {',
    '  $tg = $m.1 & 0x3fffff;',
    '  $op = ($m.1 >> 24) & 0xff;',
    '  $r = $res;',
    ...indent(countStatements(ctx), '  '),
    // every later CQE of a multishot request has its latency: since the one before it
    ...indent(takeRecord(ctx, '$m', FLAG_MULTISHOT), '  '),
    `  if ($cf & ${CQE_F_MORE}) {`,
    '    @m[$rctx, $ud] = (nsecs, $m.1, $m.2, $m.3, $m.4);',
    '  } else {',
    '    delete(@m[$rctx, $ud]);',
    ...(forgetRecord ? [`    ${forgetRecord}`] : []),
    '  }',
    '} else {',
    ...indent(ownerStatements(ctx), '  '),
    `  if ($o != 0 && $o != ${FOREIGN_OWNER}) { @oc[${ctx.key0('$o')}] = count(); }`,
    ...(ctx.who === '' ? ['  if ($o == 0) { @unmatched = count(); }'] : []),
    '}',
  ];
  return body;
}

/** CQEs that did not fit in the CQ ring (io_uring_cqe_overflow: instead of io_uring_complete). */
function overflowProbe(ctx: ProgramContext): string {
  const matchMultishot = ctx.f.completeHasReq;
  const forgetRecord = forgetRecordOf(ctx);
  // (counted only where the filter takes its process: a multishot request's, kept because the
  // filter took it at submission, or the ring owner's; an unknown owner only without a filter)
  const unknownOwner = ctx.who === '' ? '@overflow = count();' : '';
  const body = [
    ...argLoads({ ctx: true, ud: true, cflags: true }),
    ...(matchMultishot
      ? [
          '$m = @m[$rctx, $ud];',
          'if ($m.0 != 0) {',
          `  @ovfo[${ctx.key0('$m.1 & 0x3fffff')}, ($m.1 >> 24) & 0xff] = count();`,
          '  @overflow = count();',
          // its last CQE: the request's records go (a completion would have taken them)
          `  if (!($cf & ${CQE_F_MORE})) { delete(@m[$rctx, $ud]); ${forgetRecord ?? ''} }`,
          '} else {',
        ]
      : ['{']),
    ...indent(ownerStatements(ctx), '  '),
    `  if ($o != 0 && $o != ${FOREIGN_OWNER}) { @ovf[${ctx.key0('$o')}] = count(); @overflow = count(); }`,
    ...(unknownOwner ? [`  if ($o == 0) { ${unknownOwner} }`] : []),
    '}',
  ];
  return probe('tracepoint:io_uring:io_uring_cqe_overflow', '', indent(body, '  '));
}

export function completionProbes(ctx: ProgramContext): string[] {
  if (ctx.counting === 'none') return [];
  const out: string[] = [];
  if (ctx.counting === 'completion') {
    // One program for both kinds of CQE: two programs on the tracepoint, each with its predicate,
    // would both run for every CQE: ~35 ns more per operation (docs/performance.md).
    // (the event to send is declared before the branches: bpftrace 0.23 scopes a variable to
    // its block)
    const body = [
      ...noEvent(ctx),
      'if (args->req != 0) {',
      ...indent(requestCompletion(ctx), '  '),
      '} else {',
      ...indent(requestlessCompletion(ctx), '  '),
      '}',
      ...sendPending(ctx),
    ];
    out.push(probe('tracepoint:io_uring:io_uring_complete', '', indent(body, '  ')));
  } else {
    out.push(recordedCompletion(ctx));
    if (ctx.f.completeHasReq)
      out.push(
        probe(
          'tracepoint:io_uring:io_uring_complete',
          'args->req == 0',
          indent([...noEvent(ctx), ...requestlessCompletion(ctx), ...sendPending(ctx)], '  '),
        ),
      );
  }
  if (ctx.f.hasCqeOverflow) out.push(overflowProbe(ctx));
  return out;
}
