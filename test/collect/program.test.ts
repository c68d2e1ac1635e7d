import { describe, expect, it } from 'vitest';
import {
  generateProgram,
  kernelBucketMid,
  kernelBucketOf,
  validateFilter,
  EVENT_BATCH,
  FLUSH_HZ,
  KERNEL_LAST_BUCKET,
  type KernelFeatures,
} from '../../bpf/program.js';

const modern: KernelFeatures = {
  submitTracepoint: 'io_uring_submit_req',
  submitHasReq: true,
  completeHasReq: true,
  completeHasCflags: true,
  hasOpStr: true,
  hasReqFailed: true,
  hasCqeOverflow: true,
  hasFileGet: true,
  fileGetHasReq: true,
  hasCpuIdle: true,
  btf: {
    kiocbCqeFd: true,
    ioRw: true,
    ioSync: true,
    ioSrMsg: true,
    ioOpen: true,
    ioStatx: true,
    ioClose: true,
  },
  taskCommOffset: 1752,
};
const TOKEN = 'abcdef01';
const gen = (tier: 1 | 2 | 3, filter = { pids: [] as number[] }, features = modern) =>
  generateProgram({ tier, token: TOKEN, features, filter });

describe('generateProgram', () => {
  it('tier 1 pairs by request pointer and reads fd, offset and length through BTF', () => {
    const p = gen(1);
    expect(p).toContain('tracepoint:io_uring:io_uring_submit_req');
    expect(p).toContain('@s[args->req] = (nsecs, $a, $off, $len);');
    expect(p).toContain('(struct io_rw *)args->req');
    expect(p).toContain('$fd = (uint64)(uint32)((struct io_open *)args->req)->dfd;');
    expect(p).toContain('tracepoint:io_uring:io_uring_req_failed');
    expect(p).toContain('/args->req == 0/'); // multishot completions
    expect(p).toContain('tracepoint:syscalls:sys_exit_io_uring_enter');
    expect(p).toContain('@overflow = count();');
  });

  it('tier 2 reads no BTF and takes the fd from io_uring_file_get', () => {
    const p = gen(2);
    expect(p).not.toContain('struct io_rw');
    expect(p).not.toContain('struct io_kiocb');
    expect(p).toContain('tracepoint:io_uring:io_uring_file_get');
  });

  it('tier 2 on kernels whose complete has no req pairs by (ctx, user_data)', () => {
    const old: KernelFeatures = {
      ...modern,
      submitTracepoint: 'io_uring_submit_sqe',
      completeHasReq: false,
      hasOpStr: false,
      fileGetHasReq: false,
    };
    const p = gen(2, { pids: [] }, old);
    expect(p).toContain('tracepoint:io_uring:io_uring_submit_sqe');
    expect(p).toContain('@s[args->ctx, args->user_data]');
    expect(p).toContain('@fdtid[tid] = args->fd;');
    expect(p).not.toContain('op_str');
  });

  it('tier 3 attaches only the io_uring_enter syscall tracepoints', () => {
    const p = gen(3);
    expect(p).not.toContain('tracepoint:io_uring:');
    expect(p).toContain('sys_enter_io_uring_enter');
  });

  it('puts pid, command and opcode filters into the kernel predicates', () => {
    const p = gen(1, { pids: [12, 34], comm: 'postgres', opcodes: [22, 23] } as never);
    // "postgres" and its NUL as two little-endian words of task_struct.comm (at 1752)
    expect(p).toContain(
      '/((pid == 12 || pid == 34) && (*(uint64 *)((uint64)curtask->group_leader + 1752) == 0x7365726774736f70 && (*(uint64 *)((uint64)curtask->group_leader + 1760) & 0xff) == 0x0) && (args->opcode == 22 || args->opcode == 23))/',
    );
    // without the offset: a string compare
    expect(
      generateProgram({
        tier: 2,
        token: TOKEN,
        features: { ...modern, taskCommOffset: undefined },
        filter: { pids: [], comm: 'nginx' },
      }),
    ).toContain('/(curtask->group_leader->comm == "nginx")/');
    expect(p).not.toContain('sys_enter_io_uring_enter'); // IO_URING_ENTER not selected
    expect(gen(1, { pids: [], opcodes: [255] } as never)).toContain('sys_enter_io_uring_enter');
  });

  it('refuses filter values that could change the program text', () => {
    expect(() => gen(1, { pids: [], comm: 'x") { system("id' } as never)).toThrow(
      /invalid command name/,
    );
    expect(() => gen(1, { pids: [1.5] })).toThrow(/invalid pid/);
    expect(() => gen(1, { pids: [0] })).toThrow(/invalid pid/);
    expect(() => gen(1, { pids: [], opcodes: [256] } as never)).toThrow(/invalid opcode/);
    expect(() =>
      generateProgram({ tier: 1, token: 'zz"', features: modern, filter: { pids: [] } }),
    ).toThrow(/token/);
    expect(validateFilter({ pids: [1], comm: 'nginx: worker' })).toBeUndefined();
    expect(validateFilter({ pids: [], comm: 'a\\b' })).toMatch(/invalid command name/);
  });

  it('frames every printed line with the token at both ends', () => {
    const printfs = gen(1).match(/printf\("[^"]*"/g) ?? [];
    expect(printfs.length).toBeGreaterThan(3);
    for (const p of printfs)
      expect(p).toMatch(new RegExp(`^printf\\("${TOKEN}.*\\\\t${TOKEN}\\\\n"$`));
  });

  it('prints the counters every second and at exit, and event lines as asked', () => {
    const all = gen(1);
    const counters = /interval:s:1\n\{\n([^}]*)\}/.exec(all)?.[1] ?? '';
    for (const m of ['@lat', '@nolat', '@err', '@bytes', '@elat', '@esub', '@eerr', '@dropped'])
      expect(counters).toContain(`print(${m});`);
    expect(counters).toContain(`printf("${TOKEN}T\\t%llu\\t${TOKEN}\\n", nsecs);`);
    expect(all).toMatch(/END\n\{\n {2}print\(@lat\);/);
    // every event is held on its CPU, and goes out with the ones before it when that makes a line
    // of EVENT_BATCH: completion, in flight at start, multishot, io_uring_enter
    const staged = all.match(/@q\[cpu, \$qn\] = \(/g) ?? [];
    expect(staged).toHaveLength(4);
    const full = `E\\t${Array(EVENT_BATCH).fill('%llu\\t%llu\\t%llx\\t%lld\\t%llx').join('\\t')}\\t`;
    expect(all.split(full)).toHaveLength(4 + 1);
    expect(all).toContain(`if ($qn == ${EVENT_BATCH - 1}) {`);
    // a CPU sends what it holds when it goes idle, while busy FLUSH_HZ times a second, before
    // a process's new name, and the rest is printed at the end (how many, then which)
    const flushes = (p: string) =>
      (p.match(/if \(\$qn != 0\) \{ @qn\[cpu\] = 0; \}/g) ?? []).length;
    expect(flushes(all)).toBe(4);
    expect(all).toContain(`profile:hz:${FLUSH_HZ}\n{\n  $qn = @qn[cpu];`);
    expect(all).toContain('tracepoint:power:cpu_idle\n/args->state != 4294967295/\n{');
    expect(all).toMatch(
      /T\\t%llu\\t[0-9a-f]+\\n", nsecs\);\n {2}print\(@qn\);\n {2}print\(@q\);\n/,
    );
    const eLines = (p: string) => (p.match(/printf\("[0-9a-f]+E\\t/g) ?? []).length;
    const none = generateProgram({
      tier: 1,
      token: TOKEN,
      features: modern,
      filter: { pids: [] },
      events: { kind: 'none' },
    });
    expect(eLines(none)).toBe(0);
    expect(none).not.toMatch(/@qn?\[|profile:|cpu_idle/);
    expect(none).toContain('@lat[$tg, $op, $b] = count();');
    // fd, offset and length only go into event lines: counters only reads none of them
    expect(all).toContain('$rw = (struct io_rw *)args->req;');
    expect(all).toContain('->cqe.fd;');
    const submit = /tracepoint:io_uring:io_uring_submit_req\n\{\n([^]*?)\n\}/.exec(none)?.[1];
    expect(submit).toContain('@s[args->req] = (nsecs, $a, $off, $len);');
    expect(submit).not.toMatch(
      /struct io_rw|struct io_sync|struct io_sr_msg|io_async_rw|->cqe\.fd/,
    );
    const sampled = generateProgram({
      tier: 1,
      token: TOKEN,
      features: modern,
      filter: { pids: [] },
      events: { kind: 'sample', every: 100 },
    });
    // each event kept at random: the completion, in flight at start, multishot, io_uring_enter
    expect(sampled.match(/rand % 100 == 0/g)).toHaveLength(4);
    expect(() =>
      generateProgram({
        tier: 1,
        token: TOKEN,
        features: modern,
        filter: { pids: [] },
        events: { kind: 'sample', every: 1 },
      }),
    ).toThrow(/sample/);
  });
});

describe('kernel latency buckets', () => {
  it('are the value below 64 and 32 per power of two above, each within 1.6 % of its middle', () => {
    expect([0, 1, 63].map(kernelBucketOf)).toEqual([0, 1, 63]);
    expect(kernelBucketOf(64)).toBe(64);
    expect(kernelBucketOf(65)).toBe(64);
    expect(kernelBucketOf(66)).toBe(65);
    expect(kernelBucketOf(127)).toBe(95);
    expect(kernelBucketOf(128)).toBe(96);
    expect(kernelBucketOf(2 ** 60)).toBe(KERNEL_LAST_BUCKET);
    let prev = -1;
    for (let v = 1; v < 2 ** 40; v = Math.ceil(v * 1.003) + 1) {
      const b = kernelBucketOf(v);
      expect(b).toBeGreaterThanOrEqual(prev); // monotonic
      prev = b;
      const mid = kernelBucketMid(b);
      expect(kernelBucketOf(mid)).toBe(b); // the middle lies in its own bucket
      expect(Math.abs(mid - v) / v).toBeLessThanOrEqual(1 / 64 + 1e-9); // within half a bucket
    }
  });
});
