/**
 * The command line: flag validation (buildConfig, pure) and the built CLI's behaviour on bad
 * input and on replays, which need no root and no bpftrace. Every failure is one line on stderr
 * that says what is wrong and how to fix it, with exit status 2 (usage) or 1 (failure).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildConfig,
  describeFilter,
  emptyOption,
  minFreeBytes,
  repeatedOption,
  typedOption,
} from '../source/config.js';
import { OpcodeTable } from '../source/model/opcodes.js';
import { RECORDING_HEADER } from '../source/record/format.js';
import { requireRootOrSkip } from './helpers/processes.js';
import { CLI, ROOT, summaryBody, tempDir } from './helpers/project.js';
import { configError, configOf } from './config.js';

describe('buildConfig', () => {
  const ok = configOf;
  const error = configError;

  it('defaults: live TUI, recording on, 1 s refresh, 60 s / 1 M event buffer', () => {
    expect(ok({})).toMatchObject({
      mode: 'live',
      headless: false,
      record: true,
      refreshMs: 1000,
      bufferSeconds: 60,
      bufferEvents: 1_000_000,
      speed: 1,
      filter: { pids: [] },
    });
    expect(ok({}, false).headless).toBe(true); // stdout not a terminal
    expect(ok({ record: false }).record).toBe(false);
  });

  it('takes pids repeated or comma-separated, opcodes by name or number, and a comm', () => {
    const c = ok({ pid: ['12,13', '12', '14'], opcode: 'read, write,255', comm: 'fio' });
    expect(c.filter).toEqual({ pids: [12, 13, 14], opcodes: [22, 23, 255], comm: 'fio' });
    expect(describeFilter(c.filter, new OpcodeTable())).toBe(
      'pid:12,13,14 comm:fio op:READ,WRITE,IO_URING_ENTER',
    );
  });

  it('rejects bad values with the flag, the value and what is expected', () => {
    expect(error({ pid: ['12x'] })).toBe('--pid "12x": expected a whole number from 1 to 4194304');
    expect(error({ pid: ['0'] })).toMatch(/^--pid "0": expected/);
    expect(error({ opcode: 'READ,FROB' })).toMatch(/^--opcode: unknown opcode "FROB": use names/);
    expect(error({ opcode: ',' })).toMatch(/empty opcode list/);
    expect(error({ comm: 'a"; system("x' })).toMatch(/^--comm .*1-15 characters/);
    expect(error({ comm: 'sixteen-chars-xx' })).toMatch(/1-15 characters/);
    expect(error({ duration: '-1' })).toMatch(/^--duration "-1": expected a number from 0.1/);
    expect(error({ refresh: '0.1' })).toMatch(
      /^--refresh "0.1": expected a number from 0.25 to 10/,
    );
    expect(error({ bufferEvents: '1.5' })).toMatch(/expected a whole number/);
    expect(error({ tier: '4' })).toMatch(/^--tier "4": expected a whole number from 1 to 3/);
    expect(error({ maxInflight: '10' })).toMatch(/^--max-inflight "10"/);
  });

  it('replay: --speed 0.1 to 1000 or max, --lenient; live filters and --probe do not apply', () => {
    expect(ok({ replay: 'x.csv', speed: 'MAX', lenient: true })).toMatchObject({
      mode: 'replay',
      replayFile: 'x.csv',
      speed: 'max',
      lenient: true,
      record: false,
    });
    expect(ok({ replay: 'x.csv', speed: '0.1' }).speed).toBe(0.1);
    expect(error({ replay: 'x.csv', speed: '0' })).toBe(
      '--speed "0": expected a number from 0.1 to 1000, or max',
    );
    expect(error({ replay: 'x.csv', speed: '2000' })).toMatch(/from 0.1 to 1000, or max/);
    expect(error({ replay: ' ' })).toMatch(/^--replay needs a file/);
    expect(error({ replay: 'x.csv', pid: ['1'] })).toMatch(/in replay, press \/ to filter/);
    expect(error({ speed: '2' })).toBe('--speed and --lenient apply to --replay FILE only');
    expect(error({ lenient: true })).toBe('--speed and --lenient apply to --replay FILE only');
    expect(error({ replay: 'x.csv', probe: true })).toMatch(/do not go together/);
  });
});

/** Runs the CLI, bounded (a flag that failed to be rejected would otherwise start a capture). */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGINT'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const row = (sec: number, pid: string, op: string, res: string) =>
  `2026-03-04 05:06:0${sec}.000000,${pid},app,${op},5,4096,4096,${res},0.25`;

