/**
 * What a CPU holds goes out when it goes idle, and at least FLUSH_HZ times a second while busy
 * (a busy CPU's profile probe; an idle one has none, it sent its events on the way in).
 */
import { FLUSH_HZ, indent, probe, type ProgramContext } from '../context.js';

export function flushProbes(ctx: ProgramContext): string[] {
  if (!ctx.sendsEvents) return [];
  const body = indent(ctx.flushHeld(), '  ');
  const out = [probe(`profile:hz:${FLUSH_HZ}`, '', body)];
  if (ctx.f.hasCpuIdle)
    out.push(probe('tracepoint:power:cpu_idle', 'args->state != 4294967295', body));
  return out;
}
