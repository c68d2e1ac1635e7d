/**
 * The counted figures that are a plain count per (process, opcode) at their own tracepoint
 * (source/model/figures.ts: `counter: 'tracepoint'`: punts to io-wq, poll arms, broken links):
 * one counter each, into the figure's map (the process is the task's: these fire in the
 * submitter's context).
 */
import { FIGURES, type Figure } from '../../source/model/figures.js';
import { and, probe, type ProgramContext } from '../context.js';

export function diagnosticProbes(ctx: ProgramContext): string[] {
  const d = ctx.diagnostics;
  return (FIGURES as readonly Figure[])
    .filter((f) => f.program.counter === 'tracepoint' && d[f.key as keyof typeof d] === true)
    .map((f) =>
      probe(`tracepoint:io_uring:${f.program.tracepoint}`, and(ctx.who, ctx.opIs('args->opcode')), [
        `  @${f.program.maps[0].name}[${ctx.key0('(uint64)pid')}, (uint64)args->opcode] = count();`,
      ]),
    );
}
