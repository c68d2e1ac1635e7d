/**
 * What a probe found, in words: the tier names, the columns and diagnostics a capture fills, and
 * the --probe report (one line per finding).
 */
import { FIGURES, type Figure, type FigureKey } from '../model/figures.js';
import {
  diagnosticsOf,
  type Diagnostics,
  type KernelFeatures,
  type Tier,
} from '../../bpf/program.js';
import type { ProbeResult } from './probe.js';

export const TIER_NAMES: Record<Tier, string> = {
  1: 'tier 1: io_uring tracepoints + BTF (every column, every operation)',
  2: 'tier 2: io_uring tracepoints without BTF (fd from io_uring_file_get; offset and length empty)',
  3: 'tier 3: io_uring_enter syscall only (IO_URING_ENTER rows)',
};

/** Which CSV columns a tier (with these features) fills. */
export function filledColumns(tier: Tier, f: KernelFeatures): string {
  if (tier === 3)
    return 'IO_URING_ENTER rows: timestamp pid command opcode fd length result latency';
  const cols = ['timestamp', 'pid', 'command', 'opcode'];
  if (tier === 1 ? f.btf.kiocbCqeFd : f.hasFileGet) cols.push('fd');
  if (tier === 1 && (f.btf.ioRw || f.btf.ioSync)) cols.push('offset');
  if (tier === 1 && (f.btf.ioRw || f.btf.ioSync || f.btf.ioSrMsg)) cols.push('length');
  cols.push('result', 'latency');
  return `per-operation rows: ${cols.join(' ')}; plus IO_URING_ENTER rows`;
}

/** What the length column holds for vectored operations on this machine (tier 1). */
export function vectoredLengths(f: KernelFeatures): string {
  const b = f.btf;
  const part = (what: string, ok: boolean | undefined) =>
    `${what} ${ok ? 'bytes' : 'empty (not readable at submission on this kernel)'}`;
  return [
    part('READV/WRITEV', b.asyncRwIter),
    part('READV_FIXED/WRITEV_FIXED', b.asyncRwVec && b.ioRw),
    part('SENDMSG/RECVMSG', b.asyncMsg),
  ].join(', ');
}

/** Which diagnostics a capture counts, and where each comes from; the others are n/a. */
export function describeDiagnostics(d: Diagnostics): string {
  const part = (what: string, ok: boolean | undefined, from: string) =>
    `${what} ${ok === true ? `(${from})` : 'n/a'}`;
  return FIGURES.flatMap((f: Figure) =>
    f.probeNote === undefined ? [] : [part(f.key, d[f.key as FigureKey], f.probeNote)],
  ).join(', ');
}

/** Human-readable report for --probe: one line per finding. */
export function describeProbe(p: ProbeResult, chosen?: Tier): string[] {
  const lines: string[] = [];
  lines.push(`kernel: ${p.kernel} on ${p.host}`);
  lines.push(`privileges: ${p.privilegeNote}`);
  lines.push(
    p.bpftracePath
      ? `bpftrace: ${p.bpftracePath} (${p.bpftraceVersion ?? 'version unknown'})`
      : 'bpftrace: not found (apt-get install bpftrace)',
  );
  lines.push(`tracefs: ${p.tracefsNote}`);
  lines.push(
    `io_uring: ${p.ioUringDisabled === undefined ? 'enabled (no kernel.io_uring_disabled knob)' : `kernel.io_uring_disabled=${p.ioUringDisabled}${p.ioUringDisabled === 0 ? ' (enabled)' : p.ioUringDisabled === 1 ? ' (restricted to the io_uring group)' : ' (disabled)'}`}`,
  );
  lines.push(`BTF: ${p.btf ? '/sys/kernel/btf/vmlinux present' : 'absent'}`);
  const f = p.features;
  if (f.submitTracepoint) {
    lines.push(
      `tracepoints: ${f.submitTracepoint}${f.submitHasReq ? ' (req)' : ''}, io_uring_complete${f.completeHasReq ? ' (req)' : ' (no req: pairing by ctx+user_data)'}${f.hasOpStr ? ', op_str' : ''}${f.hasReqFailed ? ', req_failed' : ''}${f.hasCqeOverflow ? ', cqe_overflow' : ''}${f.hasFileGet ? ', file_get' : ''}`,
    );
    lines.push(
      `BTF reads: io_kiocb.cqe.fd ${f.btf.kiocbCqeFd ? 'yes' : 'no'}, io_rw ${f.btf.ioRw ? 'yes' : 'no'}, io_sync ${f.btf.ioSync ? 'yes' : 'no'}, io_sr_msg ${f.btf.ioSrMsg ? 'yes' : 'no'}`,
    );
  }
  const tier = chosen ?? p.tier;
  lines.push(
    tier
      ? `capture: ${TIER_NAMES[tier]}`
      : !p.privileged
        ? 'capture: needs root here (run with sudo); what else it needs is read as root'
        : 'capture: impossible on this machine',
  );
  if (tier) lines.push(`columns: ${filledColumns(tier, f)}`);
  if (tier === 1) lines.push(`vectored lengths: ${vectoredLengths(f)}`);
  if (tier) lines.push(`diagnostics: ${describeDiagnostics(diagnosticsOf(tier, f))}`);
  for (const problem of p.problems) lines.push(`problem: ${problem}`);
  return lines;
}
