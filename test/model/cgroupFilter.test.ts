/** The filter prompt's cg:TEXT: parsed, written back, and matched against processes' cgroups. */
import { describe, expect, it } from 'vitest';
import { OpcodeTable } from '../../source/model/opcodes.js';
import {
  cgroupMatches,
  filterByCgroup,
  formatFilter,
  isEmptyFilter,
  parseFilter,
} from '../../source/model/select.js';

const names = new OpcodeTable();
const UID = '5d8c2f3a-1b2c-4d5e-8f9a-0b1c2d3e4f5a';

describe('cg: in the filter prompt', () => {
  it('parses cg: and cgroup:, values comma-separated, and writes them back', () => {
    const r = parseFilter('cg:nginx.service,docker- cgroup:/kubepods comm:fio', names);
    expect(r).toEqual({
      ok: true,
      filter: { comms: ['fio'], cgroups: ['nginx.service', 'docker-', '/kubepods'] },
    });
    if (!r.ok) return;
    expect(formatFilter(r.filter, names)).toBe('comm:fio cg:nginx.service,docker-,/kubepods');
    expect(isEmptyFilter({ cgroups: ['x'] })).toBe(false);
    expect(parseFilter('cg:', names)).toEqual({ ok: false, error: 'empty value in "cg:"' });
    expect(parseFilter('cgx:a', names)).toEqual({
      ok: false,
      error: 'unknown key "cgx:" (use pid:, comm:, op: or cg:)',
    });
  });

  it("keeps the processes whose cgroup holds the text; a pod's UID with dashes too", () => {
    const where = new Map([
      [1, '/system.slice/nginx.service'],
      [2, `/kubepods.slice/kubepods-pod${UID.replace(/-/g, '_')}.slice/cri-containerd-ab.scope`],
      [3, '/user.slice/session-3.scope'],
    ]);
    const rows = [1, 2, 3, 4].map((pid) => ({ pid }));
    const keep = (texts?: string[]) =>
      filterByCgroup(rows, texts, (pid) => where.get(pid)).map((r) => r.pid);
    expect(keep(['nginx'])).toEqual([1]);
    expect(keep([UID])).toEqual([2]);
    expect(keep(['.scope'])).toEqual([2, 3]);
    expect(keep(['nginx', 'session'])).toEqual([1, 3]);
    expect(keep(undefined)).toEqual([1, 2, 3, 4]);
    expect(keep(['/'])).toEqual([1, 2, 3]); // not 4: its cgroup is not known
    expect(cgroupMatches(undefined, '')).toBe(false);
  });
});
