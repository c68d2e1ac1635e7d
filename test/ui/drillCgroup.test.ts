/** The drill-down's title names the process's cgroup whole, its container or unit first. */
import { describe, expect, it } from 'vitest';
import { Model } from '../../source/model/model.js';
import { drillTitle } from '../../source/ui/DrillView.js';
import { ev, T } from '../model/helpers.js';

describe('the drill-down title', () => {
  const m = new Model();
  m.push(ev({ pid: 7, comm: 'nginx', tsUs: T }));
  m.advance(T + 1000);
  const process = m.snapshot().processes[0];
  const base = { process, opcodes: [], events: [], files: [], names: 'live' as const };

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
