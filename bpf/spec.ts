/**
 * What the capture program is generated from: the tier, the kernel's features (probed), the
 * filter, how many events to send, and the control channel iouringtop talks to it through.
 */
export type Tier = 1 | 2 | 3;

export interface KernelFeatures {
  /** 'io_uring_submit_req' (6.4+) or 'io_uring_submit_sqe' (5.5-6.3); undefined on 5.1-5.4. */
  submitTracepoint?: 'io_uring_submit_req' | 'io_uring_submit_sqe';
  /** The submit tracepoint carries `req` (5.15+). */
  submitHasReq: boolean;
  /** The submit tracepoint carries the request's `flags` (5.15+): IOSQE_FIXED_FILE is bit 0. */
  submitHasFlags?: boolean;
  /** io_uring_complete carries `req` (5.18+); without it completions pair by (ctx, user_data). */
  completeHasReq: boolean;
  /** io_uring_complete carries `cflags` (5.13+; without it there are no multishot CQEs to keep). */
  completeHasCflags: boolean;
  /** The submit tracepoint has op_str (5.19+). */
  hasOpStr: boolean;
  hasReqFailed: boolean;
  /** io_uring_req_failed carries `error` (the init failure's -errno). */
  reqFailedHasError?: boolean;
  hasCqeOverflow: boolean;
  /** io_uring_queue_async_work carries `opcode`: punts to io-wq, per process and opcode. */
  hasAsyncWork?: boolean;
  /** io_uring_poll_arm carries `opcode`: requests that armed a poll to retry. */
  hasPollArm?: boolean;
  /** io_uring_fail_link carries `opcode` (of the request that broke the chain). */
  hasFailLink?: boolean;
  hasFileGet: boolean;
  /** io_uring_file_get carries `req` (5.18+). */
  fileGetHasReq: boolean;
  /** power:cpu_idle (with `state`): a CPU going idle sends the event records it holds. */
  hasCpuIdle?: boolean;
  /** io_uring_create (with `ctx`): who made each ring, its owner. */
  hasCreate?: boolean;
  /** sched_process_exit has `group_dead`: the process's last thread is leaving. */
  exitHasGroupDead?: boolean;
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
    /** io_kiocb.async_data is an io_async_rw with an iov_iter `iter` (6.10+): READV/WRITEV bytes. */
    asyncRwIter?: boolean;
    /** io_async_rw has `vec` (iou_vec: iovec, nr) (6.15+): READV_FIXED / WRITEV_FIXED bytes. */
    asyncRwVec?: boolean;
    /** io_async_msghdr has `msg` (a msghdr with msg_iter): SENDMSG / RECVMSG bytes. */
    asyncMsg?: boolean;
    /** io_kiocb.tctx → io_uring_task.task (6.x): the submitting task, read at completion. */
    kiocbTctxTask?: boolean;
    /**
     * The bit of io_kiocb.flags that marks a multishot request driven by poll (recv, recvmsg,
     * accept, read multishot): enum io_req_flags' REQ_F_APOLL_MULTISHOT_BIT (6.0+).
     */
    apollMultishotBit?: number;
    /** struct io_poll has `events` (EPOLLONESHOT absent: a multishot POLL_ADD). */
    ioPollEvents?: boolean;
  };
  /**
   * offsetof(struct task_struct, comm), from BTF: the command name is then compared as two
   * integers, which fits every probe's 512-byte stack (a string compare does not fit the
   * completion probe). Undefined: compare strings, and miss requests in flight at start.
   */
  taskCommOffset?: number;
  /**
   * offsetof(struct io_ring_ctx, tctx_list), from BTF, where io_tctx_node starts with its list
   * node: the first task that used a ring, its owner when the ring was made before the capture.
   */
  ctxTctxListOffset?: number;
  /**
   * How a task's cgroup v2 ancestors are read (`task->cgroups->dfl_cgrp`, then BTF offsets, which
   * bpftrace 0.17 needs: it cannot index a flexible array, nor see kernfs_node.id after its
   * anonymous union): `ancestors` (6.0+: struct cgroup *ancestors[], each one's kn->id) or
   * `ancestorIds` (5.5-5.19: u64 ancestor_ids[]). Undefined: --cgroup cannot be filtered.
   */
  cgroupWalk?: { ancestors: number; kn: number; knId: number } | { ancestorIds: number };
}

/**
 * A cgroup v2 to capture (with its descendants): its path below the v2 root, as /proc/PID/cgroup
 * shows it, its id (the directory's inode number, what bpftrace's cgroupid() and `cgroup` give,
 * in decimal: it may pass 2^53) and its level (the root is 0, /a is 1).
 */
export interface CgroupMatch {
  path: string;
  id: string;
  level: number;
}

export interface CaptureFilter {
  pids: number[];
  /** Command names (`NAME*`: the names that begin so): a process passes when one matches. */
  comms?: string[];
  /** cgroups v2: a process passes when it is in one of them, or below one. */
  cgroups?: CgroupMatch[];
  opcodes?: number[];
}

/**
 * Per-event lines: every event; none (counters only); 1 in `every` at random; or every event up
 * to `perSec` a second, and above it a sample that keeps to about that many (the default).
 */
export type EventLines =
  | { kind: 'all' }
  | { kind: 'none' }
  | { kind: 'sample'; every: number }
  | { kind: 'budget'; perSec: number };

/**
 * How iouringtop talks to its program: pwrite(2)s of command records to `fd` (its /dev/null) at
 * offset `magic`, from process `pid`; one at `magic + TICK_OFFSET`: print the counters now. See
 * bpf/probes/control.ts.
 */
export interface ControlChannel {
  pid: number;
  fd: number;
  magic: number;
}

export interface ProgramSpec {
  tier: Tier;
  token: string;
  features: KernelFeatures;
  filter: CaptureFilter;
  /** Default: every event. */
  events?: EventLines;
  /** CPUs the event budget is shared among (default 1). */
  cpus?: number;
  /**
   * The counters' first key carries the CPU above the tgid (`tgid | cpu << 32`), for a bpftrace
   * whose per-CPU count loses events when two CPUs start the same key at once
   * (perCpuCounterKeys in source/collect/bpftrace.ts); the collector sums the CPUs.
   */
  perCpuCounters?: boolean;
  control?: ControlChannel;
}
