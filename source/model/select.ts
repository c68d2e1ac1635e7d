/**
 * Selectors: filtering and sorting as pure functions over snapshot rows (and events).
 *
 * Filter semantics: values of one key are alternatives (OR), different keys must all match (AND).
 * `comms` match the command name as `--comm` does in the kernel (commMatches): exactly, or, ending
 * in `*`, as a prefix (`comm:post*` matches `postgres`). A row is constrained only by the fields it has: opcode rows ignore pids/comms,
 * process rows match `opcodes` when the process used any of them (its opcode mix). To see one
 * process's opcodes, filter the process × opcode rows.
 */
import { parseOpcodeList, type OpcodeNames } from './opcodes.js';

export interface Filter {
  readonly pids?: readonly number[];
  readonly comms?: readonly string[];
  readonly opcodes?: readonly number[];
  /**
   * `cg:TEXT`: processes whose cgroup v2 path holds TEXT (cgroupMatches). Rows carry no cgroup:
   * the processes view applies it with the snapshot's cgroups (ProcView.cgroups).
   */
  readonly cgroups?: readonly string[];
}

export type ParseFilterResult = { ok: true; filter: Filter } | { ok: false; error: string };

/** Anything a filter can apply to: snapshot rows and events. */
export interface FilterableRow {
  readonly pid?: number;
  readonly comm?: string;
  readonly opcode?: number;
  readonly opcodeMix?: readonly { readonly opcode: number }[];
}

export function isEmptyFilter(f: Filter | undefined): boolean {
  return (
    f === undefined ||
    ((f.pids === undefined || f.pids.length === 0) &&
      (f.comms === undefined || f.comms.length === 0) &&
      (f.opcodes === undefined || f.opcodes.length === 0) &&
      (f.cgroups === undefined || f.cgroups.length === 0))
  );
}

const KEYS: Record<string, 'pid' | 'comm' | 'op' | 'cg'> = {
  pid: 'pid',
  pids: 'pid',
  comm: 'comm',
  command: 'comm',
  cmd: 'comm',
  op: 'op',
  ops: 'op',
  opcode: 'op',
  cg: 'cg',
  cgroup: 'cg',
};

const MAX_PID = 2 ** 31 - 1;

/**
 * Parses the filter prompt's text: space-separated terms `pid:1234`, `comm:postgres`,
 * `op:READ,WRITE` (names case-insensitive, or numbers 0–255), values comma-separated; a term
 * repeated adds alternatives. A bare number is a pid, any other bare word a command name.
 * Empty text is the empty filter (everything matches).
 */
export function parseFilter(text: string, names: OpcodeNames): ParseFilterResult {
  const pids: number[] = [];
  const comms: string[] = [];
  const opcodes: number[] = [];
  const cgroups: string[] = [];
  const terms = text
    .trim()
    .split(/\s+/)
    .filter((t) => t.length > 0);
  for (const term of terms) {
    const colon = term.indexOf(':');
    let key: 'pid' | 'comm' | 'op' | 'cg';
    let rest: string;
    if (colon < 0) {
      key = /^\d+$/.test(term) ? 'pid' : 'comm';
      rest = term;
    } else {
      const name = term.slice(0, colon).toLowerCase();
      const k = Object.hasOwn(KEYS, name) ? KEYS[name] : undefined;
      if (k === undefined) {
        return {
          ok: false,
          error: `unknown key "${term.slice(0, colon)}:" (use pid:, comm:, op: or cg:)`,
        };
      }
      key = k;
      rest = term.slice(colon + 1);
    }
    if (key === 'op') {
      if (rest.split(',').some((v) => v.length === 0))
        return { ok: false, error: `empty value in "${term}"` };
      const ops = parseOpcodeList(rest, names);
      if (typeof ops === 'string') return { ok: false, error: ops };
      for (const op of ops) pushUnique(opcodes, op);
      continue;
    }
    for (const v of rest.split(',')) {
      if (v.length === 0) return { ok: false, error: `empty value in "${term}"` };
      if (key === 'pid') {
        if (!/^\d{1,10}$/.test(v) || Number(v) > MAX_PID) {
          return { ok: false, error: `pid must be a number, not "${v}"` };
        }
        pushUnique(pids, Number(v));
      } else if (key === 'cg') {
        pushUnique(cgroups, v);
      } else {
        pushUnique(comms, v);
      }
    }
  }
  const filter: { pids?: number[]; comms?: string[]; opcodes?: number[]; cgroups?: string[] } = {};
  if (pids.length > 0) filter.pids = pids;
  if (comms.length > 0) filter.comms = comms;
  if (opcodes.length > 0) filter.opcodes = opcodes;
  if (cgroups.length > 0) filter.cgroups = cgroups;
  return { ok: true, filter };
}

