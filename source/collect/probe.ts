/**
 * Finds what the running machine offers for capture and picks the richest tier.
 * Probes features (tracefs formats, BTF types) rather than gating on the kernel version.
 */
import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';
import type { KernelFeatures, Tier } from '../../bpf/program.js';
import { Btf } from './btf.js';

const run = promisify(execFile);

export interface ProbeResult {
  kernel: string;
  host: string;
  privileged: boolean;
  privilegeNote: string;
  bpftracePath?: string;
  bpftraceVersion?: string;
  tracefs?: string;
  tracefsNote: string;
  ioUringDisabled?: number;
  btf: boolean;
  features: KernelFeatures;
  /** The richest tier this machine supports, or undefined when capture is impossible. */
  tier?: Tier;
  /** Why capture is impossible (or degraded): one line each. */
  problems: string[];
}

const TRACEFS_CANDIDATES = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];
const BPFTRACE_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin', '/snap/bin'];

async function exists(path: string, mode = fsConstants.F_OK): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

/**
 * The bpftrace to run: the one asked for (--bpftrace, else IOURINGTOP_BPFTRACE), or the first on
 * PATH or in the usual system directories (sudo resets PATH).
 */
export async function findBpftrace(
  env: NodeJS.ProcessEnv = process.env,
  asked?: string,
): Promise<string | undefined> {
  const explicit = asked ?? env.IOURINGTOP_BPFTRACE;
  if (explicit) return (await exists(explicit, fsConstants.X_OK)) ? explicit : undefined;
  const dirs = [...(env.PATH ?? '').split(':').filter(Boolean), ...BPFTRACE_DIRS];
  for (const dir of dirs) {
    const candidate = `${dir}/bpftrace`;
    if (await exists(candidate, fsConstants.X_OK)) return candidate;
  }
  return undefined;
}

/** Effective capabilities: root, or CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN). */
async function privileges(): Promise<{ ok: boolean; note: string }> {
  if (process.getuid?.() === 0) return { ok: true, note: 'running as root' };
  try {
    const status = await readFile('/proc/self/status', 'utf8');
    const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
    const caps = BigInt(`0x${hex}`);
    const has = (bit: number): boolean => ((caps >> BigInt(bit)) & 1n ? true : false);
    if (has(21)) return { ok: true, note: 'CAP_SYS_ADMIN' };
    if (has(39) && has(38)) return { ok: true, note: 'CAP_BPF and CAP_PERFMON' };
  } catch {
    // fall through
  }
  return { ok: false, note: 'not root and without CAP_BPF+CAP_PERFMON: run with sudo' };
}

/** Where tracefs is mounted, from /proc/mounts (readable by anyone, unlike tracefs itself). */
async function tracefsMounts(): Promise<string[]> {
  try {
    const text = await readFile('/proc/mounts', 'utf8');
    return text
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f[2] === 'tracefs')
      .map((f) => f[1]);
  } catch {
    return [];
  }
}

async function findTracefs(privileged: boolean): Promise<{ path?: string; note: string }> {
  for (const dir of TRACEFS_CANDIDATES) {
    if (await exists(`${dir}/events`)) return { path: dir, note: `tracefs at ${dir}` };
  }
  // mounted, but not ours to read (mode 0700 for root): the cure is privileges, not a mount
  const mounted = (await tracefsMounts()).find((m) => TRACEFS_CANDIDATES.includes(m));
  if (mounted && !privileged) {
    return { note: `tracefs at ${mounted} is readable by root only: run iouringtop with sudo` };
  }
  if (privileged && process.getuid?.() === 0) {
    try {
      await run('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing']);
      if (await exists('/sys/kernel/tracing/events')) {
        return {
          path: '/sys/kernel/tracing',
          note: 'tracefs was not mounted: mounted it at /sys/kernel/tracing',
        };
      }
    } catch (err) {
      return { note: `tracefs is not mounted and mounting it failed: ${(err as Error).message}` };
    }
  }
  return {
    note: 'tracefs is not mounted: run `mount -t tracefs nodev /sys/kernel/tracing` as root',
  };
}

