/**
 * The systemd unit the package ships (contrib/iouringtop-exporter.service): systemd's own checker
 * accepts it, and its command line, run with the unit's capabilities, no_new_privs and a
 * read-only file system (what ProtectSystem=strict, ProtectKernelTunables and PrivateTmp give it),
 * captures and serves a workload's exact counts, then ends on SIGTERM leaving no bpftrace.
 * systemd is not needed to run it (CI machines may not boot with it): unshare and setpriv set up
 * the part of the sandbox that capture depends on.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bpftraceUnder,
  buildWorkload,
  collectOutput,
  eventually,
  exitOf,
  requireOrSkip,
  ROOT,
  tempDir,
  waitFor,
  waitGone,
} from './env.js';
import { freePort, httpGet } from './prometheus.js';

const UNIT = path.join(ROOT, 'contrib/iouringtop-exporter.service');

/** The unit's [Service] settings (a setting given twice: the last). */
function serviceSettings(): Map<string, string> {
  const out = new Map<string, string>();
  let section = '';
  for (const raw of readFileSync(UNIT, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) section = s[1];
    else if (section === 'Service') {
      const eq = line.indexOf('=');
      out.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return out;
}

const verify = requireOrSkip('the systemd unit check', ['systemd-analyze'], false);

describe.runIf(verify)('contrib/iouringtop-exporter.service', () => {
  it('systemd-analyze verify accepts it, without a warning', () => {
    // the unit names the installed command; here, the clone's
    const dir = tempDir('iouringtop-unit-');
    const unit = path.join(dir, 'iouringtop-exporter.service');
    writeFileSync(
      unit,
      readFileSync(UNIT, 'utf8').replace(
        /^ExecStart=\/usr\/bin\/iouringtop /m,
        `ExecStart=${path.join(ROOT, 'bin/iouringtop')} `,
      ),
    );
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('runs the installed command as a headless exporter on 127.0.0.1, counters only', () => {
    const s = serviceSettings();
    expect(s.get('ExecStart')).toBe(
      '/usr/bin/iouringtop --headless --no-record --no-events --metrics 127.0.0.1:9464',
    );
    expect(s.get('NoNewPrivileges')).toBe('yes');
    expect(s.get('ProtectSystem')).toBe('strict');
    expect(s.get('PrivateTmp')).toBe('yes');
  });
});

const run = requireOrSkip('the exporter unit end-to-end test', ['unshare', 'setpriv']);

describe.runIf(run)("the unit's command in the unit's sandbox", () => {
  it("captures and serves a workload's exact counts, and ends on SIGTERM", async () => {
    const s = serviceSettings();
    const caps = s
      .get('CapabilityBoundingSet')!
      .split(/\s+/)
      .map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`);
    const port = await freePort();
    const args = s
      .get('ExecStart')!
      .split(' ')
      .slice(1)
      .map((a) => (a === '127.0.0.1:9464' ? `127.0.0.1:${port}` : a));
    const bin = buildWorkload();
    const workload = spawn(bin, [tempDir('iouringtop-unit-work-')], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const wOut = collectOutput(workload);
    const pid = (await waitFor(workload, 'stdout', /^pid (\d+)$/m))[1];
    // read-only: / and the mounts holding node and iouringtop, /sys and tracefs; a private /tmp
    const readOnly = new Set(['/', '/sys', '/sys/kernel/tracing']);
    for (const p of [process.execPath, ROOT])
      readOnly.add(spawnSync('findmnt', ['-n', '-o', 'TARGET', '-T', p]).stdout.toString().trim());
    // a checkout under /tmp (a CI clone) would vanish under the private /tmp: carried over, read-only
    const underTmp = ROOT.startsWith('/tmp/');
    const script = [
      'set -e',
      ...[...readOnly].map((m) => `mount -o remount,bind,ro '${m}'`),
      ...(underTmp ? ['mount --bind /tmp /mnt'] : []),
      'mount -t tmpfs -o mode=1777 tmpfs /tmp',
      ...(underTmp
        ? [
            `mkdir -p '${ROOT}'`,
            `mount --bind '/mnt${ROOT.slice('/tmp'.length)}' '${ROOT}'`,
            `mount -o remount,bind,ro '${ROOT}'`,
          ]
        : []),
      `exec setpriv --bounding-set=-all,${caps.join(',')} --inh-caps=-all` +
        `${s.get('NoNewPrivileges') === 'yes' ? ' --no-new-privs' : ''} "$@"`,
    ].join('\n');
    const cli = spawn(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        script,
        'sandbox',
        path.join(ROOT, 'bin/iouringtop'),
        ...args,
        '--pid',
        pid,
      ],
      { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const cOut = collectOutput(cli);
    try {
      await waitFor(cli, 'stderr', /^capturing$/m);
      const ours = bpftraceUnder(cli.pid!);
      expect(ours).toHaveLength(1);
      workload.stdin.write('go\n');
      expect((await exitOf(workload)).code, wOut.stderr()).toBe(0);
      const nops = /^iouringtop_operations_total\{comm="uring-workload",opcode="NOP"\} (\d+)$/m;
      const body = await eventually(async () => {
        const r = await httpGet(port, '/metrics');
        return nops.exec(r.body)?.[1] === '3' ? r.body : undefined;
      }, "the workload's 3 NOPs at /metrics");
      const total = [...body.matchAll(/^iouringtop_operations_total\{[^}]*\} (\d+)$/gm)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
      expect(total).toBe(26);
      expect(body).toMatch(/^iouringtop_lost_events_total 0$/m);
      cli.kill('SIGTERM');
      expect((await exitOf(cli)).code, cOut.stderr()).toBe(0);
      expect(await waitGone(ours)).toEqual([]);
      // what it said: where it serves, that it attaches, then captures; no bpftrace complaint
      expect(cOut.stderr()).toMatch(
        new RegExp(
          `^iouringtop: serving metrics at http://127\\.0\\.0\\.1:${port}/metrics\\n` +
            `iouringtop: attaching probes \\(tier \\d[^)\\n]*\\)…\\ncapturing\\n$`,
        ),
      );
    } finally {
      if (workload.exitCode === null && workload.signalCode === null) workload.kill('SIGKILL');
      if (cli.exitCode === null && cli.signalCode === null) {
        cli.kill('SIGTERM');
        await exitOf(cli);
      }
    }
  });
});
