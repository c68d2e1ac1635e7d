/**
 * The cgroup in the TUI: the drill-down's title names it whole (its container or unit first), and
 * `C` toggles the processes view's CGROUP column.
 */
import { describe, expect, it } from 'vitest';
import { Model } from '../../source/model/model.js';
import { processColumns } from '../../source/render/columns.js';
import { withCgroupColumn } from '../../source/render/cgroupColumn.js';
import { actionFor } from '../../source/ui/bindings.js';
import { drillTitle } from '../../source/ui/DrillView.js';
import { initialUiState, reduceKey } from '../../source/ui/keymap.js';
import { ev, T } from '../model/helpers.js';

describe('the drill-down title', () => {
  const m = new Model();
  m.push(ev({ pid: 7, comm: 'nginx', tsUs: T }));
  m.advance(T + 1000);
  const process = m.snapshot().processes[0];
  const base = {
    process,
    opcodes: [],
    events: [],
    files: [],
    names: 'live' as const,
    findings: [],
  };

  it('ends with the cgroup path and its short name, escaped', () => {
    const docker = `/system.slice/docker-${'ab'.repeat(32)}.scope`;
    const lines = drillTitle({ ...base, cgroup: docker }, process.key);
    expect(lines[lines.length - 1]).toBe(` cgroup docker:abababababab: ${docker}`);
    const evil = drillTitle({ ...base, cgroup: '/x\u001b[2J' }, process.key);
    expect(evil[evil.length - 1]).toBe(' cgroup x\\x1b[2J: /x\\x1b[2J');
  });
  it('says nothing of a cgroup it does not know', () => {
    expect(drillTitle(base, process.key).join('\n')).not.toContain('cgroup');
  });
});

describe("the processes view's CGROUP column", () => {
  it('comes after COMMAND with the short name, when cgroups are known and C turned it on', () => {
    const m = new Model();
    m.push(ev({ pid: 7, comm: 'nginx', tsUs: T }));
    m.push(ev({ pid: 8, comm: 'other', tsUs: T }));
    m.advance(T + 1000);
    const rows = m.snapshot().processes;
    const cgroups = new Map([[7, '/system.slice/nginx.service']]);
    const cols = withCgroupColumn(processColumns(0), cgroups);
    expect(cols.map((c) => c.key).slice(0, 4)).toEqual(['pid', 'comm', 'cgroup', 'ops']);
    const cg = cols.find((c) => c.key === 'cgroup')!;
    expect(rows.map((r) => cg.format(r, 20))).toEqual(['nginx.service', '-']);
    expect(withCgroupColumn(processColumns(0), undefined).map((c) => c.key)).not.toContain(
      'cgroup',
    );
  });
  it('is toggled by C in the processes view', () => {
    const s0 = initialUiState();
    const on = reduceKey(s0, 'C', {}).state;
    expect([s0.cgroupColumn, on.cgroupColumn, reduceKey(on, 'C', {}).state.cgroupColumn]).toEqual([
      false,
      true,
      false,
    ]);
    expect(actionFor('C', {}, { mode: 'normal', table: 'opcodes', replay: false })).toBeUndefined();
  });
});