describe('--recording-mode', () => {
  it('is 0600 by default; takes 600 to 644 in octal, with or without a leading 0', () => {
    const mode = (recordingMode?: string) => {
      const r = buildConfig({ recordingMode }, true);
      if (!r.ok) throw new Error(r.error);
      return r.config.recordingMode;
    };
    expect(mode()).toBe(0o600);
    expect(mode('640')).toBe(0o640);
    expect(mode('0644')).toBe(0o644);
    expect(mode('0o604')).toBe(0o604);
  });
  it('refuses a mode others could write, one the owner could not, and non-octal text', () => {
    for (const bad of ['666', '0660', '400', '700', '1644', '64', 'rw-r-----', '']) {
      const r = buildConfig({ recordingMode: bad }, true);
      expect(r.ok, bad).toBe(false);
      if (!r.ok)
        expect(r.error).toMatch(/^--recording-mode .*: expected an octal mode from 600 to 644/);
    }
    expect(buildConfig({ replay: 'x.csv', recordingMode: '640' }, true)).toEqual({
      ok: false,
      error: '--recording-mode applies to recording live capture, not to --replay',
    });
  });
});

describe('--min-free and --compress', () => {
  const ok = (flags: Parameters<typeof buildConfig>[0]) => {
    const r = buildConfig(flags, true);
    if (!r.ok) throw new Error(r.error);
    return r.config;
  };
  it('reads sizes and shares, and defaults to the smaller of 1 GiB and 5 %', () => {
    expect(ok({}).minFree).toEqual({ default: true });
    expect(ok({ minFree: '0' }).minFree).toEqual({ bytes: 0 });
    expect(ok({ minFree: '500M' }).minFree).toEqual({ bytes: 500 * 2 ** 20 });
    expect(ok({ minFree: '1.5GiB' }).minFree).toEqual({ bytes: 1.5 * 2 ** 30 });
    expect(ok({ minFree: '64k' }).minFree).toEqual({ bytes: 65536 });
    expect(ok({ minFree: '10%' }).minFree).toEqual({ percent: 10 });
    expect(minFreeBytes({ default: true }, 100 * 2 ** 30)).toBe(2 ** 30);
    expect(minFreeBytes({ default: true }, 2 ** 30)).toBe(Math.ceil(2 ** 30 * 0.05));
    expect(minFreeBytes({ percent: 10 }, 1000)).toBe(100);
    expect(minFreeBytes({ bytes: 7 }, 1000)).toBe(7);
    expect(ok({ compress: true }).compress).toBe(true);
    expect(ok({}).compress).toBe(false);
  });
  it('rejects what is not a size, a share over 50 %, and both flags on a replay', () => {
    for (const bad of ['lots', '-1G', '60%', '1X', '']) {
      const r = buildConfig({ minFree: bad }, true);
      expect(r.ok).toBe(false);
      if (!r.ok)
        expect(r.error).toMatch(/^--min-free .*: expected a size \(0, 500M, 2G\) or a share/);
    }
    expect(buildConfig({ replay: 'x.csv', compress: true }, true)).toEqual({
      ok: false,
      error: '--compress and --min-free apply to recording live capture, not to --replay',
    });
  });
});

describe('emptyOption', () => {
  const names = ['pid', 'comm', 'outputDir'];
  it('finds an option given with no value, in every spelling', () => {
    expect(emptyOption(['--pid='], names)).toMatch(/^--pid needs a value/);
    expect(emptyOption(['--headless', '--pid'], names)).toMatch(/^--pid needs a value/);
    expect(emptyOption(['--pid', '--headless'], names)).toMatch(/^--pid needs a value/);
    expect(emptyOption(['--output-dir', ''], names)).toMatch(/^--output-dir needs a value/);
  });
  it('lets every option with a value pass, and knows nothing of the others', () => {
    expect(emptyOption(['--pid', '12', '--comm=fio', '--pid=3', '--headless'], names)).toBe(
      undefined,
    );
    expect(emptyOption(['--headless', '--no-record'], names)).toBe(undefined);
  });
});

