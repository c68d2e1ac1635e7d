/**
 * The values of --comm (repeatable, comma-separated), --interval and --cgroup (repeatable), each
 * checked into what the capture takes, or a one-line message that says what is wrong and how to
 * fix it.
 */
import { COMM_PATTERN, type CgroupMatch } from '../bpf/program.js';
import { findCgroup2Mount } from './proc/cgroup.js';
import { resolveCgroup } from './proc/cgroupFilter.js';

/** Command names that --comm may list (each its own predicate in the kernel). */
export const MAX_COMMS = 16;
/** cgroups that --cgroup may list. */
export const MAX_CGROUPS = 16;

/**
 * `--comm fio --comm 'pg*,nginx'` → ['fio', 'pg*', 'nginx'] (once each, in order), or a message.
 * A name is 1-15 characters; a trailing * matches the names that begin so.
 */
export function parseComms(values: readonly string[]): string[] | string {
  const out: string[] = [];
  for (const value of values) {
    for (const part of value.split(',')) {
      const name = part.trim();
      if (name === '')
        return `--comm ${JSON.stringify(value)}: an empty name (give names separated by commas: --comm fio,postgres)`;
      if (!COMM_PATTERN.test(name))
        return `--comm ${JSON.stringify(name)}: a command name is 1-15 characters of letters, digits, spaces and _.:+@%=-/ (a trailing * matches names that begin so)`;
      if (!out.includes(name)) out.push(name);
    }
  }
  if (out.length > MAX_COMMS)
    return `--comm: ${out.length} command names, at most ${MAX_COMMS} (NAME* matches every name that begins so)`;
  return out;
}

/** `--interval S` → seconds (1 to 86400; the kernel's counts come a second apart), or a message. */
export function parseInterval(text: string): number | string {
  const t = text.trim();
  const v = /^[0-9]+(\.[0-9]+)?$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(v) || v < 1 || v > 86_400)
    return `--interval ${JSON.stringify(text)}: expected seconds from 1 to 86400 (the figures come from the kernel's counts, a second apart), e.g. --interval 5`;
  return v;
}

/**
 * `--cgroup` paths → the cgroups to capture (each once), resolved on this host's cgroup v2
 * mount, or a message for the first that is not one.
 */
export async function resolveCgroups(
  paths: readonly string[],
  mount?: string,
): Promise<CgroupMatch[] | string> {
  if (paths.length > MAX_CGROUPS)
    return `--cgroup: ${paths.length} cgroups, at most ${MAX_CGROUPS} (a cgroup takes its descendants: give their parent)`;
  const root = mount ?? (await findCgroup2Mount());
  const out: CgroupMatch[] = [];
  for (const p of paths) {
    const c = await resolveCgroup(p, root);
    if (typeof c === 'string') return c;
    if (!out.some((o) => o.id === c.id)) out.push(c);
  }
  return out;
}
