/**
 * Init failures (io_uring_req_failed): the submission never fires for them, yet a CQE (with the
 * request) is posted. Counted here by errno (0 where the tracepoint has no `error`); the CQE
 * itself is counted at its completion like any other. Where the completion needs a record (older
 * kernels), or events are sent (each failure's, whatever the sampling), one is made here, with
 * the SQE's offset and length.
 */
import { and, argLoads, indent, probe, type ProgramContext } from '../context.js';

export function failuresProbe(ctx: ProgramContext): string | undefined {
  const f = ctx.f;
  if (ctx.counting === 'none' || !f.hasReqFailed) return undefined;
  const errno = f.reqFailedHasError
    ? '(uint64)(args->error < 0 ? -args->error : args->error)'
    : '(uint64)0';
  const body = [
    ...argLoads({ req: true }),
    '$op = (uint64)args->opcode;',
    `$err = ${errno};`,
    '$fo = (int64)args->off;',
    '$fl = (uint64)args->len;',
    ...ctx.nameOnce(),
    `@fail[${ctx.key0('(uint64)pid')}, $op, $err] = count();`,
  ];
  // (init failures are few: where events are sent, each one's is)
  if (ctx.readsFields && (ctx.counting === 'record' || ctx.sendsEvents)) {
    body.push(
      `$fd = ${f.btf.kiocbCqeFd ? '(uint64)(uint32)((struct io_kiocb *)$req)->cqe.fd' : '(uint64)0'};`,
      '$a = (uint64)pid | ($op << 24) | ($fd << 32);',
      // weight 1, and the event sent when every event is
      `@s[$req] = (nsecs, $a, $fo, ($fl & 0xffffffff) | (1 << 32)${ctx.sendsEvents ? ' | (1 << 63)' : ''});`,
      'if (@s[$req].0 == 0) { @dropped = count(); @sfull = 1; }',
    );
  }
  return probe(
    'tracepoint:io_uring:io_uring_req_failed',
    and(ctx.who, ctx.opIs('args->opcode')),
    indent(body, '  '),
  );
}
