import { describe, expect, it } from 'vitest';
import { Model } from '../../source/model/model.js';
import { initialUiState } from '../../source/ui/keymap.js';
import {
  checkFilter,
  filterOf,
  isGone,
  opcodeRows,
  selectView,
  sortProcesses,
  viewRows,
  type ViewData,
} from '../../source/ui/viewModel.js';
import { processes } from '../../source/ui/views/processes.js';
import { OpcodeTable } from '../../source/model/opcodes.js';
import { T0, modelWith, pushEvent } from './helpers.js';

const NAMES = new OpcodeTable();
/** The processes view's rows of a view model (none when another view is on screen). */
const processRows = (v: ViewData) => viewRows(v, processes);

describe('idle processes', () => {
  it('sorts processes idle for over 60 s after the active ones, whatever the sort', () => {
    const model = new Model();
    pushEvent(model, { tsUs: T0, pid: 5, comm: 'old', opcode: 22, result: 10, latencyNs: 1000 });
    for (let i = 0; i < 3; i++) {
      pushEvent(model, {
        tsUs: T0 + 70e6 + i,
        pid: 9,
        comm: 'new',
        opcode: 22,
        result: 10,
        latencyNs: 1000,
      });
    }
    model.advance(T0 + 70.5e6);
    const snap = model.snapshot();
    const pids = (key: string, desc: boolean) =>
      sortProcesses(snap.processes, { key, desc }, snap.nowUs).map((r) => r.pid);
    expect(pids('pid', false)).toEqual([9, 5]);
    expect(pids('pid', true)).toEqual([9, 5]);
    expect(pids('comm', true)).toEqual([9, 5]);
  });
});

describe('processes gone quiet', () => {
  it('leaves the view after 5 min idle unless a filter names them or a shows all', () => {
    const model = new Model();
    pushEvent(model, { tsUs: T0, pid: 5, comm: 'exited', opcode: 22, result: 10 });
    pushEvent(model, { tsUs: T0 + 400e6, pid: 9, comm: 'busy', opcode: 22, result: 10 });
    model.advance(T0 + 400.5e6);
    const snap = model.snapshot();
    const view = (over: Partial<ReturnType<typeof initialUiState>>, filter = '') =>
      selectView(snap, { ...initialUiState(), ...over }, filterOf(filter, NAMES));
    const quiet = view({});
    expect(processRows(quiet).map((r) => r.pid)).toEqual([9]);
    expect(quiet.hiddenIdle).toBe(1);
    expect(processRows(view({ showAll: true })).map((r) => r.pid)).toEqual([9, 5]);
    expect(processRows(view({}, 'pid:5')).map((r) => r.pid)).toEqual([5]);
    expect(processRows(view({}, 'comm:exit*')).map((r) => r.pid)).toEqual([5]);
    // its operations stay in the totals
    expect(snap.totals.total.ops).toBe(2);
  });

  it('counts idleness from the capture start at the earliest (seen at 0:01, not idle for years)', () => {
    const row = { window: { ops: 0 }, lastSeenUs: 0 } as Parameters<typeof isGone>[0];
    const start = T0;
    expect(isGone(row, start + 1e6, start)).toBe(false);
    expect(isGone(row, start + 301e6, start)).toBe(true);
    expect(isGone({ ...row, window: { ...row.window, ops: 1 } }, start + 301e6, start)).toBe(false);
  });
});

describe('selectView', () => {
  const { snap } = modelWith([
    { pid: 1, comm: 'a', op: 'READ', rate: 3, latencyUs: 5 },
    { pid: 2, comm: 'b', op: 'WRITE', rate: 7, latencyUs: 9 },
    { pid: 2, comm: 'b', op: 'FSYNC', rate: 1, latencyUs: 900 },
  ]);

  it('lists process × opcode rows in the opcodes view when the filter names processes', () => {
    expect(opcodeRows(snap, filterOf('', NAMES)).map((r) => r.kind)).toEqual([
      'opcode',
      'opcode',
      'opcode',
    ]);
    const rows = opcodeRows(snap, filterOf('pid:2', NAMES));
    expect(rows.every((r) => r.kind === 'processOpcode' && r.pid === 2)).toBe(true);
    expect(rows.map((r) => r.opName).sort()).toEqual(['FSYNC', 'WRITE']);
  });

  it('gives the reducer the row keys of the active table and resolves the selection', () => {
    const ui = initialUiState();
    const v = selectView(snap, ui, filterOf('', NAMES));
    expect(processRows(v).map((r) => r.pid)).toEqual([2, 1]);
    expect(v.rowKeys).toEqual(processRows(v).map((r) => r.key));
    expect(v.selected).toBe(0);
    const drill = selectView(
      snap,
      { ...ui, mode: 'drill', drillKey: v.rowKeys[0] },
      filterOf('', NAMES),
    );
    expect(drill.drill?.process?.pid).toBe(2);
    expect(drill.drill?.opcodes.map((r) => r.opName)).toEqual(['WRITE', 'FSYNC']);
    expect(drill.drill?.events.every((e) => e.pid === 2)).toBe(true);
  });

  it('is empty, with no selection, before the first snapshot', () => {
    const v = selectView(undefined, initialUiState(), filterOf('', NAMES));
    expect(processRows(v)).toEqual([]);
    expect(v.rows).toEqual([]);
    expect(v.selected).toBe(-1);
  });

  it('checks filters with the model parser', () => {
    expect(checkFilter('pid:1 comm:postgres op:READ,WRITE', NAMES)).toBeUndefined();
    expect(checkFilter('op:NOPE', NAMES)).toMatch(/^unknown opcode "NOPE"/);
    expect(checkFilter('pid:abc', NAMES)).toMatch(/pid must be a number/);
  });
});
