/**
 * The doctor's findings (doctor/finding.ts) as the headless summary's "Findings" section and
 * as `--json`'s `advice`. Pure: findings in, lines or plain data out; command names escaped.
 */
import type { Finding } from '../doctor/finding.js';
import { escape } from '../escape.js';
import { commToCsv } from '../model/comm.js';
import type { Column } from './columns.js';

/** Words of `text` on lines of at most `width` columns, each after `indent`. */
export function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      out.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(indent + line);
  return out;
}

/** Where a finding is: `PID 12 fio READ`, `PID 12 fio ring fd 5`. */
export function findingPlace(f: Finding): string {
  return (
    `PID ${f.pid} ${escape(f.comm)}` +
    (f.opcode !== undefined ? ` ${f.opcode}` : '') +
    (f.ring !== undefined ? ` ring fd ${f.ring}` : '')
  );
}

/** The summary's section: a finding's line, then what to change, wrapped under it. */
export function findingsLines(findings: readonly Finding[], window: string): string[] {
  const out = ['', `Findings (${window})`];
  if (findings.length === 0) out.push('  (none)');
  for (const f of findings) {
    out.push(`  ${f.severity.toUpperCase()} ${f.rule}: ${findingPlace(f)}: ${escape(f.what)}`);
    out.push(...wrap(`fix: ${f.fix}`, 100, '      '));
  }
  return out;
}

/** `--json`'s advice: rule, severity, pid, comm, opcode and ring where they apply, evidence, fix. */
export function adviceJson(findings: readonly Finding[]) {
  return findings.map((f) => ({
    rule: f.rule,
    severity: f.severity,
    pid: f.pid,
    comm: commToCsv(f.comm),
    ...(f.opcode !== undefined ? { opcode: f.opcode } : {}),
    ...(f.ring !== undefined ? { ring: f.ring } : {}),
    evidence: f.evidence,
    fix: f.fix,
  }));
}

/** What a finding is about, in a cell: its opcode, its ring, or nothing. */
const findingWhere = (f: Finding): string =>
  f.opcode !== undefined ? f.opcode : f.ring !== undefined ? `ring ${f.ring}` : '';

/** Where a severity sorts: warnings above infos, the heaviest first within each. */
const severityRank = (f: Finding): number => (f.severity === 'warning' ? 1e15 : 0) + f.weight;

/** The doctor view's columns (ui/views/doctor.ts): at 80 columns, WHAT takes what is left. */
export function findingColumns(): Column<Finding>[] {
  return [
    {
      key: 'severity',
      title: 'SEV',
      width: 4,
      format: (f) => (f.severity === 'warning' ? 'WARN' : 'info'),
      sortBy: severityRank,
    },
    { key: 'rule', title: 'RULE', width: 13, format: (f) => f.rule, sortBy: (f) => f.rule },
    {
      key: 'pid',
      title: 'PID',
      width: 7,
      align: 'right',
      format: (f) => String(f.pid),
      sortBy: (f) => f.pid,
    },
    {
      key: 'comm',
      title: 'COMMAND',
      width: 10,
      maxWidth: 16,
      flex: 1,
      format: (f) => escape(f.comm),
      sortBy: (f) => f.comm,
    },
    { key: 'where', title: 'WHERE', width: 8, format: findingWhere, sortBy: findingWhere },
    {
      key: 'what',
      title: 'WHAT',
      width: 32,
      flex: 4,
      minWidth: 10,
      format: (f) => escape(f.what),
    },
  ];
}