describe('repeatedOption', () => {
  const names = ['duration', 'comm', 'outputDir', 'replay'];
  it('finds an option of one value given twice, in any spelling, quoting what was typed', () => {
    expect(repeatedOption(['--duration', '5', '--duration', '6'], names)).toBe(
      '--duration given twice ("5", then "6"): give it once',
    );
    expect(repeatedOption(['--duration=5', '--headless', '--duration=6'], names)).toMatch(
      /^--duration given twice \("5", then "6"\)/,
    );
    expect(repeatedOption(['--output-dir', 'a', '--outputDir', 'b'], names)).toBe(
      '--output-dir and --outputDir given twice ("a", then "b"): give it once',
    );
    expect(repeatedOption(['--comm', 'fio', '--comm', 'postgres'], names)).toMatch(
      /^--comm given twice \("fio", then "postgres"\): give it once \(one command name/,
    );
  });
  it('lets options given once pass, and a value that looks like the option name', () => {
    expect(repeatedOption(['--duration', '5', '--comm', 'fio'], names)).toBe(undefined);
    expect(repeatedOption(['--replay', '--duration'], ['replay'])).toBe(undefined);
    expect(repeatedOption(['--pid', '1', '--pid', '2'], names)).toBe(undefined);
    expect(repeatedOption(['--duration', '5', '--', '--duration', '6'], names)).toBe(undefined);
  });
});

describe('typedOption', () => {
  it('quotes an option as typed, not as the parser names it', () => {
    expect(typedOption(['--bogus-flag'], 'bogusFlag')).toBe('--bogus-flag');
    expect(typedOption(['--headless', '--bogus_flag=1'], 'bogusFlag')).toBe('--bogus_flag');
    expect(typedOption(['--no-bogus'], 'bogus')).toBe('--no-bogus');
    expect(typedOption(['-x'], 'x')).toBe('-x');
    expect(typedOption([], 'bogusFlag')).toBe('--bogus-flag');
  });
});

describe.concurrent('the CLI on bad input and on replays', () => {
  let dir = '';
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does)`);
    dir = tempDir('iouringtop-cli-');
  });
  const write = (name: string, lines: string[], end = '\n'): string => {
    const file = path.join(dir, name);
    writeFileSync(file, lines.join('\n') + end);
    return file;
  };

  it('an unknown flag or a stray argument: one line, exit 2', async () => {
    const r = await cli(['--pdi', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('iouringtop: unknown option --pdi; see iouringtop --help\n');
    const s = await cli(['foo.csv']);
    expect(s.code).toBe(2);
    expect(s.stderr).toBe('iouringtop: unexpected argument "foo.csv"; see iouringtop --help\n');
    const t = await cli(['--pid', 'abc']);
    expect(t.code).toBe(2);
    expect(t.stderr).toBe('iouringtop: --pid "abc": expected a whole number from 1 to 4194304\n');
    // quoted as typed, not in the parser's camelCase
    const u = await cli(['--bogus-flag']);
    expect(u.code).toBe(2);
    expect(u.stderr).toBe('iouringtop: unknown option --bogus-flag; see iouringtop --help\n');
  });

  it('an option of one value given twice: one line, exit 2, no stack trace', async () => {
    for (const args of [
      ['--comm', 'fio', '--comm', 'postgres'],
      ['--duration', '5', '--duration', '6', '--headless'],
      ['--replay', 'a', '--replay', 'b'],
      ['--output-dir=a', '--outputDir', 'b'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), `${args.join(' ')}\n${r.stderr}`).toHaveLength(1);
      expect(r.stderr).toMatch(
        /^iouringtop: --[a-zA-Z-]+ (and --[a-zA-Z-]+ )?given twice \(".*", then ".*"\): give it once/,
      );
    }
  });

  it('an option with an empty value is bad usage, not "everything": --pid $EMPTY records nothing', async () => {
    for (const args of [
      ['--pid='],
      ['--headless', '--pid'],
      ['--pid', '', '--headless'],
      ['--pid', '--headless'],
      ['--comm='],
      ['--output-dir='],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^iouringtop: --[a-z-]+ needs a value \(e\.g\. /);
    }
  });

  it.runIf(requireRootOrSkip('the unprivileged-start test'))(
    'unprivileged: says to run with sudo (not that tracefs is missing) and where the bundled recording is',
    () => {
      const r = spawnSync(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, '--headless'],
        { cwd: os.tmpdir(), encoding: 'utf8', timeout: 20_000 },
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        /^iouringtop: not root and without CAP_BPF\+CAP_PERFMON: run with sudo$/m,
      );
      expect(r.stderr).not.toMatch(/not mounted/);
      const hint = /replay a recording instead: iouringtop --replay (\S+)$/m.exec(r.stderr);
      expect(hint?.[1]).toBe(path.join(ROOT, 'recordings', 'demo.csv.gz'));
      expect(existsSync(hint![1])).toBe(true);
      const p = spawnSync(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, '--probe'],
        { cwd: os.tmpdir(), encoding: 'utf8', timeout: 20_000 },
      );
      expect(p.stdout).toMatch(/^tracefs: .* is readable by root only: run iouringtop with sudo$/m);
      expect(p.stdout).toMatch(/^capture: needs root here/m);
    },
  );

  it('--bpftrace that is not an executable: said as the problem, capture refused', async () => {
    const nope = path.join(dir, 'no-bpftrace');
    const p = await cli(['--probe', '--bpftrace', nope]);
    expect(p.code).toBe(1);
    expect(p.stdout).toContain(
      `problem: bpftrace ${nope} is not an executable file: give the path of a bpftrace binary (--bpftrace PATH)`,
    );
    const live = await cli(['--headless', '--bpftrace', nope]);
    expect(live.code).toBe(1);
    expect(live.stderr).toContain(`bpftrace ${nope} is not an executable file`);
    expect((await cli(['--bpftrace', ''])).stderr).toMatch(/--bpftrace/);
  });

  it('a missing recording: one line, exit 1', async () => {
    const r = await cli(['--replay', path.join(dir, 'nope.csv'), '--headless']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot read .*nope\.csv: no such file; give a recording made by/);
    // a file name is untrusted text too: no escape sequence reaches the terminal
    const evil = path.join(dir, 'x\x1b[2Jy.csv');
    writeFileSync(evil, 'not,a,recording\n');
    const e = await cli(['--replay', evil, '--headless']);
    expect(e.code).toBe(1);
    expect(e.stderr).not.toContain('\x1b');
    expect(e.stderr).toContain('x\\x1b[2Jy.csv');
  });

  it('a row that does not parse: file, line number and text, and the way out; --lenient skips it', async () => {
    const file = write('bad.csv', [
      RECORDING_HEADER,
      row(1, '10', 'READ', '4096'),
      row(2, 'x', 'READ', '4096'),
      row(3, '10', 'WRITE', '4096'),
    ]);
    const r = await cli(['--replay', file, '--headless']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `iouringtop: ${file}:3: invalid pid (expected 0 to 4194304): ${row(2, 'x', 'READ', '4096')} (add --lenient to skip bad rows)\n`,
    );
    const l = await cli(['--replay', file, '--headless', '--lenient']);
    expect(l.code).toBe(0);
    expect(l.stdout).toMatch(/ 2 events, 2 operations /);
    expect(l.stderr).toMatch(/^iouringtop: skipped 1 malformed rows \(--lenient\)$/m);
  });

  it('a year without events replays in one step; a row stamped 9999-12-31 is a bad row, not a hang', async () => {
    const gap = write('gap.csv', [
      RECORDING_HEADER,
      row(1, '10', 'READ', '4096').replace('2026-03-04', '2025-03-04'),
      row(1, '10', 'READ', '4096'),
    ]);
    const g = await cli(['--replay', gap, '--headless']); // (cli() kills it after 20 s: a hang fails)
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout).toMatch(/ 2 events, 2 operations /);
    const jump = write('jump.csv', [
      RECORDING_HEADER,
      row(1, '10', 'READ', '4096'),
      '9999-12-31 23:59:59.999999,10,app,READ,5,4096,4096,4096,0.25',
      row(2, '10', 'READ', '4096'),
    ]);
    const j = await cli(['--replay', jump, '--headless']);
    expect(j.code).toBe(1);
    expect(j.stderr).toBe(
      `iouringtop: ${jump}:3: timestamp in the future: 9999-12-31 23:59:59.999999,10,app,READ,5,4096,4096,4096,0.25 (add --lenient to skip bad rows)\n`,
    );
    const l = await cli(['--replay', jump, '--headless', '--lenient']);
    expect(l.code).toBe(0);
    expect(l.stdout).toMatch(/ 2 events, 2 operations /);
    expect(l.stderr).toMatch(/^iouringtop: skipped 1 malformed rows \(--lenient\)$/m);
  });

  it('refuses a FIFO or a device instead of waiting on it forever', async () => {
    const fifo = path.join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    for (const file of [fifo, '/dev/zero']) {
      const r = await cli(['--replay', file, '--headless']);
      expect(r.code, file).toBe(1);
      expect(r.stderr, file).toMatch(
        /^iouringtop: cannot replay .*: it is a (FIFO|device); give a recording file/,
      );
    }
  });

  it('offers --lenient only where it helps: not when it is on, not for a file it cannot read', async () => {
    const empty = write('empty.csv', [], '');
    const header = write('header.csv', ['a,b,c', row(1, '10', 'READ', '4096')]);
    const long = write('long.csv', [RECORDING_HEADER, 'x'.repeat(2 << 20)]);
    for (const [file, why] of [
      [empty, /empty file: not an iouringtop recording/],
      [header, /not an iouringtop recording: expected the header/],
      [long, /line longer than 1 MiB/],
      [dir, /(is a directory|cannot (open|read))/],
    ] as const) {
      for (const lenient of [[], ['--lenient']]) {
        const r = await cli(['--replay', file, '--headless', ...lenient]);
        expect(r.code, file).toBe(1);
        expect(r.stderr, file).toMatch(why);
        expect(r.stderr, file).not.toMatch(/--lenient/);
        expect(r.stderr.trim().split('\n'), file).toHaveLength(1);
      }
    }
  });

  it('a recording cut mid-line by a crash: the rows before it replay, the cut is reported', async () => {
    const file = write(
      'cut.csv',
      [
        RECORDING_HEADER,
        row(1, '10', 'READ', '4096'),
        row(2, '10', 'READ', '4096'),
        '2026-03-04 05:06:03.0',
      ],
      '',
    );
    const r = await cli(['--replay', file, '--headless']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ 2 events, 2 operations /);
    // reported once, on one line
    expect(r.stderr.split('\n').filter((l) => l.includes('truncated'))).toEqual([
      `iouringtop: ${file}:4: truncated last line, 1 row skipped (expected 9 fields, found 1): 2026-03-04 05:06:03.0`,
    ]);
  });

  it('replays .csv.gz like .csv, and works without metadata', async () => {
    const file = write('plain.csv', [
      RECORDING_HEADER,
      row(1, '10', 'READ', '4096'),
      row(2, '11', 'WRITE', '-5'),
      row(3, '10', 'READ', '100'),
    ]);
    const gz = path.join(dir, 'copy.csv');
    copyFileSync(file, gz);
    execFileSync('gzip', [gz]);
    const a = await cli(['--replay', file, '--headless']);
    const b = await cli(['--replay', `${gz}.gz`, '--headless']);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout).toMatch(/^iouringtop replay of .*plain\.csv\n/);
    expect(a.stdout).toMatch(/ 3 events, 3 operations .* 1 errors/);
    expect(a.stdout).toMatch(/^Errors: EIO 1$/m);
    expect(summaryBody(b.stdout)).toBe(summaryBody(a.stdout));
    // without metadata nothing is known of the losses: unknown, not 0
    expect(a.stdout).toMatch(/^Capture: loss counts unknown \(no closed metadata/m);
    expect(a.stdout).not.toMatch(/lost 0/);
    // nor with metadata never closed (a capture killed, a disk full): its counts are the start's
    writeFileSync(
      path.join(dir, 'plain.meta.json'),
      JSON.stringify({
        formatVersion: 2,
        startedAt: '2026-03-04T05:06:00.000+00:00',
        endedAt: null,
        lost: 0,
      }),
    );
    expect((await cli(['--replay', file, '--headless'])).stdout).toMatch(
      /^Capture: loss counts unknown/m,
    );
    // nor with a figure that is not a count: unknown, not "1e+308 events lost"
    writeFileSync(
      path.join(dir, 'plain.meta.json'),
      JSON.stringify({
        formatVersion: 2,
        startedAt: '2026-03-04T05:06:00.000+00:00',
        endedAt: '2026-03-04T05:06:10.000+00:00',
        lost: 1e308,
      }),
    );
    const huge = await cli(['--replay', file, '--headless']);
    expect(huge.stdout).toMatch(/^Capture: loss counts unknown/m);
    expect(huge.stdout + huge.stderr).not.toMatch(/e\+308/);
    expect((await cli(['--replay', file, '--headless', '--json'])).stdout).toMatch(
      /"capture": null/,
    );
    writeFileSync(
      path.join(dir, 'plain.meta.json'),
      JSON.stringify({
        formatVersion: 2,
        startedAt: '2026-03-04T05:06:00.000+00:00',
        endedAt: '2026-03-04T05:06:04.000+00:00',
        lost: 7,
      }),
    );
    expect((await cli(['--replay', file, '--headless'])).stdout).toMatch(
      /^Capture: lost 7 events/m,
    );
  });

  it('a replay whose stdout is not a terminal prints the summary (as --headless would)', async () => {
    const file = write('tty.csv', [RECORDING_HEADER, row(1, '10', 'READ', '4096')]);
    const r = await cli(['--replay', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^iouringtop replay of /);
  });
});
