/**
 * `--cgroup PATH` resolved on a cgroup v2 tree: a made-up one in a temp dir (directories with a
 * cgroup.procs, as cgroupfs has), and this host's own when it has one and we may write to it.
 */
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findCgroup2Mount } from '../../source/proc/cgroup.js';
import { resolveCgroup } from '../../source/proc/cgroupFilter.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-cgfs-'));
for (const d of ['', 'system.slice', 'system.slice/nginx.service', 'not-a-cgroup']) {
  mkdirSync(path.join(root, d), { recursive: true });
  if (d !== 'not-a-cgroup') writeFileSync(path.join(root, d, 'cgroup.procs'), '');
}
symlinkSync(path.join(root, 'system.slice'), path.join(root, 'link'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ino = (p: string): string => statSync(path.join(root, p), { bigint: true }).ino.toString();

describe('resolveCgroup', () => {
  it('takes the path as /proc/PID/cgroup writes it, or with the mount in front', async () => {
    const want = {
      path: '/system.slice/nginx.service',
      id: ino('system.slice/nginx.service'),
      level: 2,
    };
    expect(await resolveCgroup('/system.slice/nginx.service', root)).toEqual(want);
    expect(await resolveCgroup('system.slice//nginx.service/', root)).toEqual(want);
    expect(await resolveCgroup(`${root}/system.slice/nginx.service`, root)).toEqual(want);
    expect(await resolveCgroup('/', root)).toEqual({ path: '/', id: ino(''), level: 0 });
  });
  it('says in one line why a path is refused', async () => {
    const refused = async (text: string, mount: string | null = root): Promise<string> => {
      const r = await resolveCgroup(text, mount ?? undefined);
      if (typeof r !== 'string') throw new Error(`${text} was taken`);
      expect(r).not.toMatch(/[\n\r]/);
      return r;
    };
    expect(await refused('/nope')).toMatch(
      /^--cgroup "\/nope": no such cgroup \(.*\/nope is not a cgroup v2 directory\); give a path as \/proc\/PID\/cgroup shows it/,
    );
    expect(await refused('/not-a-cgroup')).toMatch(/no such cgroup/);
    expect(await refused('/system.slice/nginx.service/cgroup.procs')).toMatch(/no such cgroup/);
    expect(await refused('/link')).toMatch(/no such cgroup/);
    expect(await refused('/system.slice/../system.slice')).toMatch(/without \. or \.\./);
    expect(await refused('/a\nb\u001b[31m')).toMatch(
      /^--cgroup "\/a\\\\nb\\\\x1b\[31m": not a cgroup path/,
    );
    expect(await refused('/x', null)).toMatch(/this host has no cgroup v2/);
  });
});

describe("this host's cgroup v2", () => {
  it('gives the id bpftrace gives for the same directory, and the level below the root', async () => {
    const mount = await findCgroup2Mount();
    if (mount === undefined || process.getuid?.() !== 0) return;
    const dir = path.join(mount, `iouringtop-unit-${process.pid}`);
    mkdirSync(path.join(dir, 'child'), { recursive: true });
    try {
      const r = await resolveCgroup(`/iouringtop-unit-${process.pid}/child`, mount);
      if (typeof r === 'string') throw new Error(r);
      expect(r.level).toBe(2);
      let bpftrace: string;
      try {
        bpftrace = execFileSync(
          'bpftrace',
          ['-e', `BEGIN { printf("%llu\\n", cgroupid("${dir}/child")); exit(); }`],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
        );
      } catch {
        return; // no bpftrace here: the id is the inode number all the same
      }
      expect(bpftrace).toContain(`${r.id}\n`);
    } finally {
      rmdirSync(path.join(dir, 'child'));
      rmdirSync(dir);
    }
  });
});
