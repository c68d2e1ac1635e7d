/**
 * Punts to io-wq, poll arms, broken links: one counter per (process, opcode) each, at their own
 * tracepoints (the process is the task's: these fire in the submitter's context).
 */
import { and, probe, type ProgramContext } from '../context.js';

export function diagnosticProbes(ctx: ProgramContext): string[] {
  const d = ctx.diagnostics;
  const perOp: [boolean, string, string][] = [
    [d.punted, 'io_uring_queue_async_work', '@punt'],
    [d.poll, 'io_uring_poll_arm', '@poll'],
    [d.links, 'io_uring_fail_link', '@flink'],
  ];
  return perOp
    .filter(([ok]) => ok)
    .map(([, tp, map]) =>
      probe(`tracepoint:io_uring:${tp}`, and(ctx.who, ctx.opIs('args->opcode')), [
        `  ${map}[(uint64)pid, (uint64)args->opcode] = count();`,
      ]),
    );
}
