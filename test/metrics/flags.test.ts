/**
 * The metrics flags: --metrics [ADDR:]PORT, --metrics-labels, --export openmetrics|json; what
 * they go with, and the built CLI on bad values (one line, exit 2) and on exports of the bundled
 * recordings (no root needed).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { helpText } from '../../source/help.js';
import { CLI, ROOT, tempDir } from '../helpers/project.js';
import { configError, configOf } from '../config.js';

const ok = configOf;
const error = configError;

describe('buildConfig: metrics flags', () => {
  it('--metrics: 127.0.0.1 by default, command and opcode labels unless told', () => {
    expect(ok({ headless: true, metrics: '9464' }).metrics).toEqual({
      at: { host: '127.0.0.1', port: 9464 },
      labels: ['comm', 'opcode'],
    });
    expect(ok({ metrics: '[::1]:9000', metricsLabels: 'pid,comm,opcode' }).metrics).toEqual({
      at: { host: '::1', port: 9000 },
      labels: ['pid', 'comm', 'opcode'],
    });
    expect(ok({}).metrics).toBeUndefined();
  });

  it("--export: a recording's series, openmetrics or json", () => {
    const c = ok({ replay: 'r.csv', export: 'openmetrics' });
    expect(c).toMatchObject({ mode: 'export', exportFormat: 'openmetrics', record: false });
    expect(ok({ replay: 'r.csv', export: 'JSON', metricsLabels: 'comm' })).toMatchObject({
      exportFormat: 'json',
      metricLabels: ['comm'],
    });
    expect(ok({ replay: 'r.csv', export: 'json', lenient: true }).lenient).toBe(true);
  });

  it('refuses what does not go together, saying what to do instead', () => {
    expect(error({ metrics: 'x' })).toMatch(/^--metrics "x": /);
    expect(error({ metrics: '9464', replay: 'r.csv' })).toMatch(
      /--metrics serves a live capture.*--export openmetrics/,
    );
    expect(error({ metrics: '9464', orReplay: 'r.csv' })).toMatch(
      /--metrics serves a live capture/,
    );
    expect(error({ metrics: '9464', probe: true })).toMatch(/not --probe/);
    expect(error({ metricsLabels: 'comm' })).toBe(
      '--metrics-labels applies to --metrics and --export',
    );
    expect(error({ metrics: '9464', metricsLabels: 'fd' })).toMatch(
      /^--metrics-labels: "fd" is not a label/,
    );
    expect(error({ export: 'openmetrics' })).toMatch(
      /^--export writes the series of a recording: --replay FILE/,
    );
    expect(error({ replay: 'r.csv', export: 'csv' })).toBe(
      '--export "csv": choose openmetrics or json',
    );
    expect(error({ replay: 'r.csv', export: 'json', json: true })).toMatch(/choose one/);
    expect(error({ replay: 'r.csv', export: 'json', speed: '2' })).toMatch(
      /--speed does not apply/,
    );
  });
});

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20_000,
    killSignal: 'SIGINT',
    maxBuffer: 64 * 2 ** 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the CLI with metrics flags', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does)`);
  });

  it('a bad address or label list: one line, exit 2, before anything starts', () => {
    for (const args of [
      ['--headless', '--metrics', 'localhost:9464'],
      ['--headless', '--metrics', '70000'],
      ['--headless', '--metrics', '::1:9464'],
      ['--headless', '--metrics', '9464', '--metrics-labels', 'pid,fd'],
      ['--headless', '--metrics='],
      ['--replay', 'recordings/workload-mix.csv', '--export', 'xml'],
    ]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(/^iouringtop: --(metrics|export)/);
    }
  });

  it('exports a bundled recording as OpenMetrics and as JSON on stdout, a note on stderr', () => {
    const om = cli(['--replay', 'recordings/workload-mix.csv', '--export', 'openmetrics']);
    expect(om.code, om.stderr).toBe(0);
    expect(om.stdout.endsWith('# EOF\n')).toBe(true);
    // 5 runs of the workload: 15 NOPs (3 a run), 20 READs
    expect(om.stdout).toMatch(
      /^iouringtop_operations_total\{comm="uring-workload",opcode="NOP"\} 15 \d+\.\d{3}$/m,
    );
    expect(om.stdout).toMatch(
      /^iouringtop_build_info\{version="[^"]+",tier="1",bpftrace="v0.17.0",kernel="[^"]+"\} 1 /m,
    );
    expect(om.stderr).toMatch(/^iouringtop: exported \d+ intervals from the recording's events$/m);
    const js = cli(['--replay', 'recordings/workload-mix.csv', '--export', 'json']);
    expect(js.code, js.stderr).toBe(0);
    const doc = JSON.parse(js.stdout) as {
      series: { name: string; labels: Record<string, string>; samples: number[][] }[];
    };
    const nop = doc.series.find(
      (s) => s.name === 'iouringtop_operations_total' && s.labels.opcode === 'NOP',
    );
    expect(nop?.samples.at(-1)?.[1]).toBe(15);
  });

  it("a recording's metadata is untrusted: its text reaches stdout escaped", () => {
    const dir = tempDir('iouringtop-meta-');
    copyFileSync(path.join(ROOT, 'recordings/workload-mix.csv'), path.join(dir, 'r.csv'));
    const meta = JSON.parse(
      readFileSync(path.join(ROOT, 'recordings/workload-mix.meta.json'), 'utf8'),
    ) as Record<string, unknown>;
    meta.csvFile = 'r.csv';
    meta.kernel = '6.1\x1b]0;owned\x07';
    meta.bpftraceVersion = 'v0.17.0\u202e';
    writeFileSync(path.join(dir, 'r.meta.json'), JSON.stringify(meta));
    for (const format of ['openmetrics', 'json']) {
      const r = cli(['--replay', path.join(dir, 'r.csv'), '--export', format]);
      expect(r.code, r.stderr).toBe(0);
      // escaped as on screen (\x1b), that backslash then escaped by the format's own quoting
      expect(r.stdout).toContain('6.1\\\\x1b]0;owned\\\\x07');
      for (const c of ['\x1b', '\x07', '\u202e']) expect(r.stdout).not.toContain(c);
    }
  });

  it('a recording that cannot be read: one line, exit 1, nothing on stdout', () => {
    const r = cli(['--replay', 'recordings/nope.csv', '--export', 'openmetrics']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^iouringtop: cannot read recordings\/nope\.csv: no such file/);
    // a FIFO would never end: refused, not waited on
    const fifo = path.join(tempDir('iouringtop-fifo-'), 'f.csv');
    execFileSync('mkfifo', [fifo]);
    const f = cli(['--replay', fifo, '--export', 'json']);
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/it is a FIFO/);
  });
});

describe('--help', () => {
  it('lists the metrics flags', () => {
    const help = helpText();
    for (const flag of ['--metrics [ADDR:]PORT', '--metrics-labels LIST', '--export FORMAT'])
      expect(help).toContain(flag);
  });
});
