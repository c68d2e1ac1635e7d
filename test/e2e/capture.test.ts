/**
 * End-to-end capture: real bpftrace, real kernel events, a workload whose operations are known.
 * Runs as root (CI has root, bpftrace, gcc, liburing-dev and fio: see .ci/run).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyEvent, type IoEvent } from '../../source/model/event.js';
import { OpcodeTable } from '../../source/model/opcodes.js';

const opcodeName = (code: number): string => new OpcodeTable().name(code);
import { readRecording } from '../../source/record/csvReader.js';
import { RECORDING_HEADER } from '../../source/record/format.js';
import { readSessionMeta } from '../../source/record/meta.js';
import {
  bpftraceUnder,
  programFileOf,
  buildWorkload,
  captureWorkload,
  collectOutput,
  exitOf,
  fioFile,
  requireOrSkip,
  runCli,
  startFio,
  eventually,
  recordedRows,
  tempDir,
  uniqueCommand,
  waitFor,
  waitGone,
} from './env.js';

const run = requireOrSkip('capture end-to-end tests', ['fio']);

async function readCsv(file: string): Promise<IoEvent[]> {
  const rows: IoEvent[] = [];
  await readRecording(file, { push: (ev) => rows.push(copyEvent(ev)) });
  return rows;
}

const countBy = <T>(items: T[], key: (t: T) => string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
};

describe.runIf(run)('live capture with real bpftrace', () => {
  it('records exactly the operations the liburing workload performed', async () => {
    const { pid, reported, recording, t0, t1, stdout } = await captureWorkload();
    expect(readFileSync(recording, 'utf8').split('\n')[0]).toBe(RECORDING_HEADER);
    expect(reported.length).toBe(26);
    const rows = await readCsv(recording);
    const ops = rows.filter((r) => r.opcode !== 255);
    const enters = rows.filter((r) => r.opcode === 255);

    // Every row is the workload's, under its own name (also SQPOLL and io-wq work).
    for (const r of rows) {
      expect(r.pid).toBe(pid);
      expect(r.comm).toBe('uring-workload');
      expect(r.tsUs).toBeGreaterThanOrEqual(t0 - 1000);
      expect(r.tsUs).toBeLessThanOrEqual(t1 + 1000);
    }
    // The count per opcode, exactly.
    expect(countBy(ops, (r) => opcodeName(r.opcode))).toEqual(countBy(reported, (r) => r.op));
    // fd, offset, length and result of each operation.
    const key = (op: string, fd: number, off: number, len: number, res: number): string =>
      `${op} fd=${fd} off=${off} len=${len} res=${res}`;
    const got = ops
      .map((r) => key(opcodeName(r.opcode), r.fd, r.offset, r.length, r.result))
      .sort();
    const want = reported.map((r) => key(r.op, r.fd, r.off, r.len, r.res)).sort();
    expect(got).toEqual(want);
    // Latency on every row: every submit was seen, including SQPOLL and the async punt.
    for (const r of ops)
      expect(
        r.latencyNs,
        key(opcodeName(r.opcode), r.fd, r.offset, r.length, r.result),
      ).toBeGreaterThan(0);
    const timeout = ops.find((r) => opcodeName(r.opcode) === 'TIMEOUT')!;
    expect(timeout.latencyNs).toBeGreaterThanOrEqual(9_000_000); // a 10 ms timeout
    // IO_URING_ENTER rows: one per syscall, with the ring fd, to_submit and a duration.
    expect(enters.length).toBeGreaterThanOrEqual(20);
    for (const e of enters) {
      expect(e.fd).toBeGreaterThan(0);
      expect(e.latencyNs).toBeGreaterThan(0);
      expect(e.hasResult).toBe(true);
    }
    expect(enters.filter((e) => e.length === 1).length).toBeGreaterThanOrEqual(19);

    // The summary names the opcodes and the process.
    expect(stdout).toMatch(/READ/);
    expect(stdout).toMatch(/uring-workload/);
  });

  it('gives vectored operations their length in bytes: the sum of the iovecs', async () => {
    const { pid, reported, recording } = await captureWorkload([], undefined, ['vectored']);
    // (READV_FIXED/WRITEV_FIXED only where the kernel has them: the workload says what it did)
    expect(reported.length).toBeGreaterThanOrEqual(7);
    const ops = (await readCsv(recording)).filter((r) => r.opcode !== 255);
    for (const r of ops) expect(r.pid).toBe(pid);
    const key = (op: string, fd: number, off: number, len: number, res: number): string =>
      `${op} fd=${fd} off=${off} len=${len} res=${res}`;
    expect(
      ops.map((r) => key(opcodeName(r.opcode), r.fd, r.offset, r.length, r.result)).sort(),
    ).toEqual(reported.map((r) => key(r.op, r.fd, r.off, r.len, r.res)).sort());
    // one iovec, several of different sizes, more than the 16 a fixed one is summed over
    expect(reported.filter((r) => r.op === 'READV').map((r) => r.len)).toEqual([1000, 1000, 1000]);
    expect(reported.filter((r) => r.op === 'WRITEV').map((r) => r.len)).toEqual([1000, 600]);
  });

  it("--comm reports requests in flight at start: theirs, not another program's", async () => {
    const bin = buildWorkload();
    const work = tempDir('iouringtop-e2e-');
    const out = tempDir('iouringtop-out-');
    // the same program under two names; each has a poll in flight before the capture starts
    const mine = uniqueCommand(bin, 'mine');
    const other = uniqueCommand(bin, 'other');
    const start = (cmd: string) =>
      spawn(cmd, [work, 'inflight'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const a = start(mine.path);
    const b = start(other.path);
    let cli: ChildProcess | undefined;
    try {
      const aOut = collectOutput(a);
      const pid = Number((await waitFor(a, 'stdout', /^pid (\d+)$/m))[1]);
      await waitFor(b, 'stdout', /^pid (\d+)$/m);
      // (every event: a request in flight at start has no record a sampler could have chosen)
      cli = runCli(['--headless', '--all-events', '--comm', mine.comm, '--output-dir', out]);
      const cOut = collectOutput(cli);
      const recording = (await waitFor(cli, 'stderr', /^recording to (.+\.csv)$/m))[1];
      a.stdin.write('go\n');
      b.stdin.write('go\n');
      expect((await exitOf(a)).code, aOut.stderr()).toBe(0);
      expect((await exitOf(b)).code).toBe(0);
      await eventually(
        () => (recordedRows(recording).some((r) => r.includes(',NOP,')) ? true : undefined),
        'the NOP row',
      );
      cli.kill('SIGINT');
      expect((await exitOf(cli)).code, cOut.stderr()).toBe(0);
      const ops = (await readCsv(recording)).filter((r) => r.opcode !== 255);
      expect(ops.every((r) => r.pid === pid && r.comm === mine.comm)).toBe(true);
      // the poll submitted before the capture: its result, no latency (its start was not seen)
      const poll = ops.filter((r) => opcodeName(r.opcode) === 'POLL_ADD');
      expect(poll).toHaveLength(1);
      expect(poll[0]).toMatchObject({ result: 1, latencyNs: 0 });
      const nop = ops.filter((r) => opcodeName(r.opcode) === 'NOP');
      expect(nop).toHaveLength(1);
      expect(nop[0].latencyNs).toBeGreaterThan(0);
    } finally {
      for (const p of [a, b]) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      if (cli && cli.exitCode === null && cli.signalCode === null) {
        cli.kill('SIGINT');
        await exitOf(cli);
      }
    }
  });

  for (const mode of [[], ['--all-events']])
    it(`stopped while a workload runs (${mode[0] ?? 'default'}): no row after the session's end`, async () => {
      const out = tempDir('iouringtop-out-');
      // NOPs one at a time, as fast as they go, still going when the capture stops
      const storm = uniqueCommand(buildWorkload('nop-storm'), 'nopend');
      const w = spawn(storm.path, ['1000000000', '1'], { stdio: ['pipe', 'pipe', 'pipe'] });
      const cli = runCli([
        '--headless',
        '--duration',
        '3',
        '--comm',
        storm.comm,
        '--output-dir',
        out,
        ...mode,
      ]);
      try {
        const cOut = collectOutput(cli);
        const recording = (await waitFor(cli, 'stderr', /^recording to (.+\.csv)$/m))[1];
        w.stdin.write('go\n');
        // --duration stops it with the workload still going. Under a machine's load bpftrace's
        // buffers can overrun at the end, and END's final counts be lost with the events: then
        // (only then) the capture says so and ends with status 1 (docs/usage.md), and the rows
        // must still all be within the session
        const code = (await exitOf(cli)).code;
        const overran = / events lost .*\n(.*\n)*.*exited without printing its final counts/;
        expect(code, cOut.stderr()).toBe(overran.test(cOut.stderr()) ? 1 : 0);
        const meta = (await readSessionMeta(recording))!;
        const end = Date.parse(meta.endedAt!) * 1000;
        const rows = await readCsv(recording);
        expect(rows.length).toBeGreaterThan(1000);
        const after = rows.filter((r) => r.tsUs > end + 999).length;
        expect(after, `rows after the end (${meta.endedAt})`).toBe(0);
        // the rows without their submission (no fd, offset, length, latency) are said
        const without = rows.filter((r) => r.opcode !== 255 && r.latencyNs === 0).length;
        expect(meta.rowsWithoutSubmit).toBe(without);
      } finally {
        if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
        if (cli.exitCode === null && cli.signalCode === null) {
          cli.kill('SIGINT');
          await exitOf(cli);
        }
      }
    });

  it('captures every offset of a sequential fio io_uring read exactly once', async () => {
    const work = tempDir('iouringtop-fio-');
    const out = tempDir('iouringtop-out-');
    const file = fioFile(work, '1M', '64k');
    // fio under a name of its own: another fio on this machine is not ours to count
    const fio = uniqueCommand('fio', 'iotfio');
    const cli = runCli(['--headless', '--comm', fio.comm, '--opcode', 'READ', '--output-dir', out]);
    const cOut = collectOutput(cli);
    const recording = (await waitFor(cli, 'stderr', /^recording to (.+\.csv)$/m))[1];
    const ours = bpftraceUnder(cli.pid!);
    expect(ours).toHaveLength(1);
    execFileSync(
      fio.path,
      [
        '--name=seqread',
        '--ioengine=io_uring',
        '--rw=read',
        '--bs=4k',
        '--size=1M',
        '--iodepth=8',
        `--filename=${file}`,
      ],
      { stdio: 'ignore' },
    );
    await eventually(
      () => (recordedRows(recording).length >= 256 ? true : undefined),
      'the 256 reads in the recording',
    );
    cli.kill('SIGTERM');
    const cExit = await exitOf(cli);
    expect(cExit.code, cOut.stderr()).toBe(0);
    const rows = await readCsv(recording);
    expect(rows.every((r) => opcodeName(r.opcode) === 'READ' && r.comm === fio.comm)).toBe(true);
    const offsets = countBy(rows, (r) => String(r.offset));
    const want: Record<string, number> = {};
    for (let off = 0; off < 1 << 20; off += 4096) want[String(off)] = 1;
    expect(offsets).toEqual(want);
    for (const r of rows) {
      expect(r.length).toBe(4096);
      expect(r.result).toBe(4096);
      expect(r.latencyNs).toBeGreaterThan(0);
    }
    expect(await waitGone(ours)).toEqual([]);
  });

  it('tier 2 (no BTF): every operation and result, fd from io_uring_file_get, no offset/length', async () => {
    const { pid, reported, recording, stdout } = await captureWorkload(['--tier', '2']);
    expect(stdout).toMatch(/^iouringtop live capture, tier 2: /);
    const rows = await readCsv(recording);
    const ops = rows.filter((r) => r.opcode !== 255);
    expect(rows.every((r) => r.pid === pid && r.comm === 'uring-workload')).toBe(true);
    expect(countBy(ops, (r) => opcodeName(r.opcode))).toEqual(countBy(reported, (r) => r.op));
    const opRes = (op: string, res: number) => `${op} res=${res}`;
    expect(ops.map((r) => opRes(opcodeName(r.opcode), r.result)).sort()).toEqual(
      reported.map((r) => opRes(r.op, r.res)).sort(),
    );
    for (const r of ops) {
      expect(r.offset).toBe(0);
      expect(r.length).toBe(0);
      expect(r.latencyNs).toBeGreaterThan(0);
    }
    // Operations on a file get its fd through io_uring_file_get, exactly.
    const onFiles = [
      'READ',
      'WRITE',
      'READV',
      'WRITEV',
      'FSYNC',
      'SEND',
      'RECV',
      'CONNECT',
      'ACCEPT',
      'POLL_ADD', // every CQE of the multishot poll, the later ones included
    ];
    const opFd = (op: string, fd: number, res: number) => `${op} fd=${fd} res=${res}`;
    expect(
      ops
        .filter((r) => onFiles.includes(opcodeName(r.opcode)))
        .map((r) => opFd(opcodeName(r.opcode), r.fd, r.result))
        .sort(),
    ).toEqual(
      reported
        .filter((r) => onFiles.includes(r.op))
        .map((r) => opFd(r.op, r.fd, r.res))
        .sort(),
    );
    // Any other fd shown is the operation's own.
    for (const r of ops)
      if (r.fd !== 0)
        expect(reported.some((w) => w.op === opcodeName(r.opcode) && w.fd === r.fd)).toBe(true);
  });

  it('tier 3 (syscall tracepoints only): one IO_URING_ENTER row per call, nothing else', async () => {
    const { pid, recording, stdout } = await captureWorkload(['--tier', '3'], 20);
    expect(stdout).toMatch(/^iouringtop live capture, tier 3: /);
    expect(stdout).toMatch(/ 0 operations /);
    const rows = await readCsv(recording);
    expect(rows.length).toBeGreaterThanOrEqual(20);
    for (const r of rows) {
      expect(opcodeName(r.opcode)).toBe('IO_URING_ENTER');
      expect(r.pid).toBe(pid);
      expect(r.fd).toBeGreaterThan(0);
      expect(r.latencyNs).toBeGreaterThan(0);
      expect(r.hasResult).toBe(true);
    }
    // io_uring_enter(to_submit = 1) returned 1 for most of the workload's single submissions.
    expect(rows.filter((r) => r.length === 1 && r.result === 1).length).toBeGreaterThanOrEqual(15);
  });

  it('a SIGKILLed iouringtop takes bpftrace with it (no cleanup code runs, the kernel does it)', async () => {
    const cli = runCli(['--headless', '--no-record', '--duration', '120', '--comm', 'nothing']);
    const cOut = collectOutput(cli);
    await waitFor(cli, 'stderr', /^capturing$/m);
    const ours = bpftraceUnder(cli.pid!);
    expect(ours.length, cOut.stderr()).toBe(1);
    // (killed, it cannot remove its program's directory: this test does, having caused it)
    const program = programFileOf(ours[0]);
    expect(program, "the program file on bpftrace's command line").toBeDefined();
    try {
      cli.kill('SIGKILL');
      await exitOf(cli);
      expect(await waitGone(ours)).toEqual([]);
    } finally {
      rmSync(path.dirname(program!), { recursive: true, force: true });
    }
  });
});

describe.runIf(run)('a disk that fills while recording', () => {
  it.each([
    { how: 'plain', flags: [] as string[], ext: '.csv', size: '32k' },
    // gzip writes a batch (1024 rows, ~15 KiB) at a time: room for a few
    { how: 'gzip (--compress)', flags: ['--compress'], ext: '.csv.gz', size: '128k' },
  ])(
    '$how: keeps the rows written whole, says how many were not, closes the metadata, leaves no .tmp',
    async ({ flags, ext, size }) => {
      // a small file system: the metadata's 4 KiB and room for a few hundred rows
      const out = tempDir('iouringtop-full-');
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', out]);
      const work = tempDir('iouringtop-full-fio-');
      const fio = uniqueCommand('fio', 'iotfio');
      const file = fioFile(work, '4M');
      const reader = startFio(fio.path, file, { iops: 2000, runtime: 60 });
      try {
        // --min-free 0: the disk is to fill, not to be guarded
        const cli = runCli([
          '--headless',
          '--comm',
          fio.comm,
          '--min-free',
          '0',
          ...flags,
          '--output-dir',
          out,
        ]);
        const cOut = collectOutput(cli);
        const recording = (await waitFor(cli, 'stderr', /^recording to (.+\.csv(?:\.gz)?)$/m))[1];
        expect(recording.endsWith(ext)).toBe(true);
        await waitFor(cli, 'stderr', /no space left on the device \(ENOSPC\)/);
        cli.kill('SIGINT');
        const { code } = await exitOf(cli);
        const stderr = cOut.stderr();
        // the recording failed: exit 1, said once, as a recording problem (not "bpftrace:")
        expect(code, stderr).toBe(1);
        expect(stderr).toMatch(
          /^iouringtop: cannot write .*\.csv(\.gz)?: no space left on the device \(ENOSPC\); free some space/m,
        );
        expect(stderr).not.toMatch(/bpftrace: cannot write/);
        expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
        const m =
          /^iouringtop: recorded (\d+) events to (.+\.csv(?:\.gz)?); (\d+) events captured after it failed were not written$/m.exec(
            stderr,
          );
        expect(m, stderr).not.toBeNull();
        const [written, notWritten] = [Number(m![1]), Number(m![3])];
        expect(m![2]).toBe(recording);
        expect(written).toBeGreaterThan(0);
        expect(notWritten).toBeGreaterThan(0);
        // the file holds exactly the rows it says, every one whole
        const rows: IoEvent[] = [];
        const stats = await readRecording(recording, { push: (ev) => rows.push(copyEvent(ev)) });
        expect(stats.truncatedLine).toBeNull();
        expect(rows).toHaveLength(written);
        const meta = JSON.parse(
          readFileSync(recording.replace(/\.csv(\.gz)?$/, '.meta.json'), 'utf8'),
        ) as {
          events: number;
          rowsNotWritten: number;
          endedAt: string | null;
          recordingError: string;
        };
        expect(meta.events).toBe(written);
        expect(meta.rowsNotWritten).toBe(notWritten);
        expect(meta.endedAt).not.toBeNull();
        expect(meta.recordingError).toMatch(/ENOSPC/);
        expect(readdirSync(path.dirname(recording)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      } finally {
        reader.kill();
        execFileSync('umount', ['-l', out]); // lazy: a failed assertion may leave the CLI holding it
      }
    },
  );
});

describe.runIf(run)('free space kept by a recording (--min-free)', () => {
  it('stops the recording whole before the margin is reached, says so, and the capture goes on', async () => {
    // a 2 MiB file system that must keep 1.9 MiB free: ~100 KiB of rows, a second of fio
    const out = tempDir('iouringtop-minfree-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', out]);
    const work = tempDir('iouringtop-minfree-fio-');
    const fio = uniqueCommand('fio', 'iotmfio');
    const file = fioFile(work, '4M');
    const reader = startFio(fio.path, file, { iops: 2000, runtime: 60 });
    try {
      const cli = runCli([
        '--headless',
        '--json',
        '--comm',
        fio.comm,
        '--min-free',
        '1900k',
        '--output-dir',
        out,
      ]);
      const cOut = collectOutput(cli);
      const recording = (await waitFor(cli, 'stderr', /^recording to (.+\.csv)$/m))[1];
      await waitFor(cli, 'stderr', /recording stopped: .* free on the file system of .*--min-free/);
      cli.kill('SIGINT');
      const { code } = await exitOf(cli);
      const stderr = cOut.stderr();
      // not all was recorded: exit 1, told as what happened (no ENOSPC: the disk never filled)
      expect(code, stderr).toBe(1);
      expect(stderr).toMatch(
        /^iouringtop: recording stopped: [\d.]+ [KMG]?i?B free on the file system of .*, and more rows would take it below the 1\.9 MiB it keeps free \(--min-free\); .*\.csv is whole; capture goes on$/m,
      );
      expect(stderr).not.toMatch(/ENOSPC/);
      // it stopped before the margin, not after: with every file closed, the margin is still free
      const fsNow = statfsSync(out);
      expect(fsNow.bavail * fsNow.bsize).toBeGreaterThanOrEqual(1900 * 1024);
      const rows: IoEvent[] = [];
      const stats = await readRecording(recording, { push: (ev) => rows.push(copyEvent(ev)) });
      expect(stats.truncatedLine).toBeNull();
      const meta = JSON.parse(readFileSync(recording.replace(/\.csv$/, '.meta.json'), 'utf8')) as {
        events: number;
        endedAt: string | null;
      };
      expect(meta.endedAt).not.toBeNull();
      expect(meta.events).toBe(rows.length);
      expect(rows.length).toBeGreaterThan(0);
      // the capture went on: the summary counts more reads than the recording holds
      const summary = JSON.parse(cOut.stdout()) as { totals: { operations: number } };
      const reads = rows.filter((r) => r.opcode === 22).length;
      expect(reads).toBeGreaterThan(0);
      expect(summary.totals.operations).toBeGreaterThan(reads);
      expect(readdirSync(path.dirname(recording)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      reader.kill();
      execFileSync('umount', ['-l', out]); // lazy: a failed assertion may leave the CLI holding it
    }
  });

  it('refuses to start recording where the margin is already gone, in one line', async () => {
    const out = tempDir('iouringtop-minfree-start-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', out]);
    try {
      const cli = runCli(['--headless', '--min-free', '2G', '--output-dir', out]);
      const cOut = collectOutput(cli);
      const { code } = await exitOf(cli);
      expect(code, cOut.stderr()).toBe(1);
      expect(cOut.stderr()).toMatch(
        /^iouringtop: cannot record to .*\/iouring: 1\.0 MiB free, below the 2\.0 GiB a recording keeps free \(--min-free\); free some space, .*--no-record$/m,
      );
      expect(readdirSync(out)).toEqual([]);
    } finally {
      execFileSync('umount', ['-l', out]); // lazy: a failed assertion may leave the CLI holding it
    }
  });
});
