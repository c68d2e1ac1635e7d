/**
 * A finding of the doctor: what is wrong with a process's use of io_uring (a rule's name, for
 * scripts), how bad (`warning`: something to change; `info`: worth knowing), the evidence (the
 * counted figures and the window they cover) and what to change.
 */

export const RULES = [
  'cq_overflow',
  'punts',
  'iowq_workers',
  'sqpoll_busy',
  'small_batches',
  'enobufs',
  'multishot_ends',
  'broken_links',
  'failures',
  'short_io',
  'poll_arms',
] as const;

export type RuleName = (typeof RULES)[number];

export type Severity = 'warning' | 'info';

/** Figures by name; `window_s` is the time they cover (seconds). */
export type Evidence = { window_s: number } & Record<string, number | string | null>;

export interface Finding {
  readonly rule: RuleName;
  readonly severity: Severity;
  readonly pid: number;
  /** Untrusted text: escape before printing. */
  readonly comm: string;
  /** The opcode's name, where the rule is about one. */
  readonly opcode?: string;
  /** The ring's file descriptor in the process, where the rule is about one. */
  readonly ring?: number;
  /** One line: what the evidence says, in words and figures. */
  readonly what: string;
  readonly evidence: Evidence;
  /** What to change. */
  readonly fix: string;
  /** How much it weighs among findings of one severity (the rate of what it counts). */
  readonly weight: number;
  /** Stable while the condition lasts: rule, pid, and opcode/ring/errno where they apply. */
  readonly key: string;
}

/** Warnings first, then the heaviest, then by pid and key (a stable order). */
export function worstFirst(a: Finding, b: Finding): number {
  return (
    (a.severity === b.severity ? 0 : a.severity === 'warning' ? -1 : 1) ||
    b.weight - a.weight ||
    a.pid - b.pid ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}
