/**
 * The exporter end to end, with real components started by the test: iouringtop capturing the
 * liburing workload with real bpftrace and serving --metrics, a real Prometheus scraping it every
 * second, and queries through Prometheus' HTTP API that must give the workload's own counts
 * exactly; then Prometheus goes away and comes back, and the exporter serves on. The exporter
 * beside the TUI, in tmux. Runs as root (CI installs prometheus: see .ci/run).
 */
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { errnoName, isExpectedError } from '../../source/model/errno.js';
import { opcodeDirection, OpcodeTable } from '../../source/model/opcodes.js';
import {
  bpftraceUnder,
  buildWorkload,
  CLI,
  collectOutput,
  eventually,
  exitOf,
  requireOrSkip,
  runCli,
  tempDir,
  waitFor,
  waitGone,
  type Reported,
} from './env.js';
import { byLabel, freePort, httpGet, startPrometheus, type PromServer } from './prometheus.js';
import { TmuxPane } from './tmux.js';

const run = requireOrSkip('Prometheus end-to-end tests', ['prometheus', 'promtool']);

const countBy = <T>(items: T[], key: (t: T) => string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
};

describe.runIf(run)('--metrics scraped by a real Prometheus', () => {
  it("Prometheus holds exactly the workload's operations, and the exporter outlives Prometheus", async () => {
    const bin = buildWorkload();
    const work = tempDir('iouringtop-prom-work-');
    const promDir = tempDir('iouringtop-prom-');
    const workload = spawn(bin, [work], { stdio: ['pipe', 'pipe', 'pipe'] });
    const wOut = collectOutput(workload);
    let prom: PromServer | undefined;
    const exporterPort = await freePort();
    const cli = runCli([
      '--headless',
      '--no-record',
      '--metrics',
      `127.0.0.1:${exporterPort}`,
      '--pid',
      String(Number((await waitFor(workload, 'stdout', /^pid (\d+)$/m))[1])),
    ]);
    const cOut = collectOutput(cli);
    try {
      await waitFor(cli, 'stderr', /^capturing$/m);
      expect(cOut.stderr()).toContain(
        `iouringtop: serving metrics at http://127.0.0.1:${exporterPort}/metrics\n`,
      );
      const ours = bpftraceUnder(cli.pid!);
      expect(ours).toHaveLength(1);
      // what the exporter serves is valid exposition, by Prometheus' own linter
      const text = await httpGet(exporterPort, '/metrics');
      const lint = spawnSync('promtool', ['check', 'metrics'], {
        input: text.body,
        encoding: 'utf8',
      });
      expect(lint.status, lint.stdout + lint.stderr).toBe(0);

      prom = await startPrometheus({ dir: promDir, targets: [`127.0.0.1:${exporterPort}`] });
      await eventually(
        async () =>
          (await prom!.query('up{job="iouringtop"}'))[0]?.value === 1 ? true : undefined,
        'Prometheus to scrape the exporter',
      );

      workload.stdin.write('go\n');
      expect((await exitOf(workload)).code, wOut.stderr()).toBe(0);
      const reported = wOut
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Reported);
      expect(reported).toHaveLength(26);
      const want = countBy(reported, (r) => r.op);
      const names = new OpcodeTable();
      const readBytes = reported
        .filter((r) => opcodeDirection(names.code(r.op)!) === 'read' && r.res > 0)
        .reduce((n, r) => n + r.res, 0);
      // failures and expected results (TIMEOUT's -ETIME, …) apart, as the TUI's ERR and EXP
      const negative = (expected: boolean) =>
        countBy(
          reported.filter(
            (r) => r.res < 0 && isExpectedError(names.code(r.op)!, -r.res) === expected,
          ),
          (r) => errnoName(r.res),
        );
      const errnos = negative(false);
      const expectedErrnos = negative(true);
      expect(Object.keys(errnos).length).toBeGreaterThan(0);
      expect(expectedErrnos).toMatchObject({ ETIME: 1 });

      const ops = 'sum by (opcode) (iouringtop_operations_total{job="iouringtop"})';
      await eventually(
        async () => {
          const got = byLabel(await prom!.query(ops), 'opcode');
          return JSON.stringify(sorted(got)) === JSON.stringify(sorted(want)) ? got : undefined;
        },
        `Prometheus to hold ${JSON.stringify(want)}`,
      ).catch(async (e: Error) => {
        throw new Error(
          `${e.message}; it holds ${JSON.stringify(byLabel(await prom!.query(ops), 'opcode'))}`,
        );
      });
      expect(byLabel(await prom.query(ops), 'opcode')).toEqual(want);
      expect((await prom.query('sum(iouringtop_read_bytes_total)'))[0].value).toBe(readBytes);
      expect(
        byLabel(await prom.query('sum by (errno) (iouringtop_errors_total)'), 'errno'),
      ).toEqual(errnos);
      expect(
        byLabel(await prom.query('sum by (errno) (iouringtop_expected_errors_total)'), 'errno'),
      ).toEqual(expectedErrnos);
      // every operation's latency, in the histogram
      expect((await prom.query('sum(iouringtop_operation_latency_seconds_count)'))[0].value).toBe(
        26,
      );
      const info = await prom.query('iouringtop_build_info');
      expect(info[0].metric).toMatchObject({ tier: '1', job: 'iouringtop' });
      expect(info[0].metric.bpftrace).toMatch(/^v?\d+\.\d+/);

      // Prometheus goes away: the exporter serves on
      await prom.stop();
      const stoppedAt = Date.now() / 1000;
      const alone = await httpGet(exporterPort, '/metrics');
      expect(alone.status).toBe(200);
      expect(alone.body).toMatch(
        /^iouringtop_operations_total\{comm="uring-workload",opcode="NOP"\} 3$/m,
      );
      expect(cli.exitCode).toBeNull();

      // and comes back, on the same storage: it scrapes again, and the counts are still exact
      prom = await startPrometheus({
        dir: promDir,
        port: prom.port,
        targets: [`127.0.0.1:${exporterPort}`],
      });
      await eventually(async () => {
        const up = await prom!.query(
          'timestamp(up{job="iouringtop"}) and up{job="iouringtop"} == 1',
        );
        return up[0]?.value > stoppedAt ? true : undefined;
      }, 'Prometheus to scrape the exporter again');
      expect(byLabel(await prom.query(ops), 'opcode')).toEqual(want);

      // a long-running exporter (no --duration) ends on SIGTERM, cleanly
      cli.kill('SIGTERM');
      expect((await exitOf(cli)).code, cOut.stderr()).toBe(0);
      expect(await waitGone(ours)).toEqual([]);
    } finally {
      await prom?.stop();
      if (workload.exitCode === null && workload.signalCode === null) workload.kill('SIGKILL');
      if (cli.exitCode === null && cli.signalCode === null) {
        cli.kill('SIGTERM');
        await exitOf(cli);
      }
    }
  });

  it("the diag workload's punts, poll arms, short results, init failures, broken links and CQ overflows, exactly, live and in its recording's export", async () => {
    const bin = buildWorkload();
    const workload = spawn(bin, [tempDir('iouringtop-prom-diag-'), 'diag'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const wOut = collectOutput(workload);
    const pid = Number((await waitFor(workload, 'stdout', /^pid (\d+)$/m))[1]);
    const port = await freePort();
    const cli = runCli([
      '--headless',
      '--pid',
      String(pid),
      '--output-dir',
      tempDir('iouringtop-prom-diag-out-'),
      '--metrics',
      `127.0.0.1:${port}`,
    ]);
    const cOut = collectOutput(cli);
    try {
      const recording = (await waitFor(cli, 'stderr', /^recording to (.+\.csv)$/m))[1];
      const ours = bpftraceUnder(cli.pid!);
      workload.stdin.write('go\n');
      expect((await exitOf(workload)).code, wOut.stderr()).toBe(0);
      // what diag() provokes (test/e2e/diagnostics.test.ts checks the same in the summary)
      const want = {
        operations: { NOP: 6, READ: 5, WRITE: 1 },
        punted: { WRITE: 1 },
        poll_armed: { READ: 1 },
        short_results: { READ: 1 },
        broken_links: { READ: 2 },
        init_failures: { 'READ EINVAL': 1 },
        cq_overflows: { '': 4 },
      };
      const got = (samples: Map<string, number>) => {
        const out: Record<string, Record<string, number>> = {};
        for (const [series, v] of samples) {
          const m =
            /^iouringtop_(\w+)_total\{comm="uring-workload"(?:,opcode="(\w+)")?(?:,errno="(\w+)")?\}$/.exec(
              series,
            );
          if (!m || !(m[1] in want)) continue;
          const key = [m[2], m[3]].filter((x) => x !== undefined).join(' ');
          (out[m[1]] ??= {})[key] = v;
        }
        return out;
      };
      const live = await eventually(
        async () => {
          const g = got(lastSamples((await httpGet(port, '/metrics')).body));
          return JSON.stringify(sortedDeep(g)) === JSON.stringify(sortedDeep(want)) ? g : undefined;
        },
        `the diagnostics at /metrics: ${JSON.stringify(want)}`,
      ).catch(async (e: Error) => {
        const now = got(lastSamples((await httpGet(port, '/metrics')).body));
        throw new Error(`${e.message}; it serves ${JSON.stringify(now)}`);
      });
      expect(live).toEqual(want);
      // this kernel has every tracepoint, and events are on: every diagnostic is counted
      const counted = lastSamples((await httpGet(port, '/metrics')).body);
      for (const stem of Object.keys(want).filter((k) => k !== 'operations'))
        expect(counted.get(`iouringtop_diagnostic_counted{diagnostic="${stem}"}`), stem).toBe(1);

      cli.kill('SIGINT');
      expect((await exitOf(cli)).code, cOut.stderr()).toBe(0);
      expect(await waitGone(ours)).toEqual([]);
      // the recording's export: the same counts, at its last sample
      const exp = runCli(['--replay', recording, '--export', 'openmetrics']);
      const eOut = collectOutput(exp);
      expect((await exitOf(exp)).code, eOut.stderr()).toBe(0);
      expect(eOut.stderr()).toMatch(/from the recording's kernel counts/);
      expect(got(lastSamples(eOut.stdout()))).toEqual(want);
    } finally {
      if (workload.exitCode === null && workload.signalCode === null) workload.kill('SIGKILL');
      if (cli.exitCode === null && cli.signalCode === null) {
        cli.kill('SIGTERM');
        await exitOf(cli);
      }
    }
  });

  it('a port in use, or an address this machine does not have: one line, exit 1', async () => {
    const port = await freePort();
    const blocker = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`,
    ]);
    try {
      await waitFor(blocker, 'stdout', /up/);
      const r = runCli(['--headless', '--no-events', '--metrics', String(port)]);
      const out = collectOutput(r);
      expect((await exitOf(r)).code).toBe(1);
      expect(out.stderr()).toBe(
        `iouringtop: --metrics 127.0.0.1:${port}: the port is in use (another exporter?); choose another port\n`,
      );
      const n = runCli(['--headless', '--no-events', '--metrics', '192.0.2.1:9464']);
      const nOut = collectOutput(n);
      expect((await exitOf(n)).code).toBe(1);
      expect(nOut.stderr()).toBe(
        'iouringtop: --metrics 192.0.2.1:9464: no interface of this machine has that address\n',
      );
    } finally {
      blocker.kill();
      await exitOf(blocker);
    }
  });
});

const withTmux = requireOrSkip('the exporter beside the TUI (tmux)', ['tmux']);

describe.runIf(withTmux)('--metrics beside the TUI', () => {
  it('serves the exact counts while the TUI shows them; q closes the port and ends bpftrace', async () => {
    const bin = buildWorkload();
    const workload = spawn(bin, [tempDir('iouringtop-tui-metrics-')], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const wOut = collectOutput(workload);
    const pid = (await waitFor(workload, 'stdout', /^pid (\d+)$/m))[1];
    const port = await freePort();
    const pane = new TmuxPane(
      `iouringtop-metrics-${process.pid}`,
      `${process.execPath} ${CLI} --no-record --pid ${pid} --metrics 127.0.0.1:${port}`,
    );
    try {
      // the TUI draws once the probes are attached
      await pane.until((s) => s.includes('PID') && s.includes('COMMAND'), 'the processes view');
      // the endpoint is on screen (what stderr said is behind the full-screen view)
      expect(pane.screen()).toContain(`metrics http://127.0.0.1:${port}/metrics`);
      const ours = await eventually(() => {
        const found = bpftraceUnder(pane.pid());
        return found.length === 1 ? found : undefined;
      }, "the pane's bpftrace");
      workload.stdin.write('go\n');
      expect((await exitOf(workload)).code, wOut.stderr()).toBe(0);
      const body = await eventually(async () => {
        const r = await httpGet(port, '/metrics');
        const total = [...r.body.matchAll(/^iouringtop_operations_total\{[^}]*\} (\d+)$/gm)].reduce(
          (n, m) => n + Number(m[1]),
          0,
        );
        return total === 26 ? r.body : undefined;
      }, "the workload's 26 operations at /metrics");
      expect(body).toMatch(
        /^iouringtop_operations_total\{comm="uring-workload",opcode="NOP"\} 3$/m,
      );
      // and the TUI shows the same process
      await pane.until(
        (s) => new RegExp(`^\\s*>?\\s*${pid}\\s+uring-work`, 'm').test(s),
        'its row',
      );
      pane.keys('q');
      expect(await pane.exitStatus(), pane.screen()).toBe('0');
      expect(await waitGone(ours)).toEqual([]);
      await expect(httpGet(port, '/metrics')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      pane.kill();
      if (workload.exitCode === null && workload.signalCode === null) workload.kill('SIGKILL');
    }
  });
});

const sorted = (o: Record<string, number>): [string, number][] =>
  Object.entries(o).sort(([a], [b]) => a.localeCompare(b));

/** Each series' last value in exposition text (with or without timestamps). */
function lastSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+\{[^}]*\}|\w+) (\S+)(?: \S+)?$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** An object with its keys (and its objects' keys) sorted, to compare as JSON. */
function sortedDeep<T>(o: T): T {
  if (typeof o !== 'object' || o === null) return o;
  return Object.fromEntries(
    Object.entries(o)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, sortedDeep(v)]),
  ) as T;
}
