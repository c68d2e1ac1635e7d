/**
 * The alternate screen and the promise to leave the terminal as we found it. Ink 6 has no
 * alternate-screen option, so we enter it ourselves and leave it on every exit path: normal
 * unmount, an error thrown while rendering, SIGINT/SIGTERM/SIGHUP, an uncaught exception, and
 * process exit.
 */

import { markTerminalGone, onTerminalGone } from '../stdio.js';

/**
 * Enter the alternate screen, with bracketed paste (a paste arrives between markers, so it is never
 * taken for keys) and mouse reports (button presses, SGR encoding: clicks select and sort).
 */
export const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[?2004h\x1b[?1000h\x1b[?1006h';
/** Turn those off, leave the alternate screen and show the cursor again (Ink hides it). */
export const LEAVE_ALT_SCREEN = '\x1b[?1006l\x1b[?1000l\x1b[?2004l\x1b[?1049l\x1b[?25h';

interface Writable {
  write(chunk: string): boolean;
}

/** Streams currently showing our alternate screen. */
const entered = new Set<Writable>();

export function enterAltScreen(stdout: Writable): void {
  if (entered.has(stdout)) return;
  entered.add(stdout);
  stdout.write(ENTER_ALT_SCREEN);
}

/**
 * Leave the alternate screen and show the cursor. Idempotent and synchronous, so it is safe to call
 * from any exit path, several times. Without an argument it restores every stream we entered
 * (and, when we entered none, still writes the sequence to process.stdout when it is a TTY:
 * a CLI that is unsure whether the TUI ran can always call it).
 */
export function restoreTerminal(stdout?: Writable): void {
  const targets = stdout ? [stdout] : [...entered];
  if (!stdout && targets.length === 0 && process.stdout.isTTY) targets.push(process.stdout);
  for (const s of targets) {
    const was = entered.delete(s);
    if (was || !stdout) {
      try {
        s.write(LEAVE_ALT_SCREEN);
      } catch {
        // the terminal is gone (SIGHUP): nothing left to restore
      }
    }
  }
  if (process.stdin.isTTY && process.stdin.isRaw) {
    try {
      process.stdin.setRawMode(false);
    } catch {
      // stdin already closed
    }
  }
}

export type ExitSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
export const EXIT_SIGNALS: readonly ExitSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Install the exit-path guards for one TUI session. On SIGINT / SIGTERM / SIGHUP, `onSignal` runs
 * (the TUI unmounts and the CLI stops capture), then the terminal is restored. Because these
 * listeners exist, Node no longer exits on those signals by itself: `onSignal` must lead to exit.
 * Returns a function that removes every guard.
 */
export function guardTerminal(
  stdout: Writable,
  onSignal: (signal: ExitSignal) => void,
): () => void {
  const restore = () => restoreTerminal(stdout);
  let shutDown = false;
  const shutdown = (sig: ExitSignal): void => {
    if (shutDown) return;
    shutDown = true;
    // unmount first, so Ink's last frame lands on the alternate screen, then leave it
    try {
      onSignal(sig);
    } finally {
      restore();
    }
  };
  const signalHandlers = EXIT_SIGNALS.map((sig) => {
    const handler = () => {
      // the TUI's terminal hung up: from here on, writes to it fail (see stdio.ts)
      if (sig === 'SIGHUP') markTerminalGone();
      shutdown(sig);
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  // A write or a read failing with EIO means the same as SIGHUP.
  const offGone = onTerminalGone(() => shutdown('SIGHUP'));
  process.on('uncaughtExceptionMonitor', restore);
  process.on('exit', restore);
  return () => {
    offGone();
    for (const [sig, handler] of signalHandlers) process.off(sig, handler);
    process.off('uncaughtExceptionMonitor', restore);
    process.off('exit', restore);
  };
}
