import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BpftraceSource, bpftraceEnv, classifyNotice } from '../../source/collect/bpftrace.js';
import { LocalBpftrace, writingOutput } from '../../source/collect/transport.js';
import { ControlWriter } from '../../source/collect/reaper.js';
import { NO_FEATURES } from '../../source/collect/probe.js';
import { OpcodeTable } from '../../source/model/opcodes.js';
import { eventually } from '../helpers/eventually.js';

describe('bpftraceEnv', () => {
  it('names the variables as the bpftrace version reads them (renamed in 0.20)', () => {
    expect(bpftraceEnv('v0.17.0', 4096, {}, 2)).toEqual({
      BPFTRACE_MAP_KEYS_MAX: '4096',
      BPFTRACE_STRLEN: '32',
      BPFTRACE_NO_CPP_DEMANGLE: '1',
      BPFTRACE_PERF_RB_PAGES: '1024',
    });
    expect(bpftraceEnv('v0.23.2', 4096, {}, 2)).toEqual({
      BPFTRACE_MAX_MAP_KEYS: '4096',
      BPFTRACE_MAX_STRLEN: '32',
      BPFTRACE_CPP_DEMANGLE: '0',
      BPFTRACE_PERF_RB_PAGES: '1024',
    });
  });

  it('sizes the perf buffer for bursts within 32 MiB in all, and keeps a value already set', () => {
    const pages = (cpus: number, env = {}) =>
      Number(bpftraceEnv('v0.17.0', 1, env, cpus).BPFTRACE_PERF_RB_PAGES);
    expect(pages(1)).toBe(1024);
    expect(pages(8)).toBe(1024);
    expect(pages(16)).toBe(512);
    expect(pages(48)).toBe(128);
    expect(pages(512)).toBe(64); // bpftrace's own default is the floor
    expect(pages(2, { BPFTRACE_PERF_RB_PAGES: '8' })).toBe(8);
  });
});

describe('classifyNotice', () => {
  it('tells bpftrace errors from warnings and harmless chatter', () => {
    expect(classifyNotice('Attaching 13 probes...')).toBe('info');
    expect(
      classifyNotice(`ERROR: Unknown error -1: couldn't set RLIMIT_MEMLOCK for bpftrace.`),
    ).toBe('info');
    expect(classifyNotice('/tmp/x.bt:3:1-10: ERROR: Undefined map: @x')).toBe('error');
    expect(classifyNotice('WARNING: something')).toBe('warning');
  });
});

/**
 * stop() against stand-ins for bpftrace (shell scripts: the shutdown's timing, not the kernel, is
 * under test here; test/e2e runs the real one). Each says it is attached (the R line, with the
 * program's token), then on SIGINT behaves as `onInt` says.
 */
