/**
 * Selectors: filtering and sorting as pure functions over snapshot rows (and events).
 *
 * Filter semantics: values of one key are alternatives (OR), different keys must all match (AND).
 * `comms` match as case-sensitive substrings of the command name (`comm:post` matches
 * `postgres`). A row is constrained only by the fields it has: opcode rows ignore pids/comms,
 * process rows match `opcodes` when the process used any of them (its opcode mix). To see one
 * process's opcodes, filter the process × opcode rows.
 */
import { opcodeCode, opcodeName } from './opcodes.js';

export interface Filter {
  readonly pids?: readonly number[];
  readonly comms?: readonly string[];
  readonly opcodes?: readonly number[];
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
      (f.opcodes === undefined || f.opcodes.length === 0))
  );
}

const KEYS: Record<string, 'pid' | 'comm' | 'op'> = {
  pid: 'pid',
  pids: 'pid',
  comm: 'comm',
  command: 'comm',
  cmd: 'comm',
  op: 'op',
  ops: 'op',
  opcode: 'op',
};

const MAX_PID = 2 ** 31 - 1;

/**
 * Parses the filter prompt's text: space-separated terms `pid:1234`, `comm:postgres`,
 * `op:READ,WRITE` (names case-insensitive, or numbers 0–255), values comma-separated; a term
 * repeated adds alternatives. A bare number is a pid, any other bare word a command name.
 * Empty text is the empty filter (everything matches).
 */
export function parseFilter(text: string): ParseFilterResult {
  const pids: number[] = [];
  const comms: string[] = [];
  const opcodes: number[] = [];
  const terms = text
    .trim()
    .split(/\s+/)
    .filter((t) => t.length > 0);
  for (const term of terms) {
    const colon = term.indexOf(':');
    let key: 'pid' | 'comm' | 'op';
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
          error: `unknown key "${term.slice(0, colon)}:" (use pid:, comm: or op:)`,
        };
      }
      key = k;
      rest = term.slice(colon + 1);
    }
    const values = rest.split(',');
    for (const v of values) {
      if (v.length === 0) return { ok: false, error: `empty value in "${term}"` };
      if (key === 'pid') {
        if (!/^\d{1,10}$/.test(v) || Number(v) > MAX_PID) {
          return { ok: false, error: `pid must be a number, not "${v}"` };
        }
        pushUnique(pids, Number(v));
      } else if (key === 'comm') {
        pushUnique(comms, v);
      } else {
        const code = /^\d{1,3}$/.test(v) ? Number(v) : opcodeCode(v);
        if (code === undefined || code > 255) return { ok: false, error: `unknown opcode "${v}"` };
        pushUnique(opcodes, code);
      }
    }
  }
  const filter: { pids?: number[]; comms?: string[]; opcodes?: number[] } = {};
  if (pids.length > 0) filter.pids = pids;
  if (comms.length > 0) filter.comms = comms;
  if (opcodes.length > 0) filter.opcodes = opcodes;
  return { ok: true, filter };
}

function pushUnique<T>(list: T[], v: T): void {
  if (!list.includes(v)) list.push(v);
}

/** The text form of a filter, which parseFilter reads back to the same filter ('' when empty). */
export function formatFilter(f: Filter): string {
  const parts: string[] = [];
  if (f.pids && f.pids.length > 0) parts.push(`pid:${f.pids.join(',')}`);
  if (f.comms && f.comms.length > 0) parts.push(`comm:${f.comms.join(',')}`);
  if (f.opcodes && f.opcodes.length > 0) parts.push(`op:${f.opcodes.map(opcodeName).join(',')}`);
  return parts.join(' ');
}

/** Whether one row or event passes the filter (see the module comment for the semantics). */
export function matchesFilter(row: FilterableRow, f: Filter): boolean {
  if (f.pids && f.pids.length > 0 && row.pid !== undefined && !f.pids.includes(row.pid)) {
    return false;
  }
  if (f.comms && f.comms.length > 0 && row.comm !== undefined) {
    const comm = row.comm;
    if (!f.comms.some((c) => comm.includes(c))) return false;
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

export type SortDirection = 'asc' | 'desc';

/** The columns of a row type that can be sorted on: its number and string fields. */
export type SortColumn<T> = {
  [K in keyof T]-?: T[K] extends number | string ? K : never;
}[keyof T] &
  string;

/**
 * The rows sorted on one column (numbers numerically, strings by code unit), a new array.
 * Equal values keep their input order, so sorting is stable across ticks.
 */
export function sortRows<T>(
  rows: readonly T[],
  column: SortColumn<T>,
  direction: SortDirection,
): T[] {
  const sign = direction === 'asc' ? 1 : -1;
  const indexed = rows.map((row, i) => ({ row, i }));
  indexed.sort((a, b) => {
    const c = compareValues(a.row[column], b.row[column]);
    return c !== 0 ? sign * c : a.i - b.i;
  });
  return indexed.map((x) => x.row);
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') {
    const x = Number.isNaN(a) ? -Infinity : a;
    const y = Number.isNaN(b) ? -Infinity : b;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const s = String(a);
  const t = String(b);
  return s < t ? -1 : s > t ? 1 : 0;
}
