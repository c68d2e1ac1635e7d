/**
 * Program generation against the io_uring tracepoints of older and newer kernels: the tracefs
 * `format` files of 5.10, 5.15, 6.1, 6.6, 6.12 (written from the kernels' sources) and 6.18
 * (copied from a running kernel), in test/fixtures/tracefs (see its README). For each, the probe
 * must read the right features and the generator choose the right tracepoint, fields and pairing.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnosticsOf, generateProgram, type KernelFeatures } from '../../bpf/program.js';
import { tracepointFeatures } from '../../source/collect/probe.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/tracefs');

/** BTF as on 6.18 (tier 1 where the tracepoints allow it). */
const BTF: Pick<KernelFeatures, 'btf' | 'taskCommOffset' | 'ctxTctxListOffset'> = {
  btf: {
    kiocbCqeFd: true,
    ioRw: true,
    ioSync: true,
    ioSrMsg: true,
    ioOpen: true,
    ioStatx: true,
    ioClose: true,
    asyncRwIter: true,
    asyncRwVec: true,
    asyncMsg: true,
    kiocbTctxTask: true,
    apollMultishotBit: 27,
    ioPollEvents: true,
  },
  taskCommOffset: 1752,
  ctxTctxListOffset: 1536,
};

async function featuresOf(kernel: string): Promise<KernelFeatures> {
  const found = await tracepointFeatures(path.join(FIXTURES, kernel));
  expect(found.enter).toBe(true);
  expect(found.features).toBeDefined();
  return { ...found.features!, ...BTF };
}

// The table in the README ("Kernels"), row by row.
const TABLE: Record<
  string,
  Omit<KernelFeatures, 'btf' | 'taskCommOffset' | 'ctxTctxListOffset'>
> = {
  '5.10': {
    submitTracepoint: 'io_uring_submit_sqe',
    submitHasReq: false,
    submitHasFlags: false,
    completeHasReq: false,
    completeHasCflags: false,
    hasOpStr: false,
    hasReqFailed: false,
    hasCqeOverflow: false,
    hasFileGet: true,
    fileGetHasReq: false,
    reqFailedHasError: false,
    // queue_async_work and fail_link carry no opcode before 5.16, poll_arm does
    hasAsyncWork: false,
    hasPollArm: true,
    hasFailLink: false,
    hasCpuIdle: false,
    hasCreate: true,
    exitHasGroupDead: false,
  },
  '5.15': {
    submitTracepoint: 'io_uring_submit_sqe',
    submitHasReq: true,
    submitHasFlags: true,
    completeHasReq: false,
    completeHasCflags: true,
    hasOpStr: false,
    hasReqFailed: false,
    hasCqeOverflow: false,
    hasFileGet: true,
    fileGetHasReq: false,
    reqFailedHasError: false,
    // queue_async_work and fail_link carry no opcode before 5.16, poll_arm does
    hasAsyncWork: false,
    hasPollArm: true,
    hasFailLink: false,
    hasCpuIdle: false,
    hasCreate: true,
    exitHasGroupDead: false,
  },
  '6.1': {
    submitTracepoint: 'io_uring_submit_sqe',
    submitHasReq: true,
    submitHasFlags: true,
    completeHasReq: true,
    completeHasCflags: true,
    hasOpStr: true,
    hasReqFailed: true,
    hasCqeOverflow: true,
    hasFileGet: true,
    fileGetHasReq: true,
    reqFailedHasError: true,
    hasAsyncWork: true,
    hasPollArm: true,
    hasFailLink: true,
    hasCpuIdle: false,
    hasCreate: true,
    exitHasGroupDead: false,
  },
  '6.6': {
    submitTracepoint: 'io_uring_submit_req',
    submitHasReq: true,
    submitHasFlags: true,
    completeHasReq: true,
    completeHasCflags: true,
    hasOpStr: true,
    hasReqFailed: true,
    hasCqeOverflow: true,
    hasFileGet: true,
    fileGetHasReq: true,
    reqFailedHasError: true,
    hasAsyncWork: true,
    hasPollArm: true,
    hasFailLink: true,
    hasCpuIdle: false,
    hasCreate: true,
    exitHasGroupDead: false,
  },
};
TABLE['6.12'] = TABLE['6.6'];
// (6.18's sched_process_exit format is in the fixtures: it has group_dead)
TABLE['6.18'] = { ...TABLE['6.6'], hasCpuIdle: true, exitHasGroupDead: true };

const gen = (tier: 1 | 2, features: KernelFeatures) =>
  generateProgram({ tier, token: 'abcdef01', features, filter: { pids: [] } });

describe('the probe reads each kernel’s tracepoints', () => {
  for (const [kernel, want] of Object.entries(TABLE)) {
    it(kernel, async () => {
      const f = await featuresOf(kernel);
      expect({
        ...f,
        btf: undefined,
        taskCommOffset: undefined,
        ctxTctxListOffset: undefined,
      }).toEqual({
        ...want,
        btf: undefined,
        taskCommOffset: undefined,
        ctxTctxListOffset: undefined,
      });
    });
  }
});

