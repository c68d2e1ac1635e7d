import { describe, expect, it } from 'vitest';
import {
  applyFilter,
  formatFilter,
  isEmptyFilter,
  matchesFilter,
  parseFilter,
} from '../../source/model/select.js';
import { Model } from '../../source/model/model.js';
import { OpcodeTable } from '../../source/model/opcodes.js';
import { ev, MS, SEC, T } from './helpers.js';

const names = new OpcodeTable();

describe('parseFilter', () => {
  it('reads pid, comm and op terms, with comma-separated alternatives', () => {
    expect(parseFilter('pid:1234', names)).toEqual({ ok: true, filter: { pids: [1234] } });
    expect(parseFilter('comm:postgres', names)).toEqual({
      ok: true,
      filter: { comms: ['postgres'] },
    });
    expect(parseFilter('op:READ,write', names)).toEqual({
      ok: true,
      filter: { opcodes: [22, 23] },
    });
    expect(parseFilter('  pid:1,2   op:READ ', names)).toEqual({
      ok: true,
      filter: { pids: [1, 2], opcodes: [22] },
    });
  });

  it('accepts opcode numbers, OP_<n>, IO_URING_ENTER, key aliases and repeated keys', () => {
    expect(parseFilter('opcode:255 op:OP_200 OP:22', names)).toEqual({
      ok: true,
      filter: { opcodes: [255, 200, 22] },
    });
    expect(parseFilter('op:io_uring_enter', names)).toEqual({
      ok: true,
      filter: { opcodes: [255] },
    });
    expect(parseFilter('cmd:a command:b comm:a', names)).toEqual({
      ok: true,
      filter: { comms: ['a', 'b'] },
    });
  });

  it('takes a bare number as a pid and a bare word as a command name', () => {
    expect(parseFilter('4242 nginx', names)).toEqual({
      ok: true,
      filter: { pids: [4242], comms: ['nginx'] },
    });
  });

  it('reads empty text as the empty filter', () => {
    const r = parseFilter('   ', names);
    expect(r).toEqual({ ok: true, filter: {} });
    expect(r.ok && isEmptyFilter(r.filter)).toBe(true);
  });

  it('rejects bad terms with a one-line reason', () => {
    expect(parseFilter('foo:1', names)).toEqual({
      ok: false,
      error: 'unknown key "foo:" (use pid:, comm:, op: or cg:)',
    });
    expect(parseFilter('pid:abc', names)).toEqual({
      ok: false,
      error: 'pid must be a number, not "abc"',
    });
    expect(parseFilter('pid:-5', names)).toEqual({
      ok: false,
      error: 'pid must be a number, not "-5"',
    });
    expect(parseFilter('op:FROB', names)).toEqual({
      ok: false,
      error:
        'unknown opcode "FROB": use names like READ,WRITE,FSYNC,IO_URING_ENTER or numbers 0-255',
    });
    expect(parseFilter('op:256', names)).toMatchObject({
      ok: false,
      error: /^unknown opcode "256"/,
    });
    expect(parseFilter('pid:1,', names)).toEqual({ ok: false, error: 'empty value in "pid:1,"' });
    expect(parseFilter('comm:', names)).toEqual({ ok: false, error: 'empty value in "comm:"' });
    expect(parseFilter('toString:1', names).ok).toBe(false);
  });

  it('round-trips through formatFilter', () => {
    const text = 'pid:1,2 comm:pg op:READ,IO_URING_ENTER';
    const r = parseFilter(text, names);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(formatFilter(r.filter, names)).toBe(text);
      expect(parseFilter(formatFilter(r.filter, names), names)).toEqual(r);
    }
    expect(formatFilter({}, names)).toBe('');
  });
});

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

describe('applyFilter', () => {
  const s = sampleSnapshot();

  it('matches commands as --comm does: the whole name, or with a trailing * its beginning', () => {
    expect(applyFilter(s.processes, { comms: ['pg'] })).toEqual([]);
    expect(applyFilter(s.processes, { comms: ['pg*'] }).map((p) => p.comm)).toEqual(['pgbouncer']);
    expect(applyFilter(s.processes, { comms: ['pgbouncer'] }).map((p) => p.comm)).toEqual([
      'pgbouncer',
    ]);
    expect(applyFilter(s.processes, { comms: ['post*', 'ngi*'] }).map((p) => p.pid)).toEqual([
      1, 3,
    ]);
    expect(applyFilter(s.processes, { comms: ['NGINX'] })).toEqual([]);
  });

  it('ANDs different keys and ORs the values of one key', () => {
    const r = applyFilter(s.processOpcodes, { pids: [1, 3], opcodes: [22, 26] });
    expect(r.map((x) => [x.pid, x.opName])).toEqual([
      [1, 'READ'],
      [3, 'SEND'],
    ]);
  });

  it('matches process rows on opcodes through their opcode mix', () => {
    expect(applyFilter(s.processes, { opcodes: [3] }).map((p) => p.pid)).toEqual([1]);
  });

  it('constrains opcode rows by opcode only', () => {
    expect(applyFilter(s.opcodes, { pids: [3], opcodes: [22, 27] }).map((o) => o.opName)).toEqual([
      'READ',
      'RECV',
    ]);
  });

  it('filters events too, and returns a new array for the empty filter', () => {
    expect(matchesFilter(ev({ pid: 9, comm: 'x', opcode: 22 }), { pids: [9], comms: ['x'] })).toBe(
      true,
    );
    expect(matchesFilter(ev({ pid: 9, comm: 'x', opcode: 22 }), { opcodes: [23] })).toBe(false);
    const all = applyFilter(s.processes, {});
    expect(all).toEqual(s.processes);
    expect(all).not.toBe(s.processes);
  });
});
