/**
 * Several command names and cgroups in the kernel's predicates: every process test of the
 * program (the current task's, and at completion the request's owner's) takes them, and one
 * command name compiles to what it always did.
 */
import { describe, expect, it } from 'vitest';
import {
  CGROUP_NEEDS_BTF,
  generateProgram,
  validateFilter,
  type CaptureFilter,
  type KernelFeatures,
} from '../../bpf/program.js';
import { MODERN_FEATURES } from '../helpers/features.js';

const features: KernelFeatures = {
  ...MODERN_FEATURES,
  cgroupWalk: { ancestors: 2224, kn: 256, knId: 96 },
};
const gen = (filter: CaptureFilter, f: KernelFeatures = features): string =>
  generateProgram({ tier: 1, token: 'abcdef01', features: f, filter, events: { kind: 'all' } });

/** The predicate line of the first probe at `point`. */
const predOf = (program: string, point: string): string =>
  program
    .split('\n\n')
    .find((b) => b.startsWith(`${point}\n`))!
    .split('\n')[1];

const FIO = '(*(uint64 *)((uint64)curtask->group_leader + 1752) & 0xffffffff) == 0x6f6966';
const PG = '(*(uint64 *)((uint64)curtask->group_leader + 1752) & 0xffff) == 0x6770';

describe('several command names', () => {
  it('passes a process that any of them names, in every probe', () => {
    const p = gen({ pids: [], comms: ['fio', 'pg*'] });
    expect(predOf(p, 'tracepoint:io_uring:io_uring_submit_req')).toBe(`/(((${FIO}) || (${PG})))/`);
    // at completion, on the request's task
    expect(p).toContain(
      `if (((${FIO.replace(/curtask/g, '$t')}) || (${PG.replace(/curtask/g, '$t')}))) {`,
    );
    expect(predOf(p, 'tracepoint:syscalls:sys_enter_io_uring_enter')).toBe(
      `/(((${FIO}) || (${PG})))/`,
    );
  });
  it('compiles one name as it always did: the same program as before lists existed', () => {
    const one = gen({ pids: [], comms: ['fio'] });
    expect(predOf(one, 'tracepoint:io_uring:io_uring_submit_req')).toBe(`/((${FIO}))/`);
    // without the offset: string compares, a prefix by strncmp
    const s = gen({ pids: [], comms: ['fio', 'pg*'] }, { ...features, taskCommOffset: undefined });
    expect(predOf(s, 'tracepoint:io_uring:io_uring_submit_req')).toBe(
      '/((curtask->group_leader->comm == "fio" || strncmp(curtask->group_leader->comm, "pg", 2) == 0))/',
    );
  });
  it('refuses an empty list and a bad name among good ones', () => {
    expect(validateFilter({ pids: [], comms: [] })).toBe('empty command filter');
    expect(() => gen({ pids: [], comms: ['fio', 'a"b'] })).toThrow(/invalid command name "a\\"b"/);
  });
});

describe('cgroups', () => {
  const x = { path: '/x', id: '25', level: 1 };
  const y = { path: '/a/b/c', id: '4294967311', level: 3 };
  const under = (task: string, c: typeof x): string =>
    `(${task}->cgroups->dfl_cgrp->level >= ${c.level} && *(uint64 *)(*(uint64 *)(*(uint64 *)((uint64)${task}->cgroups->dfl_cgrp + ${2224 + 8 * c.level}) + 256) + 96) == ${c.id})`;

  it('passes the cgroup and its descendants: its ancestor at its level is it', () => {
    const p = gen({ pids: [], cgroups: [x] });
    expect(predOf(p, 'tracepoint:io_uring:io_uring_submit_req')).toBe(
      `/((cgroup == 25 || ${under('curtask', x)}))/`,
    );
    // the request's task at completion (a kernel worker's request: its submitter)
    expect(p).toContain(`if ((${under('$t', x)})) {`);
  });
  it('passes any of several, and takes pids, names and cgroups all together', () => {
    const p = gen({ pids: [7], comms: ['fio'], cgroups: [x, y] });
    expect(predOf(p, 'tracepoint:io_uring:io_uring_submit_req')).toBe(
      `/((pid == 7) && (${FIO}) && (cgroup == 25 || ${under('curtask', x)} || cgroup == 4294967311 || ${under('curtask', y)}))/`,
    );
  });
  it('reads ancestor_ids on kernels that have them instead', () => {
    const p = gen({ pids: [], cgroups: [x] }, { ...features, cgroupWalk: { ancestorIds: 800 } });
    expect(predOf(p, 'tracepoint:io_uring:io_uring_submit_req')).toBe(
      '/((cgroup == 25 || (curtask->cgroups->dfl_cgrp->level >= 1 && *(uint64 *)((uint64)curtask->cgroups->dfl_cgrp + 808) == 25)))/',
    );
  });
  it('says why it cannot filter without BTF, and refuses values that are not ids', () => {
    expect(() => gen({ pids: [], cgroups: [x] }, { ...features, cgroupWalk: undefined })).toThrow(
      CGROUP_NEEDS_BTF,
    );
    expect(CGROUP_NEEDS_BTF).not.toContain('\n');
    for (const id of ['0', '25 || 1', '-1', '1e3', '9223372036854775808', ''])
      expect(validateFilter({ pids: [], cgroups: [{ ...x, id }] })).toMatch(/invalid cgroup id/);
    expect(validateFilter({ pids: [], cgroups: [{ ...x, level: 1.5 }] })).toMatch(/level/);
    expect(validateFilter({ pids: [], cgroups: [{ ...x, level: 257 }] })).toMatch(/level/);
    expect(validateFilter({ pids: [], cgroups: [] })).toBe('empty cgroup filter');
    expect(() =>
      gen({ pids: [], cgroups: [x] }, { ...features, cgroupWalk: { ancestorIds: -8 } }),
    ).toThrow(/offsets/);
    // the path is never in the program
    expect(gen({ pids: [], cgroups: [{ ...x, path: '/"evil' }] })).not.toContain('evil');
  });
});
