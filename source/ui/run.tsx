/**
 * The TUI's lifetime on a terminal: the alternate screen, the App rendered by Ink, and the
 * terminal restored on every way out.
 */
import { render } from 'ink';
import { App } from './App.js';
import { enterAltScreen, guardTerminal, restoreTerminal } from './terminal.js';
import type { SnapshotStore, TuiController, TuiInfo } from './types.js';

export { restoreTerminal } from './terminal.js';

export interface MountTuiOptions {
  store: SnapshotStore;
  controller: TuiController;
  info: TuiInfo;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** Route console.* output above the frame instead of through it (default true). */
  patchConsole?: boolean;
}

export interface TuiHandle {
  /** Settles when the TUI has exited and the terminal is restored (rejects if rendering threw). */
  done: Promise<void>;
  /** Unmount from outside (capture died, --duration elapsed); the terminal is restored. */
  stop(): void;
}

/**
 * Run the TUI on the alternate screen. Every exit path restores the terminal: q / Ctrl-C (via the
 * reducer, which also calls controller.quit), stop(), an error while rendering, SIGINT / SIGTERM /
 * SIGHUP (the TUI unmounts, then controller.quit() is called), an uncaught exception, process exit.
 */
export function mountTui(opts: MountTuiOptions): TuiHandle {
  const { store, controller, info, stdout = process.stdout, stdin = process.stdin } = opts;
  enterAltScreen(stdout);
  let instance: ReturnType<typeof render> | undefined;
  const unguard = guardTerminal(stdout, () => {
    instance?.unmount();
    controller.quit();
  });
  try {
    instance = render(<App store={store} controller={controller} info={info} />, {
      stdout,
      stdin,
      exitOnCtrlC: false,
      patchConsole: opts.patchConsole ?? true,
      incrementalRendering: false,
    });
  } catch (e) {
    unguard();
    restoreTerminal(stdout);
    throw e;
  }
  const inst = instance;
  const done = inst.waitUntilExit().finally(() => {
    unguard();
    restoreTerminal(stdout);
  });
  return { done: done.then(() => undefined), stop: () => inst.unmount() };
}
