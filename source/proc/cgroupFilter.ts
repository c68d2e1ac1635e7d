/**
 * `--cgroup PATH` → the cgroup the kernel filters on: its id and level (bpf/spec.ts CgroupMatch).
 * The path is the user's text: it is checked, and looked up on this host's cgroup v2 mount, and
 * only the numbers it resolves to reach the program. Its id is the directory's inode number,
 * which is what bpftrace's cgroupid() and `cgroup` give (kernfs: the inode number is the node's
 * id on 64-bit hosts).
 */
import { lstat, stat } from 'node:fs/promises';
import type { CgroupMatch } from '../../bpf/spec.js';
import { escape } from '../escape.js';

/** Longest path accepted (PATH_MAX). */
const MAX_PATH = 4096;

const example = 'e.g. --cgroup /system.slice/nginx.service';

/**
 * The cgroup `text` names under the v2 mount `mount` (as /proc/PID/cgroup writes it after `0::`,
 * or the whole path under the mount), or a one-line message saying what is wrong.
 */
export async function resolveCgroup(
  text: string,
  mount: string | undefined,
): Promise<CgroupMatch | string> {
  const shown = JSON.stringify(escape(text, 200));
  if (mount === undefined)
    return `--cgroup ${shown}: this host has no cgroup v2 (/proc/mounts lists no cgroup2 file system)`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text) || text.length > MAX_PATH)
    return `--cgroup ${shown}: not a cgroup path (control characters, or too long); ${example}`;
  let rel = text.trim();
  if (rel === mount || rel.startsWith(`${mount}/`)) rel = rel.slice(mount.length);
  const parts = rel.split('/').filter((p) => p.length > 0);
  if (parts.some((p) => p === '.' || p === '..'))
    return `--cgroup ${shown}: give the path without . or .. (as /proc/PID/cgroup shows it after 0::); ${example}`;
  const path = `/${parts.join('/')}`;
  const dir = parts.length === 0 ? mount : `${mount}${path}`;
  const st = await lstat(dir, { bigint: true }).catch(() => undefined);
  const isCgroup =
    st?.isDirectory() === true &&
    (await stat(`${dir}/cgroup.procs`).then(
      (s) => s.isFile(),
      () => false,
    ));
  if (!st || !isCgroup)
    return `--cgroup ${shown}: no such cgroup (${escape(dir, 300)} is not a cgroup v2 directory); give a path as /proc/PID/cgroup shows it after 0::, ${example}`;
  return { path, id: st.ino.toString(), level: parts.length };
}
