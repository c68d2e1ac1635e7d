/**
 * The `cgroup` metrics label: each process's series named by its cgroup v2 path, bounded like the
 * other process labels, "(unknown)" where it could not be read, and in a recording's export from
 * the cgroups its sidecar kept.
 */
import { describe, expect, it } from 'vitest';
import { emptyOpCounts, type CountsDelta, type OpCounts } from '../../source/model/counts.js';
import { OpcodeTable } from '../../source/model/opcodes.js';
import { openMetricsText } from '../../source/metrics/export.js';
import {
  LabelBound,
  OTHER_CGROUP,
  parseLabelList,
  UNKNOWN_CGROUP,
} from '../../source/metrics/labels.js';
import { MetricTotals } from '../../source/metrics/totals.js';
import { CgroupLookup, readCgroup } from '../../source/proc/cgroup.js';

const row = (pid: number, comm: string, ops: number): OpCounts => ({
  ...emptyOpCounts(pid, comm, 0),
  ops,
});
const T = 1_800_000_000_000_000;
const cgroups = new Map([
  [1, '/system.slice/a.service'],
  [2, '/system.slice/a.service'],
  [3, '/system.slice/b.service'],
]);

describe('the cgroup label', () => {
  it('is a label to choose, in canonical order', () => {
    expect(parseLabelList('opcode,cgroup')).toEqual(['cgroup', 'opcode']);
    expect(parseLabelList('cgroup,pid,comm')).toEqual(['pid', 'comm', 'cgroup']);
  });

  it('puts the processes of a cgroup in one series, whatever their pids and names', () => {
    const t = new MetricTotals(['cgroup', 'opcode'], (pid) => cgroups.get(pid));
    const d: CountsDelta = {
      tsUs: T,
      intervalUs: 1e6,
      rows: [row(1, 'w1', 10), row(2, 'w2', 5), row(3, 'x', 7), row(4, 'gone', 1)],
    };
    t.add(d);
    const sets = [...t.processes.values()].map((p) => p.slot.labels);
    expect(sets).toEqual([
      { cgroup: '/system.slice/a.service' },
      { cgroup: '/system.slice/b.service' },
      { cgroup: UNKNOWN_CGROUP },
    ]);
    const text = [
      ...openMetricsText({
        deltas: [d],
        startUs: T - 1e6,
        labels: ['comm', 'cgroup'],
        names: new OpcodeTable(),
        info: null,
        cgroupOf: (pid) => cgroups.get(pid),
      }),
    ].join('');
    expect(text).toMatch(/\{comm="w1",cgroup="\/system.slice\/a.service"\} 10 /);
    expect(text).toMatch(/\{comm="gone",cgroup="\(unknown\)"\} 1 /);
  });

  it('is bounded: past the limit, processes share the "other" set', () => {
    const b = new LabelBound(['cgroup'], 2, (pid) => `/c${pid}`);
    expect(b.slotOf(1, 'a').labels).toEqual({ cgroup: '/c1' });
    expect(b.slotOf(2, 'a').labels).toEqual({ cgroup: '/c2' });
    expect(b.slotOf(3, 'a').labels).toEqual({ cgroup: OTHER_CGROUP });
    expect(b.slotOf(1, 'b')).toBe(b.slotOf(1, 'a'));
    // an attacker's cgroup name prints safely
    const evil = new LabelBound(['cgroup'], 10, () => '/x\n"y"\u001b');
    expect(evil.slotOf(1, 'a').labels.cgroup).toBe('/x\\n"y"\\x1b');
  });

  it("reads a live process's cgroup from /proc at the first ask", async () => {
    const lookup = new CgroupLookup();
    expect(lookup.get(process.pid)).toBe(await readCgroup(process.pid));
    expect(lookup.get(process.pid)).toMatch(/^\//);
    expect(lookup.get(4194304)).toBeUndefined();
  });
});
