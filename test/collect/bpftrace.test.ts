import { describe, expect, it } from 'vitest';
import { bpftraceEnv, classifyNotice } from '../../source/collect/bpftrace.js';

describe('bpftraceEnv', () => {
  it('names the variables as the bpftrace version reads them (renamed in 0.20)', () => {
    expect(bpftraceEnv('v0.17.0', 4096, {}, 2)).toEqual({
      BPFTRACE_MAP_KEYS_MAX: '4096',
      BPFTRACE_STRLEN: '32',
      BPFTRACE_NO_CPP_DEMANGLE: '1',
      BPFTRACE_PERF_RB_PAGES: '1024',
    });
    expect(bpftraceEnv('v0.23.2', 4096, {}, 2)).toEqual({
      BPFTRACE_MAX_MAP_KEYS: '4096',
      BPFTRACE_MAX_STRLEN: '32',
      BPFTRACE_CPP_DEMANGLE: '0',
      BPFTRACE_PERF_RB_PAGES: '1024',
    });
  });

  it('sizes the perf buffer for bursts within 32 MiB in all, and keeps a value already set', () => {
    const pages = (cpus: number, env = {}) =>
      Number(bpftraceEnv('v0.17.0', 1, env, cpus).BPFTRACE_PERF_RB_PAGES);
    expect(pages(1)).toBe(1024);
    expect(pages(8)).toBe(1024);
    expect(pages(16)).toBe(512);
    expect(pages(48)).toBe(128);
    expect(pages(512)).toBe(64); // bpftrace's own default is the floor
    expect(pages(2, { BPFTRACE_PERF_RB_PAGES: '8' })).toBe(8);
  });
});

describe('classifyNotice', () => {
  it('tells bpftrace errors from warnings and harmless chatter', () => {
    expect(classifyNotice('Attaching 13 probes...')).toBe('info');
    expect(
      classifyNotice(`ERROR: Unknown error -1: couldn't set RLIMIT_MEMLOCK for bpftrace.`),
    ).toBe('info');
    expect(classifyNotice('/tmp/x.bt:3:1-10: ERROR: Undefined map: @x')).toBe('error');
    expect(classifyNotice('WARNING: something')).toBe('warning');
  });
});
