/** The summary's "By cgroup": process rows added up by cgroup, exactly, the unknown apart. */
import { describe, expect, it } from 'vitest';
import { Model } from '../../source/model/model.js';
import type { ProcView } from '../../source/proc/view.js';
import { formatSummary } from '../../source/render/summary.js';
import { formatSummaryJson } from '../../source/render/summaryJson.js';
import { ev, T } from '../model/helpers.js';
import {
  cgroupFigures,
  cgroupSection,
  type ProcessFigures,
} from '../../source/render/cgroupSummary.js';

const p = (pid: number, ops: number, max_us = 10): ProcessFigures => ({
  pid,
  ops,
  bytes_read: ops * 4096,
  bytes_written: 0,
  errors: pid === 3 ? 2 : 0,
  expected_errors: 0,
  max_us,
  enter_calls: 1,
});
const DOCKER = `/system.slice/docker-${'ab'.repeat(32)}.scope`;
const where = new Map([
  [1, '/system.slice/nginx.service'],
  [2, '/system.slice/nginx.service'],
  [3, DOCKER],
]);

describe('cgroupFigures', () => {
  it('adds the processes of each cgroup up, busiest first, the unknown last', () => {
    const rows = cgroupFigures([p(1, 10, 5), p(2, 20, 50), p(3, 5), p(4, 100)], (pid) =>
      where.get(pid),
    );
    expect(rows).toEqual([
      {
        cgroup: '/system.slice/nginx.service',
        name: 'nginx.service',
        processes: 2,
        ops: 30,
        bytes_read: 30 * 4096,
        bytes_written: 0,
        errors: 0,
        expected_errors: 0,
        enter_calls: 2,
        max_us: 50,
      },
      expect.objectContaining({ cgroup: DOCKER, name: 'docker:abababababab', ops: 5, errors: 2 }),
      expect.objectContaining({ cgroup: null, name: null, processes: 1, ops: 100 }),
    ]);
  });
  it('prints a table, escaping what it shows, and nothing when no cgroup is known', () => {
    const evil = new Map([[1, '/x\u001b[2J']]);
    const text = cgroupSection(cgroupFigures([p(1, 10), p(2, 3)], (pid) => evil.get(pid))).join(
      '\n',
    );
    expect(text).toMatch(/^\nBy cgroup\nCGROUP +NAME +PROCS +OPS +READ +WRITE +ERR +MAX\n/);
    expect(text).toContain('/x\\x1b[2J');
    expect(text).not.toContain('\u001b');
    expect(text).toMatch(/\(unknown\) +- +1 +3 +12\.0 KiB +0 B +0 +10\.0µs$/);
    expect(cgroupSection(cgroupFigures([p(1, 10)], () => undefined))).toEqual([]);
  });
});

describe('the summary with cgroups', () => {
  const m = new Model();
  m.push(ev({ pid: 1, comm: 'nginx', tsUs: T }));
  m.push(ev({ pid: 2, comm: 'nginx', tsUs: T + 1 }));
  m.push(ev({ pid: 3, comm: 'other', tsUs: T + 2 }));
  m.advance(T + 10);
  const plain = m.snapshot({ series: false, recentLimit: 0 });
  const view: ProcView = {
    origin: 'live',
    files: new Map(),
    fileList: [],
    threads: new Map(),
    rings: [],
    ringFailures: new Map(),
    cgroups: where,
  };
  const snap = { ...plain, proc: view };

  it('gives each process its cgroup and a cgroups[] table in --json, when they are known', () => {
    const doc = JSON.parse(formatSummaryJson(snap)) as {
      processes: { pid: number; cgroup: string | null }[];
      cgroups: { cgroup: string; processes: number; ops: number }[];
    };
    expect(doc.processes.map((p) => [p.pid, p.cgroup])).toEqual([
      [1, '/system.slice/nginx.service'],
      [2, '/system.slice/nginx.service'],
      [3, DOCKER],
    ]);
    expect(doc.cgroups.map((c) => [c.cgroup, c.processes, c.ops])).toEqual([
      ['/system.slice/nginx.service', 2, 2],
      [DOCKER, 1, 1],
    ]);
    // not known (a recording without them): neither, as before
    const without = JSON.parse(formatSummaryJson(plain)) as Record<string, unknown>;
    expect(without.cgroups).toBeUndefined();
    expect(formatSummaryJson(plain)).not.toContain('cgroup');
  });

  it('prints a By cgroup table in the text summary, after the processes', () => {
    const text = formatSummary(snap);
    expect(text).toMatch(/\nBy process\n[\s\S]*\nBy cgroup\nCGROUP +NAME +PROCS/);
    expect(text).toMatch(/\/system\.slice\/nginx\.service +nginx\.service +2 +2 /);
    expect(formatSummary(plain)).not.toContain('By cgroup');
  });
});
