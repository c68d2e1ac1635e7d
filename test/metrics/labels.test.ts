/**
 * The labels of the per-process series: bounded by default (command and opcode), pid on request,
 * never more than MAX_PROCESS_LABEL_SETS process label sets whatever names processes choose.
 */
import { describe, expect, it } from 'vitest';
import {
  commLabel,
  LabelBound,
  MAX_PROCESS_LABEL_SETS,
  OTHER_COMM,
  OTHER_PID,
  parseLabelList,
} from '../../source/metrics/labels.js';

describe('parseLabelList', () => {
  it('takes any of pid, comm, opcode, in any order and case, and puts them in canonical order', () => {
    expect(parseLabelList('pid,comm,opcode')).toEqual(['pid', 'comm', 'opcode']);
    expect(parseLabelList('opcode, PID')).toEqual(['pid', 'opcode']);
    expect(parseLabelList('comm')).toEqual(['comm']);
  });
  it('refuses unknown, empty and repeated labels', () => {
    expect(parseLabelList('fd')).toBe('"fd" is not a label: choose from pid, comm, cgroup, opcode');
    expect(parseLabelList('filename')).toMatch(/not a label/);
    expect(parseLabelList('comm,')).toMatch(/an empty label/);
    expect(parseLabelList('comm,comm')).toMatch(/given twice/);
  });
});

describe('LabelBound', () => {
  it('by default, processes of one command share one label set', () => {
    const b = new LabelBound(['comm', 'opcode']);
    const a = b.slotOf(10, 'postgres');
    expect(b.slotOf(11, 'postgres')).toBe(a);
    expect(a.labels).toEqual({ comm: 'postgres' });
    expect(b.slotOf(12, 'nginx')).not.toBe(a);
    expect(b.size).toBe(2);
  });

  it('two names that differ only in a byte that is not UTF-8 and the C1 control of that number get two label sets', () => {
    const b = new LabelBound(['comm', 'opcode']);
    const byte = b.slotOf(10, 'x\udc81'); // the bytes 78 81
    const control = b.slotOf(11, 'x\u0081'); // the bytes 78 c2 81
    expect(control).not.toBe(byte);
    expect(byte.labels.comm).toBe('x\\x81');
    expect(control.labels.comm).toBe('x\\u0081');
    expect(b.slotOf(12, 'x\\x81')).not.toBe(byte); // the text of the escape
    expect(b.size).toBe(3);
  });

  it('with pid, one label set per process', () => {
    const b = new LabelBound(['pid', 'comm', 'opcode']);
    expect(b.slotOf(10, 'postgres').labels).toEqual({ pid: '10', comm: 'postgres' });
    expect(b.slotOf(11, 'postgres')).not.toBe(b.slotOf(10, 'postgres'));
    expect(new LabelBound(['opcode']).slotOf(10, 'x').labels).toEqual({});
  });

  it('a fork bomb of random names: past the bound, every new one shares the "other" set', () => {
    const b = new LabelBound(['pid', 'comm', 'opcode']);
    for (let i = 0; i < MAX_PROCESS_LABEL_SETS; i++)
      expect(b.slotOf(i + 1, `n${i}`)).not.toBe(b.other);
    const late = b.slotOf(99999, 'late');
    expect(late).toBe(b.other);
    expect(late.labels).toEqual({ pid: OTHER_PID, comm: OTHER_COMM });
    expect(b.slotOf(1, 'n0')).not.toBe(b.other); // those admitted keep their set
    expect(b.size).toBe(MAX_PROCESS_LABEL_SETS);
    b.release(b.slotOf(1, 'n0'));
    expect(b.slotOf(99999, 'late')).not.toBe(b.other); // a freed slot is taken again
  });

  it('"other" cannot be a real command name: it is longer than any', () => {
    expect(OTHER_COMM.length).toBeGreaterThan(15);
  });

  it('command names are label values that print safely (the one escape)', () => {
    expect(commLabel('fio')).toBe('fio');
    expect(commLabel('x\x1b]0;t\x07')).toBe('x\\x1b]0;t\\x07');
    expect(commLabel('a\nb')).toBe('a\\nb');
    expect(commLabel('a\\b')).toBe('a\\\\b');
    expect(commLabel('\udcff')).toBe('\\xff'); // a byte that was not UTF-8
  });
});
