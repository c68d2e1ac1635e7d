/**
 * iouringtop runs as root on shared machines (issue #30): what another user, or a careless root,
 * can do to it. Each test starts the real CLI (live capture with real bpftrace, as root) and
 * attacks it as that user would: a signal. The promises these tests hold are
 * listed in docs/security.md.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bpftraceUnder,
  collectOutput,
  exitOf,
  requireOrSkip,
  runCli,
  waitFor,
  waitGone,
} from './env.js';
import { freePort, httpGet } from './prometheus.js';

const run = requireOrSkip('security end-to-end tests');

/** The TCP ports `pid` listens on (its sockets in /proc/net/tcp{,6} in state LISTEN). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address rem_address st … inode (field 9); 0A = LISTEN
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9]))
        ports.push(parseInt(f[1].split(':')[1], 16));
    }
  }
  return ports;
}

/** Starts the exporter as a service runs it (counters only, no recording) on a free port. */
async function startExporter(extra: string[] = []) {
  const port = await freePort();
  const cli = runCli([
    '--headless',
    '--no-record',
    '--no-events',
    '--metrics',
    `127.0.0.1:${port}`,
    ...extra,
  ]);
  const out = collectOutput(cli);
  await waitFor(cli, 'stderr', /^capturing$/m);
  return { cli, port, out, bpftrace: bpftraceUnder(cli.pid!) };
}

/** Stops it with SIGINT; asserts exit 0 and no bpftrace left. */
async function stopExporter(e: Awaited<ReturnType<typeof startExporter>>): Promise<void> {
  e.cli.kill('SIGINT');
  expect((await exitOf(e.cli)).code, e.out.stderr()).toBe(0);
  expect(await waitGone(e.bpftrace)).toEqual([]);
}

describe.runIf(run)("SIGUSR1 does not open Node's inspector", () => {
  it('a plain node process opens it on SIGUSR1 (what the test looks for), iouringtop does not', async () => {
    // The control: node as it is opens the inspector when signalled (here on a port of its own
    // choosing, so that another process holding 9229 cannot make the control fail).
    const plain = spawn(
      process.execPath,
      ['--inspect-port=0', '-e', 'process.stderr.write("ready\\n"); setInterval(() => {}, 1000)'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const t0 = performance.now();
    try {
      await waitFor(plain, 'stderr', /^ready$/m, 10_000);
      plain.kill('SIGUSR1');
      await waitFor(plain, 'stderr', /Debugger listening on ws:\/\//, 10_000);
      expect(listeningPorts(plain.pid!).length).toBe(1);
    } finally {
      plain.kill('SIGKILL');
      await exitOf(plain);
    }
    // How long node took to open it: iouringtop is given ten times that, and at least 2 s.
    const opensWithinMs = Math.max(2000, (performance.now() - t0) * 10);

    const e = await startExporter();
    try {
      const before = listeningPorts(e.cli.pid!);
      expect(before).toEqual([e.port]);
      e.cli.kill('SIGUSR1');
      // the signal has been taken once a scrape after it is answered
      expect((await httpGet(e.port, '/metrics')).status).toBe(200);
      const end = performance.now() + opensWithinMs;
      while (performance.now() < end) {
        expect(listeningPorts(e.cli.pid!)).toEqual([e.port]);
        expect(e.out.stderr()).not.toMatch(/Debugger listening|inspector/i);
        await new Promise((r) => setTimeout(r, 50));
      }
      // still capturing and serving
      expect((await httpGet(e.port, '/metrics')).status).toBe(200);
    } finally {
      await stopExporter(e);
    }
  });
});
