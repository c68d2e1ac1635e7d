/**
 * Which labels the per-process metrics carry (`--metrics-labels`), and the bound on how many
 * different processes they can name.
 *
 * By default a series is named by command and opcode: a handful of series per program, however
 * many processes come and go. `cgroup` names the process's cgroup v2 path (its service, pod or
 * container: proc/cgroup.ts), as stable as a command and what a fleet asks about; it is the
 * label to choose over `pid`, which opts in to one series per process (a cost in memory and in
 * Prometheus that grows with every process that ever used io_uring). Either way the label values
 * come from processes, so from whoever started them: a fork bomb of random command names must not
 * grow the exporter without bound. At most MAX_PROCESS_LABEL_SETS distinct (pid, comm) label sets
 * are kept; later ones are counted together under OTHER_COMM / OTHER_PID, so every total stays
 * exact. With pid labels, a process idle for RETIRE_AFTER_US has its series dropped and its slot
 * freed (its series stop: Prometheus marks them stale).
 */
import { escape } from '../escape.js';

export const LABEL_NAMES = ['pid', 'comm', 'cgroup', 'opcode'] as const;
export type LabelName = (typeof LABEL_NAMES)[number];

export const DEFAULT_LABELS: readonly LabelName[] = ['comm', 'opcode'];

/** Distinct process label sets kept; past it they share the "other" set. */
export const MAX_PROCESS_LABEL_SETS = 1000;

/** The comm label of the "other" set: 16 characters, longer than any command name can be. */
export const OTHER_COMM = '(other commands)';
export const OTHER_PID = 'other';
/** The cgroup label of the "other" set, and of a process whose cgroup could not be read. */
export const OTHER_CGROUP = '(other cgroups)';
export const UNKNOWN_CGROUP = '(unknown)';

/** A process's cgroup v2 path (undefined: not known). */
export type CgroupOf = (pid: number) => string | undefined;

/** With pid labels: how long a process may be idle before its series are dropped (10 min). */
export const RETIRE_AFTER_US = 600_000_000;

/** `pid,comm,opcode` → the labels, in that canonical order; a one-line message when invalid. */
export function parseLabelList(text: string): LabelName[] | string {
  const parts = text.split(',').map((p) => p.trim().toLowerCase());
  if (parts.some((p) => p === '')) return `an empty label in ${JSON.stringify(text)}`;
  for (const p of parts) {
    if (!(LABEL_NAMES as readonly string[]).includes(p))
      return `${JSON.stringify(p)} is not a label: choose from ${LABEL_NAMES.join(', ')}`;
  }
  if (new Set(parts).size !== parts.length) return `a label given twice in ${JSON.stringify(text)}`;
  return LABEL_NAMES.filter((n) => parts.includes(n));
}

/** A process's label values: those of the chosen labels only (never both absent and present). */
export interface ProcessLabels {
  pid?: string;
  comm?: string;
  cgroup?: string;
}

/**
 * A command name as a label value: the one escape for untrusted text (escape.ts), so the value is
 * printable, one line and valid UTF-8 whatever bytes the process chose.
 */
export const commLabel = (comm: string): string => escape(comm);

/** The key of a process label set, and its values. */
export interface LabelSlot {
  readonly key: string;
  readonly labels: Readonly<ProcessLabels>;
}

/**
 * Gives each (pid, comm) its label set under the chosen labels, admitting at most `max` distinct
 * sets; the rest share the "other" set. Slots are freed with release() (pid sets that retire).
 */
export class LabelBound {
  private readonly slots = new Map<string, LabelSlot>();
  readonly other: LabelSlot;

  constructor(
    readonly labels: readonly LabelName[],
    private readonly max = MAX_PROCESS_LABEL_SETS,
    private readonly cgroupOf: CgroupOf = () => undefined,
  ) {
    const other: ProcessLabels = {};
    if (labels.includes('pid')) other.pid = OTHER_PID;
    if (labels.includes('comm')) other.comm = OTHER_COMM;
    if (labels.includes('cgroup')) other.cgroup = OTHER_CGROUP;
    this.other = { key: '\0other', labels: other };
  }

  get withPid(): boolean {
    return this.labels.includes('pid');
  }

  /** The slot of a process: its own while there is room, else "other". */
  slotOf(pid: number, comm: string): LabelSlot {
    const labels: ProcessLabels = {};
    if (this.withPid) labels.pid = String(pid);
    if (this.labels.includes('comm')) labels.comm = commLabel(comm);
    if (this.labels.includes('cgroup'))
      labels.cgroup = escape(this.cgroupOf(pid) ?? UNKNOWN_CGROUP, 1024);
    const key = `${labels.pid ?? ''}\0${labels.comm ?? ''}\0${labels.cgroup ?? ''}`;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      if (this.slots.size >= this.max) return this.other;
      slot = { key, labels };
      this.slots.set(key, slot);
    }
    return slot;
  }

  /** Frees a slot (its series were dropped). */
  release(slot: LabelSlot): void {
    if (slot !== this.other) this.slots.delete(slot.key);
  }

  get size(): number {
    return this.slots.size;
  }
}
