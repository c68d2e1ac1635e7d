/**
 * Installed like any command-line tool: `npm pack` of a clean copy of the project (its prepack
 * builds it), `npm install -g --prefix DIR` of the tarball, then the installed `iouringtop` run
 * as a user would: help, version, a replay of a bundled recording (as root and as nobody), the
 * probe, and under a PATH without node (what sudo leaves).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectCopy, requireOrSkip, requireRootOrSkip, ROOT, tempDir } from './env.js';

const run = requireOrSkip('the install test', ['npm', 'setpriv'], false);
const asRoot = run && requireRootOrSkip('the install test as root and as nobody');

describe.runIf(run)('npm pack, npm install -g, iouringtop', () => {
  let tarball = '';
  let files: string[] = [];
  let prefix = '';
  let bin = '';
  let pkg = '';
  const made: string[] = [];

  beforeAll(() => {
    const copy = projectCopy('iouringtop-pack-src-');
    made.push(copy);
    const out = tempDir('iouringtop-pack-');
    made.push(out);
    execFileSync('npm', ['pack', '--pack-destination', out], { cwd: copy, stdio: 'pipe' });
    tarball = path.join(
      out,
      readdirSync(out).find((f) => f.endsWith('.tgz'))!,
    );
    files = execFileSync('tar', ['tzf', tarball]).toString().trim().split('\n');
    prefix = tempDir('iouringtop-prefix-');
    made.push(prefix);
    chmodSync(prefix, 0o755); // as a global prefix is: anyone may run what is in it
    execFileSync(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
      { stdio: 'pipe' },
    );
    bin = path.join(prefix, 'bin', 'iouringtop');
    pkg = path.join(prefix, 'lib', 'node_modules', 'iouringtop');
  }, 300_000);

  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  const iouringtop = (args: string[], opts: { env?: NodeJS.ProcessEnv; as?: 'nobody' } = {}) =>
    spawnSync(
      opts.as ? 'setpriv' : bin,
      opts.as ? ['--reuid=65534', '--regid=65534', '--clear-groups', bin, ...args] : args,
      { encoding: 'utf8', timeout: 60_000, cwd: '/', env: opts.env ?? process.env },
    );

  it('the tarball holds what the command needs at run time, and no sources, tests or tooling', () => {
    expect(files).toContain('package/bin/iouringtop');
    expect(files).toContain('package/dist/cli.js');
    expect(files).toContain('package/LICENSE');
    expect(files).toContain('package/readme.md');
    expect(files).toContain('package/contrib/iouringtop-exporter.service');
    expect(files.some((f) => /^package\/recordings\/.+\.csv(\.gz)?$/.test(f))).toBe(true);
    const unwanted = files.filter(
      (f) =>
        /\.(ts|tsx|map)$/.test(f) ||
        /^package\/(test|source|bpf|types|\.ci)\//.test(f) ||
        /^package\/dist\/test\//.test(f) ||
        /(tsconfig|eslint|vitest|prettier)/.test(f),
    );
    expect(unwanted).toEqual([]);
    // the README it holds is the project's, and its links into docs/ lead to files it holds
    const readme = readFileSync(path.join(pkg, 'readme.md'), 'utf8');
    expect(readme).toBe(readFileSync(path.join(ROOT, 'readme.md'), 'utf8'));
    const docLinks = [...readme.matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1]);
    expect(docLinks.length).toBeGreaterThan(5);
    for (const doc of docLinks) expect(files).toContain(`package/${doc}`);
  });

  it('--help and -h: every flag and the keys; --version: the bpftrace found and the tier', () => {
    for (const flag of ['--help', '-h']) {
      const h = iouringtop([flag]);
      expect(h.status, h.stderr).toBe(0);
      expect(h.stdout).toMatch(/^ {2}Usage$/m);
      for (const f of ['--replay', '--headless', '--pid', '--comm', '--opcode', '--speed'])
        expect(h.stdout).toContain(f);
      expect(h.stdout).toMatch(/Keys \(live\)[\s\S]*q Ctrl-C F10 +quit/);
    }
    const v = iouringtop(['--version']);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^iouringtop \d+\.\d+\.\d+ \(node v\d+/);
    expect(v.stdout).toMatch(/^bpftrace: \S+ v\d/m);
    expect(v.stdout).toMatch(/^capture: /m);
  });

  it.runIf(asRoot)('replays a bundled recording headless, as root and as nobody', () => {
    const rec = path.join(pkg, 'recordings', 'workload-mix.csv');
    for (const as of [undefined, 'nobody'] as const) {
      const r = iouringtop(['--replay', rec, '--headless'], { as });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^iouringtop replay of .*workload-mix\.csv/);
      expect(r.stdout).toMatch(/ 260 events, /);
    }
  });

  it.runIf(asRoot)('--probe as root finds the capture tier', () => {
    const p = iouringtop(['--probe']);
    expect(p.status, p.stdout + p.stderr).toBe(0);
    expect(p.stdout).toMatch(/^capture: tier [123]: /m);
  });

  it('under a PATH without node (what sudo leaves): the node it was installed with, or what to run', () => {
    // sudo's PATH on a machine whose node is elsewhere: the system tools, no node
    const tools = tempDir('iouringtop-tools-');
    made.push(tools);
    for (const t of ['readlink', 'dirname']) {
      const real = execFileSync('sh', ['-c', `command -v ${t}`])
        .toString()
        .trim();
      symlinkSync(real, path.join(tools, t));
    }
    const bare = { PATH: tools, SUDO_USER: 'someone' };
    const missing = iouringtop(['--version'], { env: bare });
    expect(missing.status).toBe(127);
    expect(missing.stderr).toMatch(/node \(>= 20\.11\) was not found \(sudo resets PATH\)/);
    expect(missing.stderr).toMatch(/sudo "\$\(command -v node\)" ".*dist\/cli\.js"/);
    // Debian 12's own node (18): said, not a stack trace from the first import
    const old = path.join(tools, 'node');
    writeFileSync(old, '#!/bin/sh\necho v18.19.0\n', { mode: 0o755 });
    const tooOld = iouringtop(['--version'], { env: bare });
    expect(tooOld.status).toBe(1);
    expect(tooOld.stderr.trim()).toBe(
      `iouringtop: needs Node >= 20.11, and ${old} is v18.19.0 (Debian 12's own nodejs is 18): install Node 20 or 22 from NodeSource or nvm, then reinstall iouringtop with it`,
    );
    rmSync(old);
    // a prefix that holds its node (nvm's, NodeSource's): found without PATH
    symlinkSync(process.execPath, path.join(prefix, 'bin', 'node'));
    const found = iouringtop(['--version'], { env: bare });
    expect(found.status, found.stderr).toBe(0);
    expect(found.stdout).toMatch(/^iouringtop /);
  });
});
