/**
 * `npm start` in a real terminal (tmux), in a clean copy of the project: it says that it builds
 * while it builds, then that it attaches the probes while they attach (as root, live capture),
 * before the TUI takes the screen; it never sits silent for the seconds a build takes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectCopy, requireOrSkip } from './env.js';
import { TmuxPane } from './tmux.js';

const run = requireOrSkip('the npm start test', ['npm', 'tmux']);
const panes: TmuxPane[] = [];
afterAll(() => panes.forEach((p) => p.kill()));

describe.runIf(run)('npm start', () => {
  it('says "building…" while it builds and "attaching probes…" while they attach', async () => {
    const copy = projectCopy('iouringtop-start-');
    const built = path.join(copy, 'dist', 'cli.js');
    const p = new TmuxPane(`iouringtop-start-${process.pid}`, `cd ${copy} && npm start`, {
      columns: 120,
      rows: 30,
    });
    panes.push(p);
    // said before the build is done: the build has not written dist/cli.js yet
    const building = await p.until(
      (s) => /iouringtop: building…/.test(s) || existsSync(built),
      'building… on the screen',
      120_000,
    );
    expect(existsSync(built), building).toBe(false);
    expect(building).toMatch(/iouringtop: building…/);
    // then, built, the probes: said before the TUI takes the screen
    const attaching = await p.until(
      (s) => /iouringtop: attaching probes/.test(s) || p.alternateScreen(),
      'attaching probes… on the screen',
      120_000,
    );
    expect(attaching).toMatch(/iouringtop: attaching probes \(tier \d[^)]*\)…/);
    await p.until(() => p.alternateScreen(), 'the TUI', 60_000);
    await p.until((s) => /PID COMMAND/.test(s), 'the processes view');
    p.keys('q');
    expect(await p.exitStatus(), p.screen()).toBe('0');
  });
});
