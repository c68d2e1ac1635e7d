import { EventEmitter } from 'node:events';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mountTui, restoreTerminal } from '../../source/ui/run.js';
import { ENTER_ALT_SCREEN, LEAVE_ALT_SCREEN, enterAltScreen } from '../../source/ui/terminal.js';
import type { TuiInfo } from '../../source/ui/types.js';
import { KEYS, TestStore, modelWith, testController, until } from './helpers.js';

process.env.FORCE_COLOR = '0';

class FakeStdout extends EventEmitter {
  columns = 80;
  rows = 24;
  isTTY = true;
  out = '';
  write = (chunk: string) => {
    this.out += chunk;
    return true;
  };
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  send(data: string) {
    this.data = data;
    this.emit('readable');
  }
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

const INFO: TuiInfo = { host: 'h', kernel: 'k', tier: 't', mode: 'live' };

function launch(
  store = new TestStore(
    modelWith([{ pid: 7, comm: 'fio', op: 'READ', rate: 5, latencyUs: 10 }]).snap,
  ),
) {
  const stdout = new FakeStdout();
  const stdin = new FakeStdin();
  const controller = testController();
  const handle = mountTui({
    store,
    controller,
    info: INFO,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    patchConsole: false,
  });
  return { stdout, stdin, controller, handle };
}

/** Waits until Ink has drawn its first frame. */
const firstFrame = (t: { stdout: { out: string } }): Promise<void> =>
  until(() => t.stdout.out.includes('fio'), 'the first frame');

const listenerCounts = () =>
  ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit', 'uncaughtExceptionMonitor'].map((e) =>
    process.listenerCount(e),
  );

let before: number[] = [];
// Ink's signal-exit installs its process-wide signal listeners once, on first use, and keeps
// them: warm it up so the counts below measure only what mountTui adds and must remove.
beforeAll(async () => {
  const t = launch();
  t.handle.stop();
  await t.handle.done;
});
afterEach(() => {
  expect(listenerCounts()).toEqual(before);
});

describe('mountTui', () => {
  it('draws on the alternate screen and restores the terminal when q quits', async () => {
    before = listenerCounts();
    const t = launch();
    await firstFrame(t);
    expect(t.stdout.out.startsWith(ENTER_ALT_SCREEN)).toBe(true);
    expect(t.stdout.out).toContain('fio');
    t.stdin.send('q');
    await t.handle.done;
    expect(t.controller.calls).toContainEqual(['quit']);
    expect(t.stdout.out.endsWith(LEAVE_ALT_SCREEN)).toBe(true);
  });

  it('restores the terminal on Ctrl-C', async () => {
    before = listenerCounts();
    const t = launch();
    await firstFrame(t);
    t.stdin.send(KEYS.ctrlC);
    await t.handle.done;
    expect(t.controller.calls).toContainEqual(['quit']);
    expect(t.stdout.out.endsWith(LEAVE_ALT_SCREEN)).toBe(true);
  });

  it('restores the terminal when the CLI stops it', async () => {
    before = listenerCounts();
    const t = launch();
    await firstFrame(t);
    t.handle.stop();
    await t.handle.done;
    expect(t.stdout.out.endsWith(LEAVE_ALT_SCREEN)).toBe(true);
  });

  it.each(['SIGTERM', 'SIGHUP', 'SIGINT'] as const)(
    'unmounts, quits and restores on %s',
    async (sig) => {
      before = listenerCounts();
      const t = launch();
      await firstFrame(t);
      process.emit(sig, sig);
      await t.handle.done;
      expect(t.controller.calls).toContainEqual(['quit']);
      expect(t.stdout.out.endsWith(LEAVE_ALT_SCREEN)).toBe(true);
      expect(t.stdout.out.split(LEAVE_ALT_SCREEN)).toHaveLength(2);
    },
  );

  it('restores the terminal and rejects when rendering throws', async () => {
    before = listenerCounts();
    const store = new TestStore();
    store.getSnapshot = () => {
      throw new Error('model exploded');
    };
    const t = launch(store);
    await expect(t.handle.done).rejects.toThrow('model exploded');
    expect(t.stdout.out).toContain(LEAVE_ALT_SCREEN);
    expect(t.stdout.out.lastIndexOf(LEAVE_ALT_SCREEN)).toBeGreaterThan(
      t.stdout.out.lastIndexOf(ENTER_ALT_SCREEN),
    );
  });
});

describe('restoreTerminal', () => {
  it('leaves the alternate screen once, however often it is called', () => {
    before = listenerCounts();
    const s = new FakeStdout();
    enterAltScreen(s);
    restoreTerminal(s);
    restoreTerminal(s);
    expect(s.out).toBe(ENTER_ALT_SCREEN + LEAVE_ALT_SCREEN);
  });

  it('restores every entered stream when called without one (for the CLI)', () => {
    before = listenerCounts();
    const a = new FakeStdout();
    enterAltScreen(a);
    restoreTerminal();
    expect(a.out.endsWith(LEAVE_ALT_SCREEN)).toBe(true);
  });
});
