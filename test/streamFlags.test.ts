/** --comm lists, --interval and --cgroup values, checked into what the capture takes. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseComms, parseInterval, resolveCgroups } from '../source/streamFlags.js';

describe('parseComms', () => {
  it('takes repeated and comma-separated names, once each, patterns included', () => {
    expect(parseComms(['fio'])).toEqual(['fio']);
    expect(parseComms(['fio', 'pg*, nginx', 'fio'])).toEqual(['fio', 'pg*', 'nginx']);
    expect(parseComms(['nginx: worker'])).toEqual(['nginx: worker']);
  });
  it('says which name is wrong, in one line', () => {
    expect(parseComms(['fio,'])).toMatch(/^--comm "fio,": an empty name/);
    expect(parseComms(['a"; system("x'])).toMatch(
      /^--comm "a\\"; system\(\\"x": a command name is 1-15/,
    );
    expect(parseComms(['fio,abcdefghijklmnopq'])).toMatch(/^--comm "abcdefghijklmnopq"/);
    expect(parseComms([Array.from({ length: 17 }, (_, i) => `c${i}`).join(',')])).toMatch(
      /17 command names, at most 16/,
    );
  });
});

describe('parseInterval', () => {
  it('takes 1 to 86400 seconds', () => {
    expect(parseInterval('1')).toBe(1);
    expect(parseInterval(' 2.5 ')).toBe(2.5);
    for (const bad of ['0', '0.5', '-1', 'x', '1e3', '86401', ''])
      expect(parseInterval(bad)).toMatch(/^--interval .*: expected seconds from 1 to 86400/);
  });
});

describe('resolveCgroups', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-cgroups-'));
  for (const d of ['', 'a', 'a/b']) {
    mkdirSync(path.join(root, d), { recursive: true });
    writeFileSync(path.join(root, d, 'cgroup.procs'), '');
  }
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('resolves each path once, and names the first that is not a cgroup', async () => {
    const r = await resolveCgroups(['/a', 'a/', '/a/b'], root);
    expect(typeof r === 'string' ? r : r.map((c) => [c.path, c.level])).toEqual([
      ['/a', 1],
      ['/a/b', 2],
    ]);
    expect(await resolveCgroups(['/a', '/nope'], root)).toMatch(
      /^--cgroup "\/nope": no such cgroup/,
    );
    expect(await resolveCgroups(Array(17).fill('/a'), root)).toMatch(/at most 16/);
  });
});
