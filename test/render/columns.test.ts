import { describe, expect, it } from 'vitest';
import { Model } from '../../source/model/model.js';
import {
  opcodeColumns,
  processColumns,
  sortByColumn,
  sortKeys,
  summaryStats,
  type Column,
} from '../../source/render/columns.js';
import { ev, MS, SEC, T } from '../model/helpers.js';

function sampleSnapshot() {
  const m = new Model();
  const at = T + 500 * MS;
  m.push(ev({ tsUs: at, pid: 1, comm: 'postgres', opcode: 22 }));
  m.push(ev({ tsUs: at, pid: 1, comm: 'postgres', opcode: 3, result: 0 }));
  m.push(ev({ tsUs: at, pid: 2, comm: 'pgbouncer', opcode: 27, result: 10 }));
  m.push(ev({ tsUs: at, pid: 3, comm: 'nginx', opcode: 26, result: 10 }));
  m.push(ev({ tsUs: at, pid: 3, comm: 'nginx', opcode: 26, result: 10 }));
  m.advance(T + SEC);
  return m.snapshot();
}

interface Row {
  key: string;
  comm: string;
  ops: number;
  p99Ns: number;
}
const COLS: Column<Row>[] = [
  { key: 'comm', title: 'C', width: 4, format: (r) => r.comm, sortBy: (r) => r.comm },
  { key: 'ops', title: 'O', width: 4, format: (r) => String(r.ops), sortBy: (r) => r.ops },
  { key: 'p99', title: 'P', width: 4, format: (r) => String(r.p99Ns), sortBy: (r) => r.p99Ns },
  { key: 'spark', title: 'S', width: 4, format: () => '' },
];

describe('sortByColumn', () => {
  const rows: Row[] = [
    { key: 'a', comm: 'b', ops: 5, p99Ns: 30 },
    { key: 'b', comm: 'a', ops: 9, p99Ns: 10 },
    { key: 'c', comm: 'c', ops: 5, p99Ns: 20 },
  ];

  it('sorts numbers either way, keeping the input order of equal values', () => {
    expect(sortByColumn(rows, COLS, 'ops', true).map((r) => r.key)).toEqual(['b', 'a', 'c']);
    expect(sortByColumn(rows, COLS, 'ops', false).map((r) => r.key)).toEqual(['a', 'c', 'b']);
    expect(sortByColumn(rows, COLS, 'p99', true).map((r) => r.key)).toEqual(['a', 'c', 'b']);
  });

  it('sorts strings by code unit and does not change its input', () => {
    const before = rows.map((r) => r.key);
    expect(sortByColumn(rows, COLS, 'comm', false).map((r) => r.comm)).toEqual(['a', 'b', 'c']);
    expect(sortByColumn(rows, COLS, 'comm', true).map((r) => r.comm)).toEqual(['c', 'b', 'a']);
    expect(rows.map((r) => r.key)).toEqual(before);
  });

  it('leaves the order alone for a column that does not sort or does not exist', () => {
    expect(sortByColumn(rows, COLS, 'spark', true).map((r) => r.key)).toEqual(['a', 'b', 'c']);
    expect(sortByColumn(rows, COLS, 'nope', true).map((r) => r.key)).toEqual(['a', 'b', 'c']);
  });

  it('sorts snapshot rows on the registry columns', () => {
    const s = sampleSnapshot();
    const pc = processColumns(0);
    expect(sortByColumn(s.processes, pc, 'ops', true).map((p) => p.pid)).toEqual([1, 3, 2]);
    expect(sortByColumn(s.processes, pc, 'comm', false).map((p) => p.comm)).toEqual([
      'nginx',
      'pgbouncer',
      'postgres',
    ]);
    const oc = opcodeColumns('p99', 0);
    expect(sortByColumn(s.opcodes, oc, 'ops', true)[0].opName).toBe('SEND');
    expect(sortByColumn(s.opcodes, oc, 'bytes', true).map((o) => o.opName)).toEqual([
      'READ',
      'SEND',
      'RECV',
      'FSYNC',
    ]);
  });
});

describe('the registry', () => {
  it('lists the sortable columns of each table in screen order', () => {
    expect(sortKeys(processColumns(0))).toEqual([
      'pid',
      'comm',
      'ops',
      'read',
      'write',
      'avg',
      'p99',
      'max',
      'err',
      'top',
    ]);
    expect(sortKeys(opcodeColumns('p99', 0))).toEqual([
      'opcode',
      'ops',
      'bytes',
      'avg',
      'p50',
      'p99',
      'max',
      'err',
    ]);
  });

  it('gives the summary the same statistics, since start', () => {
    const s = sampleSnapshot();
    const st = summaryStats(['ops', 'read', 'write', 'err']);
    expect(st.titles).toEqual(['OPS', 'READ', 'WRITTEN', 'ERRORS']);
    const send = s.opcodes.find((o) => o.opName === 'SEND')!;
    expect(st.cells(send)).toEqual(['2', '0 B', '20 B', '0']);
  });
});