describe('the generator fits the program to each kernel', () => {
  it('5.10: submit_sqe without req, complete without req or cflags: pairs by (ctx, user_data), fd from file_get in the same thread', async () => {
    const p = gen(2, await featuresOf('5.10'));
    expect(p).toContain('tracepoint:io_uring:io_uring_submit_sqe');
    expect(p).toContain('@s[$rctx, $ud] = ');
    expect(p).toContain('$s = @s[$rctx, $ud];');
    expect(p).toContain('@fdtid[tid] = args->fd;');
    expect(p).not.toContain('args->cflags'); // no multishot CQEs to keep
    expect(p).not.toContain('args->req');
    expect(p).not.toContain('$fl & 1'); // no flags on 5.10: registered files unknown
    expect(p).not.toContain('op_str');
    expect(p).not.toContain('io_uring_req_failed');
    expect(p).not.toContain('io_uring_cqe_overflow');
    expect(p).not.toContain('/(args->req == 0)/');
  });

  it('5.15: req on submit only: still pairs by (ctx, user_data), keeps multishot requests by cflags', async () => {
    const f = await featuresOf('5.15');
    const p = gen(2, f);
    expect(p).toContain('$s = @s[$rctx, $ud];');
    expect(p).toContain('if ($cf & 2) {');
    expect(p).toContain('@fdtid[tid] = args->fd;');
    // tier 1 needs req on both: the probe does not offer it here
    expect(f.completeHasReq).toBe(false);
  });

  it('6.1: submit_sqe with req and op_str, complete with req: pairs by request, reads BTF at tier 1', async () => {
    const f = await featuresOf('6.1');
    const p = gen(1, f);
    expect(p).toContain('tracepoint:io_uring:io_uring_submit_sqe');
    expect(p).toContain('@s[$req] = (nsecs, $a, $off, $b);');
    expect(p).toContain('str(args->op_str)');
    expect(p).toContain('tracepoint:io_uring:io_uring_req_failed');
    expect(p).toContain('tracepoint:io_uring:io_uring_cqe_overflow');
    expect(p).toContain('  if (args->req != 0) {'); // and else: multishot CQEs without a request
    expect(p).toContain('$m = @m[$rctx, $ud];');
    // IOSQE_FIXED_FILE from the submit's flags: the fd word marks a registered-file index
    expect(p).toContain('if ($fl & 1) { $fd = ($fd & 0x3fffffff) | 0x40000000; }');
    const t2 = gen(2, f);
    expect(t2).not.toContain('$fl & 1'); // tier 2 has no index for a registered file
    expect(t2).toContain('tracepoint:io_uring:io_uring_file_get');
    expect(t2).toContain('$k = @s[$req];');
  });

  it('counts the diagnostics each kernel offers, and says n/a for the rest', async () => {
    const old = await featuresOf('5.15');
    expect(diagnosticsOf(2, old)).toEqual({
      punted: false,
      poll: true,
      short: false, // the length needs BTF (tier 1)
      failed: false,
      links: false,
      overflow: false,
      other: false, // no req at completion: no CQE without one to tell apart
      msEnds: false, // no req at completion: a request's flags cannot be read there
    });
    const p = gen(2, old);
    expect(p).toContain('tracepoint:io_uring:io_uring_poll_arm');
    expect(p).not.toContain('io_uring_queue_async_work');
    expect(p).not.toContain('io_uring_fail_link');
    expect(p).not.toContain('@short');
    for (const kernel of ['6.1', '6.6', '6.12', '6.18']) {
      const f = await featuresOf(kernel);
      expect(Object.values(diagnosticsOf(1, f)).every(Boolean)).toBe(true);
      const t1 = gen(1, f);
      for (const tp of [
        'io_uring_queue_async_work',
        'io_uring_poll_arm',
        'io_uring_fail_link',
        'io_uring_req_failed',
        'io_uring_cqe_overflow',
      ])
        expect(t1).toContain(`tracepoint:io_uring:${tp}`);
      expect(t1).toContain('$err = (uint64)(args->error < 0');
      expect(t1).toContain('@fail[(uint64)pid, $op, $err] = count();');
      expect(t1).toContain('@short[$tg, $op] = sum($w);');
      // tier 2: everything but short (no length without BTF); req_failed still counted
      const t2 = gen(2, f);
      expect(diagnosticsOf(2, f).short).toBe(false);
      // counters only: short counted on the requests whose latency is sampled, weighted so
      const none = generateProgram({
        tier: 1,
        token: 'abcdef01',
        features: f,
        filter: { pids: [] },
        events: { kind: 'none' },
      });
      expect(none).toContain('@short[$tg, $op] = sum($w);');
      expect(none).toContain('@punt[');
      expect(t2).not.toContain('@short');
      expect(t2).toContain('@fail[');
    }
  });

  for (const kernel of ['6.6', '6.12', '6.18']) {
    it(`${kernel}: submit_req (renamed in 6.4), everything else as 6.1`, async () => {
      const p = gen(1, await featuresOf(kernel));
      expect(p).toContain('tracepoint:io_uring:io_uring_submit_req');
      expect(p).not.toContain('io_uring_submit_sqe');
      expect(p).toContain('@s[$req] = (nsecs, $a, $off, $b);');
      expect(p).toContain('if ($cf & 2) {');
    });
  }
});
