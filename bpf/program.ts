/**
 * Generates the bpftrace program iouringtop runs, for the capture tier the probe chose: one
 * builder per probe (bpf/probes/), sharing one context (bpf/context.ts).
 *
 * Two outputs, one program:
 * - Exact counts, kept in the kernel whatever the rate (bpf/maps.ts): every CQE once, per
 *   process, opcode and result class; weighted latency histograms; io_uring_enter calls by
 *   result; the diagnostics. Printed (cumulative) every second, each time followed by a `T`
 *   line; the collector turns them into deltas.
 * - Event lines (unless switched off): every event, a random 1 in N, or, by default, every event
 *   up to a budget a second and a sample above it (bpf/probes/sampling.ts). Packed numbers; the
 *   command name sent once per process in an `N` line (again after exec or a rename).
 *
 * Lines (every one framed by a random per-session token, see source/collect/parse.ts):
 *   E (ts lat a off b)+        1 to EVENT_BATCH events, operations and io_uring_enter calls
 *                              (opcode 255): a = tgid | flags<<22 | opcode<<24 | fd<<32 (fd as
 *                              u32; a registered file's index with bit 30 set, FIXED_FD_BIT),
 *                              b = length | result<<32 (result as u32), both in hex (they
 *                              pass 2^53); lat 0 = unknown
 *   N tgid comm                a process's name
 *   X tgid comm                a process ended (its last name)
 *   C ctx tgid                 a ring's owner
 *   O opcode name              the kernel's name of an opcode (op_str), once per opcode
 *   A map ns                   an in-flight map was full and was emptied
 *   R ns                       attached
 *   T ns                       the counters printed just before are complete as of ns
 *   @map[keys]: value          the counters (bpftrace's print)
 *   @qn[cpu]: n, @q[cpu, i]: (ts, lat, a, off, b)   at the end: the n records a CPU still held
 */
import { ProgramContext } from './context.js';
import { completionProbes } from './probes/completion.js';
import { controlProbe } from './probes/control.js';
import { beginProbe, counterProbes } from './probes/counters.js';
import { diagnosticProbes } from './probes/diagnostics.js';
import { enterProbes } from './probes/enter.js';
import { failuresProbe } from './probes/failures.js';
import { flushProbes } from './probes/flush.js';
import { lifecycleProbes } from './probes/lifecycle.js';
import { refillProbe } from './probes/sampling.js';
import { fileGetProbe, submitProbe } from './probes/submit.js';
import type { ProgramSpec } from './spec.js';

export type {
  CaptureFilter,
  ControlChannel,
  EventLines,
  KernelFeatures,
  ProgramSpec,
  Tier,
} from './spec.js';
export type { Diagnostics } from '../source/model/figures.js';
export {
  COMM_PATTERN,
  diagnosticsOf,
  EVENT_BATCH,
  FLAG_MULTISHOT,
  FLAG_NO_SUBMIT,
  FLUSH_HZ,
  NO_DIAGNOSTICS,
  validateFilter,
} from './context.js';
export { IO_URING_ENTER } from '../source/model/opcodes.js';
export { KERNEL_LAST_BUCKET, KERNEL_SUB_BITS, kernelBucketMid, kernelBucketOf } from './buckets.js';

/** Whether a map is written anywhere in these probes. */
function writes(blocks: readonly string[], map: string): boolean {
  const re = new RegExp(`@${map}(\\[[^\\]]*\\])? = `);
  return blocks.some((b) => re.test(b));
}

export function generateProgram(spec: ProgramSpec): string {
  const ctx = new ProgramContext(spec);
  const probes: string[] = [];
  const add = (...blocks: (string | undefined)[]): void => {
    for (const b of blocks) if (b !== undefined) probes.push(b);
  };
  if (ctx.counting !== 'none') {
    add(submitProbe(ctx), fileGetProbe(ctx), failuresProbe(ctx));
    add(...diagnosticProbes(ctx), ...completionProbes(ctx));
  }
  add(...enterProbes(ctx), ...lifecycleProbes(ctx), ...flushProbes(ctx), refillProbe(ctx));
  const begin = beginProbe(ctx);
  const used = (map: string): boolean => writes([begin, ...probes], map);
  add(controlProbe(ctx, used));
  return (
    [
      `// iouringtop capture program, tier ${ctx.tier}. Generated; see bpf/program.ts.`,
      begin,
      ...probes,
      ...counterProbes(ctx, used),
    ].join('\n\n') + '\n'
  );
}
