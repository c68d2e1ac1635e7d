/**
 * Where the doctor's findings show in the TUI: the doctor view (7), worst first and under the
 * filter; the header's marker while a warning is active; the drill-down's lines for its process.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../source/doctor/finding.js';
import { findingLines } from '../../source/ui/DrillView.js';
import { headerSegments } from '../../source/ui/Header.js';
import { initialUiState } from '../../source/ui/keymap.js';
import type { TuiSnapshot } from '../../source/ui/types.js';
import type { DrillData } from '../../source/ui/viewModel.js';
import { doctor, processFindings } from '../../source/ui/views/doctor.js';
import { modelWith } from './helpers.js';

const finding = (f: Partial<Finding>): Finding => ({
  rule: 'poll_arms',
  severity: 'info',
  pid: 1,
  comm: 'a',
  what: 'something',
  evidence: { window_s: 10 },
  fix: 'change it',
  weight: 1,
  key: `${f.rule ?? 'poll_arms'}:${f.pid ?? 1}:`,
  ...f,
});

const FINDINGS = [
  finding({ rule: 'poll_arms', pid: 1, weight: 900, opcode: 'RECV' }),
  finding({ rule: 'cq_overflow', severity: 'warning', pid: 2, comm: 'b', weight: 5, ring: 3 }),
  finding({ rule: 'punts', severity: 'warning', pid: 1, weight: 50, opcode: 'WRITE' }),
];

function snapshot(findings: readonly Finding[]): TuiSnapshot {
  const { model } = modelWith([{ pid: 1, comm: 'a', op: 'READ', rate: 1, latencyUs: 1 }]);
  return { ...model.snapshot(), findings };
}

const header = (s: TuiSnapshot) =>
  headerSegments({
    info: { host: 'h', kernel: 'k', tier: 't', mode: 'live' },
    snapshot: s,
    filterText: '',
    paused: false,
    refreshMs: 1000,
    color: false,
  }).map((l) => l.map((x) => x.text).join(''));

describe('the doctor in the TUI', () => {
  it('lists the findings worst first: warnings, the heaviest first, then infos', () => {
    const ui = initialUiState();
    const rows = doctor.rows(snapshot(FINDINGS), ui, {}).rows;
    expect(rows.map((f) => `${f.severity} ${f.rule}`)).toEqual([
      'warning punts',
      'warning cq_overflow',
      'info poll_arms',
    ]);
    // under a pid: filter, that process's alone
    expect(doctor.rows(snapshot(FINDINGS), ui, { pids: [2] }).rows.map((f) => f.rule)).toEqual([
      'cq_overflow',
    ]);
    expect(doctor.summary({ rows }, undefined, ui)).toBe('2 warnings, 1 notes (last 10 s)');
    // under the table: what to change for the worst
    expect(doctor.notes!(snapshot(FINDINGS))).toEqual([
      ' punts, PID 1 a WRITE: something',
      ' fix: change it',
    ]);
  });

  it('marks the header while a warning is active, naming the view’s key', () => {
    expect(header(snapshot(FINDINGS))[1]).toContain('doctor: 2 warnings, 7');
    expect(header(snapshot(FINDINGS.filter((f) => f.severity === 'info')))[1]).not.toContain(
      'doctor',
    );
    expect(header(snapshot([]))[1]).not.toContain('doctor');
  });

  it('lists a process’s findings in its drill-down', () => {
    const s = snapshot(FINDINGS);
    const data: DrillData = {
      opcodes: [],
      events: [],
      files: [],
      names: 'none',
      findings: processFindings(s, 1),
    };
    expect(findingLines(data)).toEqual([
      ' doctor WARN punts WRITE: something',
      ' doctor info poll_arms RECV: something',
    ]);
    expect(findingLines({ ...data, findings: processFindings(s, 9) })).toEqual([]);
  });
});
