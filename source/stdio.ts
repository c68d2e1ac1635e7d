/**
 * When the terminal goes away under us (an SSH session drops), the kernel sends SIGHUP and every
 * later write to it fails with EIO, which Node raises as an 'error' event that nobody handles: the
 * process died there, before the recording was closed. These guards swallow such errors (no one
 * is left to read the output), remember that the terminal is gone, and let the normal shutdown
 * (stop bpftrace, flush and close the recording and its metadata) run to its end.
 */
const TERMINAL_GONE = new Set(['EIO', 'ENXIO']);
let gone = false;
let guarded = false;
const listeners = new Set<() => void>();

export function terminalGone(): boolean {
  return gone;
}

export function markTerminalGone(): void {
  if (gone) return;
  gone = true;
  for (const l of [...listeners]) l();
}

/** Calls `l` once the terminal is found gone; returns the unsubscribe function. */
export function onTerminalGone(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

type StdioStream = NodeJS.ReadStream | NodeJS.WriteStream;

const pipeListeners = new Set<() => void>();

/**
 * Calls `l` when stdout's reader has gone (EPIPE: `| head` has read enough), each time a write
 * finds it so; returns the unsubscribe function. A report that streams (--interval) stops there.
 */
export function onStdoutClosed(l: () => void): () => void {
  pipeListeners.add(l);
  return () => pipeListeners.delete(l);
}

function onStdioError(stream: StdioStream, err: NodeJS.ErrnoException): void {
  // EIO on a terminal: it hung up. (EIO on a file is a failing disk: that stays an error.)
  if (stream.isTTY && err.code !== undefined && TERMINAL_GONE.has(err.code)) {
    markTerminalGone();
    return;
  }
  // the reader of a pipe left (| head): there is no one to tell, and nothing more to write
  if (err.code === 'EPIPE') {
    if (stream === process.stdout) for (const l of [...pipeListeners]) l();
    return;
  }
  throw err;
}

/**
 * Installs the stdio guards (once per process): errors from a terminal that hung up, and the end
 * of input on a terminal. A terminal read in raw mode (the TUI's keys) never ends while it is
 * there (Ctrl-D is a byte, not the end); it ends when it hangs up, which is how a dead terminal
 * shows when no SIGHUP comes (a parent shell that traps or ignores HUP) and nothing is written
 * (a replay parked at its end draws no frames).
 */
export function guardStdio(
  streams: StdioStream[] = [process.stdin, process.stdout, process.stderr],
): void {
  if (guarded) return;
  guarded = true;
  for (const stream of streams) {
    stream.on('error', (err: Error) => onStdioError(stream, err));
    if (stream.isTTY && 'setRawMode' in stream) {
      stream.on('end', () => {
        if (stream.isRaw) markTerminalGone();
      });
    }
  }
}

/**
 * Ends a process whose terminal hung up the conventional way, by SIGHUP, once its shutdown is
 * done. (Node's own exit would restore the terminal modes it saved at start, fail with EIO on
 * the dead terminal and abort.) Returns when the terminal is still there.
 */
export async function exitIfTerminalGone(): Promise<void> {
  // let write errors still queued (emitted on a later tick) arrive first
  await new Promise((resolve) => setImmediate(resolve));
  if (!gone) return;
  process.removeAllListeners('SIGHUP');
  process.kill(process.pid, 'SIGHUP');
}
