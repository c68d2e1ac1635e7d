/**
 * The TUI in a real terminal: tmux runs the built CLI as root against live fio workloads.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bpftracePids, CLI, requireOrSkip, tempDir } from './env.js';

const run = requireOrSkip('TUI end-to-end test', ['fio', 'tmux']);
const SESSION = `iouringtop-e2e-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', args).toString();
const screen = (): string => tmux('capture-pane', '-p', '-t', SESSION);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(pred: (s: string) => boolean, what: string, ms = 30_000): Promise<string> {
  const end = Date.now() + ms;
  let s = '';
  while (Date.now() < end) {
    s = screen();
    if (pred(s)) return s;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
}

afterAll(() => {
  try {
    tmux('kill-session', '-t', SESSION);
  } catch {
    // already gone
  }
});

describe.runIf(run)('TUI in tmux', () => {
  it('shows fio with READ, filters by pid, and quits cleanly leaving no bpftrace', async () => {
    const dir = tempDir('iouringtop-tui-');
    const file = path.join(dir, 'fio.dat');
    execFileSync(
      'fio',
      ['--name=prep', '--rw=write', '--bs=1M', '--size=16M', `--filename=${file}`],
      { stdio: 'ignore' },
    );
    const statusFile = path.join(dir, 'exit-status');
    tmux(
      'new-session',
      '-d',
      '-s',
      SESSION,
      '-x',
      '120',
      '-y',
      '35',
      `${process.execPath} ${CLI} --no-record --comm fio; echo $? > ${statusFile}`,
    );
    tmux('set-option', '-t', SESSION, 'remain-on-exit', 'on');
    await until((s) => s.includes('PID') && s.includes('COMMAND'), 'the processes view');
    expect(tmux('display', '-p', '-t', SESSION, '#{alternate_on}').trim()).toBe('1');
    const fio = (name: string) =>
      spawn(
        'fio',
        [
          `--name=${name}`,
          '--ioengine=io_uring',
          '--rw=randread',
          '--bs=4k',
          `--filename=${file}`,
          '--time_based',
          '--runtime=20',
          '--rate_iops=500',
        ],
        { stdio: 'ignore' },
      );
    const a = fio('a');
    const b = fio('b');
    try {
      const rows = (s: string) => s.split('\n').filter((l) => /^\s*>?\s*\d+\s+fio\s/.test(l));
      const s1 = await until(
        (s) => rows(s).filter((l) => l.includes('READ')).length >= 2,
        'two fio rows with READ',
      );
      const pids = rows(s1).map((l) => Number(/(\d+)\s+fio/.exec(l)![1]));
      const keep = pids[0];
      const hide = pids.find((p) => p !== keep)!;
      // One key at a time, as a person types: a burst arrives as one input string.
      for (const key of ['/', ...`pid:${keep}`]) {
        tmux('send-keys', '-t', SESSION, '-l', key);
        await sleep(60);
      }
      tmux('send-keys', '-t', SESSION, 'Enter');
      const s2 = await until((s) => rows(s).length === 1, 'the pid filter to hide the other fio');
      expect(rows(s2)[0]).toContain(String(keep));
      expect(s2).not.toMatch(new RegExp(`\\b${hide}\\s+fio`));
      tmux('send-keys', '-t', SESSION, 'q');
      await until(
        () => tmux('display', '-p', '-t', SESSION, '#{pane_dead}').trim() === '1',
        'iouringtop to exit',
        15_000,
      );
      expect(readFileSync(statusFile, 'utf8').trim(), screen()).toBe('0');
      expect(tmux('display', '-p', '-t', SESSION, '#{alternate_on}').trim()).toBe('0');
      expect(bpftracePids()).toEqual([]);
    } finally {
      a.kill();
      b.kill();
    }
  });
});