describe('BpftraceSource.stop', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-stop-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The ticks the program would hear (ms), and the transport that tells them. */
  const ticks: number[] = [];
  class Counting extends ControlWriter {
    override tick(): void {
      ticks.push(Date.now());
      super.tick();
    }
  }
  class Transport extends LocalBpftrace {
    override openControl(magic: number): ControlWriter {
      return new Counting(magic);
    }
  }

  async function stopped(
    name: string,
    onInt: string,
    graceMs: number,
    capMs: number,
    onEvent: () => void = () => undefined,
    beforeStop: () => Promise<void> = () => Promise.resolve(),
  ) {
    const script = path.join(dir, name);
    writeFileSync(
      script,
      [
        '#!/bin/sh',
        // the program file is the last argument; its BEGIN printf starts with the token
        'for a in "$@"; do prog="$a"; done',
        `tok=$(sed -n 's/.*printf("\\([0-9a-f]*\\)R.*/\\1/p' "$prog" | head -n 1)`,
        `trap '${onInt}' INT`,
        'printf "%sR\\t1000\\t%s\\n" "$tok" "$tok"',
        'while :; do sleep 0.02; done',
      ].join('\n'),
    );
    chmodSync(script, 0o755);
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let ready!: () => void;
    const attached = new Promise<void>((r) => (ready = r));
    const src = new BpftraceSource({
      transport: new Transport(script),
      tier: 3,
      features: NO_FEATURES,
      filter: { pids: [] },
      opcodes: new OpcodeTable(),
      maxInflight: 1024,
      events: { kind: 'all' },
      onEvent,
      onNotice: () => undefined,
      onReady: () => ready(),
      onExit: (info) => (exit = info),
    });
    await src.start();
    await attached;
    await beforeStop();
    const t0 = Date.now();
    await src.stop(graceMs, capMs);
    return {
      exit,
      ms: Date.now() - t0,
      ticksAfterStop: ticks.filter((t) => t >= t0),
      finalCountsMissing: src.finalCountsMissing,
      passedOn: src.receivedEvents,
      past: src.eventsPastFinalCounts,
    };
  }

  it('waits for a bpftrace still writing out its buffers, well past the grace period', async () => {
    // 1.5 s of output after SIGINT, a line every 0.1 s, then a clean exit: never 0.3 s quiet
    const { exit, ms } = await stopped(
      'draining',
      'i=0; while [ $i -lt 15 ]; do echo "@dropped: 0"; sleep 0.1; i=$((i+1)); done; exit 0',
      300,
      20_000,
    );
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(ms).toBeGreaterThanOrEqual(1400);
  });

  it('knows whether the final counts came after the SIGINT', async () => {
    // counters and their F line, as the END block prints them
    const done = await stopped(
      'final',
      'echo "@dropped: 0"; printf "%sF\\t2000\\t%s\\n" "$tok" "$tok"; exit 0',
      300,
      20_000,
    );
    expect(done.exit).toMatchObject({ code: 0, signal: null });
    expect(done.finalCountsMissing).toBe(false);
    // counters without their T (the output cut short): the round never completes
    const cut = await stopped('cut', 'echo "@dropped: 0"; exit 0', 300, 20_000);
    expect(cut.exit).toMatchObject({ code: 0, signal: null });
    expect(cut.finalCountsMissing).toBe(true);
    // a regular round's counters (their T line) read after the SIGINT, and no END: not final
    const regular = await stopped(
      'regular',
      'echo "@dropped: 0"; printf "%sT\\t2000\\t%s\\n" "$tok" "$tok"; exit 0',
      300,
      20_000,
    );
    expect(regular.finalCountsMissing).toBe(true);
  });

  it('takes a regular round read after the SIGINT for what it is, not for the final counts', async () => {
    // the last regular round (1 NOP) still unread at the stop, then 2 more NOPs' events, then
    // END's round (3 NOPs): every event is within the final counts
    const nop = (ts: number) => `printf "%sE\\t${ts}\\t5\\t1092\\t0\\t0\\t%s\\n" "$tok" "$tok"`;
    const done = await stopped(
      'regular-then-final',
      `${nop(1000)}; echo "@c[4242, 0, 0]: 1"; printf "%sT\\t1500\\t%s\\n" "$tok" "$tok"; ` +
        `${nop(1600)}; ${nop(1700)}; echo "@c[4242, 0, 0]: 3"; printf "%sF\\t2000\\t%s\\n" "$tok" "$tok"; exit 0`,
      300,
      20_000,
    );
    expect(done.finalCountsMissing).toBe(false);
    expect(done.passedOn).toBe(3);
    expect(done.past).toBe(0);
  });

  it('passes on no more events than the final counts hold (the probes run on while they print)', async () => {
    // the END block's order: the counts (2 NOPs of pid 4242), their F line, then the staged
    // events, of which the third was counted after the counts were read
    const nop = (ts: number) => `printf "%sE\\t${ts}\\t5\\t1092\\t0\\t0\\t%s\\n" "$tok" "$tok"`;
    let seen = 0;
    const done = await stopped(
      'late',
      `echo "@c[4242, 0, 0]: 2"; printf "%sF\\t2000\\t%s\\n" "$tok" "$tok"; ${nop(1000)}; ${nop(1001)}; ${nop(1002)}; exit 0`,
      300,
      20_000,
      () => seen++,
    );
    expect(done.finalCountsMissing).toBe(false);
    expect(seen).toBe(2);
    expect(done.passedOn).toBe(2);
    expect(done.past).toBe(1);
  });

  it('asks for no round of counters once the stop has begun', async () => {
    // a stand-in that takes 2.5 s to end after SIGINT and prints no round before (so the tick
    // after the first waits 2 s for it, then goes anyway), stopped after a first tick
    const done = await stopped(
      'slow-end',
      'sleep 2.5; printf "%sF\\t2000\\t%s\\n" "$tok" "$tok"; exit 0',
      3000,
      20_000,
      undefined,
      async () => {
        const after = Date.now();
        await eventually(
          () => (ticks.some((t) => t >= after) ? true : undefined),
          'a tick after the attach',
          10_000,
        );
      },
    );
    expect(done.ms).toBeGreaterThanOrEqual(2400);
    expect(done.ticksAfterStop).toEqual([]);
  });

  it('kills a bpftrace that writes nothing for the grace period', async () => {
    const { exit, ms, finalCountsMissing } = await stopped('silent', 'exec sleep 30', 300, 20_000);
    expect(exit).toMatchObject({ signal: 'SIGKILL' });
    expect(finalCountsMissing).toBe(true);
    expect(ms).toBeLessThan(10_000);
  });

  it('kills a bpftrace that never stops writing, at the cap', async () => {
    const { exit, ms } = await stopped(
      'endless',
      'while :; do echo "@dropped: 0"; sleep 0.05; done',
      300,
      1000,
    );
    expect(exit).toMatchObject({ signal: 'SIGKILL' });
    expect(ms).toBeGreaterThanOrEqual(1000);
  });
});

describe('writingOutput', () => {
  it.runIf(process.platform === 'linux' && ['x64', 'arm64'].includes(process.arch))(
    'sees a process blocked writing to a pipe nobody reads, and not one that sleeps',
    async () => {
      // 1 MiB into a pipe that holds far less, read only later
      const writer = spawn('head', ['-c', '1048576', '/dev/zero'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
      try {
        writer.stdout.pause();
        const deadline = Date.now() + 10_000;
        while (!writingOutput(writer.pid!) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        expect(writingOutput(writer.pid!)).toBe(true);
        expect(writingOutput(sleeper.pid!)).toBe(false);
        // read it all: the writer finishes
        const closed = new Promise((r) => writer.on('close', r));
        writer.stdout.resume();
        await closed;
        expect(writingOutput(writer.pid!)).toBe(false);
      } finally {
        writer.kill('SIGKILL');
        sleeper.kill('SIGKILL');
      }
    },
  );
});