async function fieldsOf(tracefs: string, event: string): Promise<Set<string> | undefined> {
  try {
    const text = await readFile(`${tracefs}/events/${event}/format`, 'utf8');
    const names = new Set<string>();
    for (const m of text.matchAll(/field:[^;]*?([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?;/g)) {
      names.add(m[1]);
    }
    return names;
  } catch {
    return undefined;
  }
}

/** A kernel with none of the io_uring tracepoints' features (tier 3: syscall tracepoints only). */
export const NO_FEATURES: KernelFeatures = {
  submitHasReq: false,
  completeHasReq: false,
  completeHasCflags: false,
  hasOpStr: false,
  hasReqFailed: false,
  hasCqeOverflow: false,
  hasFileGet: false,
  fileGetHasReq: false,
  btf: {
    kiocbCqeFd: false,
    ioRw: false,
    ioSync: false,
    ioSrMsg: false,
    ioOpen: false,
    ioStatx: false,
    ioClose: false,
  },
};

/** The BTF-dependent features: which op structs the per-request reads may use. */
export function btfFeatures(t: Btf): {
  btf: KernelFeatures['btf'];
  taskCommOffset?: number;
  ctxTctxListOffset?: number;
  cgroupWalk?: KernelFeatures['cgroupWalk'];
} {
  return {
    btf: {
      kiocbCqeFd: t.has('io_kiocb', ['cqe', 'opcode']),
      ioRw: t.has('io_rw', ['kiocb', 'len']),
      ioSync: t.has('io_sync', ['off', 'len']),
      ioSrMsg: t.has('io_sr_msg', ['len']),
      ioOpen: t.has('io_open', ['dfd']),
      ioStatx: t.has('io_statx', ['dfd']),
      ioClose: t.has('io_close', ['fd']),
      asyncRwIter:
        t.has('io_kiocb', ['async_data', 'flags']) &&
        t.has('io_async_rw', ['iter']) &&
        t.has('iov_iter', ['count']),
      asyncRwVec:
        t.has('io_kiocb', ['async_data', 'flags']) &&
        t.has('io_async_rw', ['vec']) &&
        t.has('iou_vec', ['iovec', 'nr']),
      asyncMsg:
        t.has('io_kiocb', ['async_data', 'flags']) &&
        t.has('io_async_msghdr', ['msg']) &&
        t.has('msghdr', ['msg_iter']) &&
        t.has('iov_iter', ['count']),
      kiocbTctxTask: t.has('io_kiocb', ['tctx', 'opcode']) && t.has('io_uring_task', ['task']),
      apollMultishotBit: t.has('io_kiocb', ['flags'])
        ? t.enumValue('REQ_F_APOLL_MULTISHOT_BIT')
        : undefined,
      ioPollEvents: t.has('io_poll', ['events']),
    },
    taskCommOffset: t.offsetOf('task_struct', 'comm'),
    // the tctx list's nodes start with their list_head: the list's next is the node itself
    ctxTctxListOffset:
      t.offsetOf('io_tctx_node', 'ctx_node') === 0 && t.has('io_tctx_node', ['task'])
        ? t.offsetOf('io_ring_ctx', 'tctx_list')
        : undefined,
    cgroupWalk: cgroupWalkOf(t),
  };
}

/** How a task's cgroup ancestors are read (see KernelFeatures.cgroupWalk), or undefined. */
export function cgroupWalkOf(t: Btf): KernelFeatures['cgroupWalk'] {
  if (!t.has('task_struct', ['cgroups']) || !t.has('css_set', ['dfl_cgrp'])) return undefined;
  if (!t.has('cgroup', ['level'])) return undefined;
  const ancestors = t.offsetOf('cgroup', 'ancestors');
  const kn = t.offsetOf('cgroup', 'kn');
  const knId = t.offsetOf('kernfs_node', 'id');
  if (ancestors !== undefined && kn !== undefined && knId !== undefined)
    return { ancestors, kn, knId };
  const ancestorIds = t.offsetOf('cgroup', 'ancestor_ids');
  return ancestorIds !== undefined ? { ancestorIds } : undefined;
}

/** The tracepoint-side features, from the `format` files under a tracefs root. */
export type TracepointFeatures = Omit<
  KernelFeatures,
  'btf' | 'taskCommOffset' | 'ctxTctxListOffset' | 'cgroupWalk'
>;

/**
 * What the io_uring tracepoints of the tracefs at `root` carry (undefined without a submit and a
 * complete event), and whether the io_uring_enter syscall tracepoint exists. Field by field, never
 * by kernel version: the table in the README says which kernels have what.
 */
export async function tracepointFeatures(
  root: string,
): Promise<{ features?: TracepointFeatures; enter: boolean }> {
  const [
    submitReq,
    submitSqe,
    complete,
    reqFailed,
    overflow,
    fileGet,
    enter,
    asyncWork,
    pollArm,
    failLink,
    cpuIdle,
    create,
    processExit,
  ] = await Promise.all([
    fieldsOf(root, 'io_uring/io_uring_submit_req'),
    fieldsOf(root, 'io_uring/io_uring_submit_sqe'),
    fieldsOf(root, 'io_uring/io_uring_complete'),
    fieldsOf(root, 'io_uring/io_uring_req_failed'),
    fieldsOf(root, 'io_uring/io_uring_cqe_overflow'),
    fieldsOf(root, 'io_uring/io_uring_file_get'),
    fieldsOf(root, 'syscalls/sys_enter_io_uring_enter'),
    fieldsOf(root, 'io_uring/io_uring_queue_async_work'),
    fieldsOf(root, 'io_uring/io_uring_poll_arm'),
    fieldsOf(root, 'io_uring/io_uring_fail_link'),
    fieldsOf(root, 'power/cpu_idle'),
    fieldsOf(root, 'io_uring/io_uring_create'),
    fieldsOf(root, 'sched/sched_process_exit'),
  ]);
  const submit = submitReq ?? submitSqe;
  if (!submit || !complete) return { enter: enter !== undefined };
  return {
    enter: enter !== undefined,
    features: {
      submitTracepoint: submitReq ? 'io_uring_submit_req' : 'io_uring_submit_sqe',
      submitHasReq: submit.has('req'),
      submitHasFlags: submit.has('flags'),
      completeHasReq: complete.has('req'),
      completeHasCflags: complete.has('cflags'),
      hasOpStr: submit.has('op_str'),
      hasReqFailed: reqFailed !== undefined && reqFailed.has('req'),
      reqFailedHasError: reqFailed?.has('error') ?? false,
      hasCqeOverflow: overflow !== undefined,
      // (without `opcode`, 5.10 and 5.15: not counted, rather than counted under no opcode)
      hasAsyncWork: asyncWork?.has('opcode') ?? false,
      hasPollArm: pollArm?.has('opcode') ?? false,
      hasFailLink: failLink?.has('opcode') ?? false,
      hasFileGet: fileGet !== undefined,
      fileGetHasReq: fileGet?.has('req') ?? false,
      hasCpuIdle: cpuIdle?.has('state') ?? false,
      hasCreate: create?.has('ctx') ?? false,
      exitHasGroupDead: processExit?.has('group_dead') ?? false,
    },
  };
}

/**
 * What this machine offers: tracefs formats and kernel BTF, never a guess from the version.
 * `bpftrace`: the binary asked for (--bpftrace).
 */
export async function probe(opts: { bpftrace?: string } = {}): Promise<ProbeResult> {
  const problems: string[] = [];
  const priv = await privileges();
  if (!priv.ok) problems.push(priv.note);
  const asked = opts.bpftrace ?? process.env.IOURINGTOP_BPFTRACE;
  const bpftracePath = await findBpftrace(process.env, opts.bpftrace);
  let bpftraceVersion: string | undefined;
  if (bpftracePath) {
    try {
      const { stdout } = await run(bpftracePath, ['--version'], { timeout: 10_000 });
      bpftraceVersion = stdout.trim().replace(/^bpftrace\s+/, '');
    } catch (err) {
      problems.push(`bpftrace at ${bpftracePath} does not run: ${(err as Error).message}`);
    }
  } else if (asked) {
    problems.push(
      `bpftrace ${asked} is not an executable file: give the path of a bpftrace binary (--bpftrace PATH)`,
    );
  } else {
    problems.push('bpftrace not found: install it (Debian/Ubuntu: apt-get install bpftrace)');
  }
  const tracefs = await findTracefs(priv.ok);
  // (unprivileged, tracefs is unreadable: the privileges line already says what to do)
  if (!tracefs.path && priv.ok) problems.push(tracefs.note);
  let ioUringDisabled: number | undefined;
  try {
    ioUringDisabled = Number((await readFile('/proc/sys/kernel/io_uring_disabled', 'utf8')).trim());
    if (ioUringDisabled === 2)
      problems.push(
        'kernel.io_uring_disabled=2: io_uring is off on this machine, there is nothing to trace',
      );
  } catch {
    // Older kernels have no such knob: io_uring is on.
  }
  const btf = await exists('/sys/kernel/btf/vmlinux');
  const features: KernelFeatures = { ...NO_FEATURES, btf: { ...NO_FEATURES.btf } };
  let tier: Tier | undefined;
  if (tracefs.path) {
    const found = await tracepointFeatures(tracefs.path);
    const enter = found.enter;
    if (found.features) {
      Object.assign(features, found.features);
      tier = 2;
      if (btf && features.submitHasReq && features.completeHasReq) {
        try {
          const types = btfFeatures(await Btf.load());
          features.btf = types.btf;
          features.taskCommOffset = types.taskCommOffset;
          features.ctxTctxListOffset = types.ctxTctxListOffset;
          features.cgroupWalk = types.cgroupWalk;
          if (types.btf.kiocbCqeFd) tier = 1;
        } catch (err) {
          problems.push(
            `kernel BTF unreadable (${(err as Error).message}): capturing without the per-request columns`,
          );
        }
      }
    } else if (enter) {
      tier = 3;
    } else {
      problems.push(
        'no io_uring tracepoints and no io_uring_enter syscall tracepoint: this kernel cannot be traced',
      );
    }
  }
  return {
    kernel: os.release(),
    host: os.hostname(),
    privileged: priv.ok,
    privilegeNote: priv.note,
    bpftracePath,
    bpftraceVersion,
    tracefs: tracefs.path,
    tracefsNote: tracefs.note,
    ioUringDisabled,
    btf,
    features,
    tier,
    problems,
  };
}

/** Whether live capture can start; the problems say why not. */
export function canCapture(p: ProbeResult): boolean {
  return (
    p.tier !== undefined &&
    p.privileged &&
    p.bpftraceVersion !== undefined &&
    p.tracefs !== undefined &&
    p.ioUringDisabled !== 2
  );
}