function pushUnique<T>(list: T[], v: T): void {
  if (!list.includes(v)) list.push(v);
}

/** The text form of a filter, which parseFilter reads back to the same filter ('' when empty). */
export function formatFilter(f: Filter, names: OpcodeNames): string {
  const parts: string[] = [];
  if (f.pids && f.pids.length > 0) parts.push(`pid:${f.pids.join(',')}`);
  if (f.comms && f.comms.length > 0) parts.push(`comm:${f.comms.join(',')}`);
  if (f.opcodes && f.opcodes.length > 0)
    parts.push(`op:${f.opcodes.map((o) => names.name(o)).join(',')}`);
  if (f.cgroups && f.cgroups.length > 0) parts.push(`cg:${f.cgroups.join(',')}`);
  return parts.join(' ');
}

/**
 * A process's cgroup v2 path against a `cg:` text: the path holds it (a pod's UID matches with
 * dashes as well as with systemd's underscores). A process whose cgroup is not known never does.
 */
export function cgroupMatches(path: string | undefined, text: string): boolean {
  return path !== undefined && (path.includes(text) || path.replace(/_/g, '-').includes(text));
}

/** The rows whose process's cgroup (by pid, `cgroupOf`) matches one of the filter's cg: texts. */
export function filterByCgroup<R extends { readonly pid: number }>(
  rows: readonly R[],
  texts: readonly string[] | undefined,
  cgroupOf: (pid: number) => string | undefined,
): readonly R[] {
  if (!texts || texts.length === 0) return rows;
  return rows.filter((r) => texts.some((t) => cgroupMatches(cgroupOf(r.pid), t)));
}

/**
 * A command name against a pattern, the same way in the TUI's `comm:` and the kernel's `--comm`:
 * the whole name, or with a trailing `*`, its beginning. Case-sensitive, as the kernel's bytes.
 */
export function commMatches(comm: string, pattern: string): boolean {
  return pattern.endsWith('*') ? comm.startsWith(pattern.slice(0, -1)) : comm === pattern;
}

/** Whether one row or event passes the filter (see the module comment for the semantics). */
export function matchesFilter(row: FilterableRow, f: Filter): boolean {
  if (f.pids && f.pids.length > 0 && row.pid !== undefined && !f.pids.includes(row.pid)) {
    return false;
  }
  if (f.comms && f.comms.length > 0 && row.comm !== undefined) {
    const comm = row.comm;
    if (!f.comms.some((c) => commMatches(comm, c))) return false;
  }
  if (f.opcodes && f.opcodes.length > 0) {
    const ops = f.opcodes;
    if (row.opcode !== undefined) {
      if (!ops.includes(row.opcode)) return false;
    } else if (row.opcodeMix !== undefined) {
      if (!row.opcodeMix.some((m) => ops.includes(m.opcode))) return false;
    }
  }
  return true;
}

/** The rows that pass the filter, in their order (a new array; the input is not changed). */
export function applyFilter<T extends FilterableRow>(rows: readonly T[], f: Filter): T[] {
  if (isEmptyFilter(f)) return rows.slice();
  return rows.filter((r) => matchesFilter(r, f));
}
