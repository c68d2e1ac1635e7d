import { describe, expect, it } from 'vitest';
import { generateProgram, validateFilter, type KernelFeatures } from '../../bpf/program.js';

const modern: KernelFeatures = {
  submitTracepoint: 'io_uring_submit_req',
  submitHasReq: true,
  completeHasReq: true,
  hasOpStr: true,
  hasReqFailed: true,
  hasCqeOverflow: true,
  hasFileGet: true,
  fileGetHasReq: true,
  btf: {
    kiocbCqeFd: true,
    ioRw: true,
    ioSync: true,
    ioSrMsg: true,
    ioOpen: true,
    ioStatx: true,
    ioClose: true,
  },
};
const TOKEN = 'abcdef01';
const gen = (tier: 1 | 2 | 3, filter = { pids: [] as number[] }, features = modern) =>
  generateProgram({ tier, token: TOKEN, features, filter });

describe('generateProgram', () => {
  it('tier 1 pairs by request pointer and reads fd, offset and length through BTF', () => {
    const p = gen(1);
    expect(p).toContain('tracepoint:io_uring:io_uring_submit_req');
    expect(p).toContain(
      '@s[args->req] = (nsecs, pid, $op, $fd, $off, $len, curtask->group_leader->comm);',
    );
    expect(p).toContain('(struct io_rw *)args->req');
    expect(p).toContain('$fd = (int64)((struct io_open *)args->req)->dfd;');
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
    expect(p).toContain(
      '/(pid == 12 || pid == 34) && curtask->group_leader->comm == "postgres" && (args->opcode == 22 || args->opcode == 23)/',
    );
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
});
