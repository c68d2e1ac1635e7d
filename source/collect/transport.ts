/**
 * How bpftrace is started and spoken to: a transport runs the generated program somewhere, hands
 * its output back as it comes, carries the control channel the program listens at, and stops or
 * kills it. BpftraceSource (bpftrace.ts) owns the capture's logic; the transport owns the
 * process. LocalBpftrace, a child of iouringtop on this machine, is the one there is; a remote or
 * containerised bpftrace would be one more.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ControlWriter } from './reaper.js';

/** What a running bpftrace tells the capture. */
export interface BpftraceOutput {
  /** Its standard output, as it comes (latin1: one char per byte, a command name intact). */
  stdout(chunk: string): void;
  /** Its standard error, as it comes (UTF-8). */
  stderr(chunk: string): void;
  /** It ended (once): code and signal as Node reports them. */
  exit(code: number | null, signal: NodeJS.Signals | null): void;
  /** It could not be run (exit follows). */
  error(err: Error): void;
}

/** A bpftrace the transport started. */
export interface BpftraceRun {
  /** Its process id where it runs, if known. */
  readonly pid: number | undefined;
  /** Whether it is blocked in a write of its output right now (a signal would cut it short). */
  writingOutput(): boolean;
  /** SIGINT: print the final counters and exit. */
  interrupt(): void;
  /** SIGKILL: now. Never throws (a bpftrace already gone is fine). */
  kill(): void;
  /** Removes what starting it left behind (the program's file); after it has exited. */
  release(): Promise<void>;
}

export interface BpftraceTransport {
  /** The channel the program listens at for commands and counter ticks. */
  openControl(magic: number): ControlWriter;
  /** Starts bpftrace on `program`, with `env` added to its environment. */
  start(program: string, env: Record<string, string>, out: BpftraceOutput): Promise<BpftraceRun>;
}

/** The nice value bpftrace and iouringtop run at, as root (normal tasks have 0). */
export const CAPTURE_NICE = -5;

/** Raises a process to CAPTURE_NICE, where it is allowed to (root); never lowers it. */
function raisePriority(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    if (os.getPriority(pid) > CAPTURE_NICE) os.setPriority(pid, CAPTURE_NICE);
  } catch {
    // not root, or gone: it runs as it is
  }
}

/**
 * bpftrace as a child of iouringtop on this machine, never outliving it: with setpriv, the kernel
 * kills it if iouringtop dies (even by SIGKILL). Its control channel is a write of ours that the
 * program's probe sees (reaper.ts).
 */
export class LocalBpftrace implements BpftraceTransport {
  constructor(private readonly bpftracePath: string) {}

  openControl(magic: number): ControlWriter {
    return new ControlWriter(magic);
  }

  async start(
    program: string,
    env: Record<string, string>,
    out: BpftraceOutput,
  ): Promise<BpftraceRun> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'iouringtop-'));
    const file = path.join(dir, 'capture.bt');
    // 0600 in a 0700 directory: the framing token stays secret from traced processes.
    await writeFile(file, program, { mode: 0o600 });
    // Fully buffered: the counters' print every second flushes it (an event waits at most about
    // a second), and a write per line would cost more than the capture itself.
    const args = ['-B', 'full', '--no-warnings', file];
    // setpriv --pdeathsig makes the kernel kill bpftrace if iouringtop dies without cleaning up
    // (even SIGKILL), so no bpftrace outlives us.
    const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
    const [cmd, cmdArgs] = setpriv
      ? [setpriv, ['--pdeathsig', 'KILL', '--', this.bpftracePath, ...args]]
      : [this.bpftracePath, args];
    const child: ChildProcess = spawn(cmd, cmdArgs, {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own session, away from our terminal: a hangup (SSH drop) or a Ctrl-C reaches
      // iouringtop only, which then stops bpftrace itself and records its last lines. Without
      // setpriv, stay in our group so that the terminal's hangup still ends it.
      detached: setpriv !== undefined,
      env: { ...process.env, ...env },
    });
    // The counters come through bpftrace, then us: starved of CPU by the load we trace (a NOP
    // storm on one core, anything on the other), they came seconds late. A little ahead of
    // normal tasks, both keep up; what they do is bounded (the event budget), so the traced
    // lose little. (Root only; elsewhere, as it is.)
    raisePriority(child.pid);
    raisePriority(process.pid);
    child.stdout!.setEncoding('latin1');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => out.stdout(chunk));
    child.stderr!.on('data', (chunk: string) => out.stderr(chunk));
    let closed = false;
    const exit = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (closed) return;
      closed = true;
      out.exit(code, signal);
    };
    child.on('close', exit);
    child.on('error', (err) => {
      out.error(err);
      exit(null, null);
    });
    return {
      pid: child.pid,
      writingOutput: () => child.pid !== undefined && writingOutput(child.pid),
      interrupt: () => void child.kill('SIGINT'),
      kill: () => {
        try {
          child.kill('SIGKILL');
        } catch {
          // already gone
        }
      },
      release: () => rm(dir, { recursive: true, force: true }),
    };
  }
}

/** write(2) and writev(2), by architecture: the numbers /proc/PID/syscall shows. */
const WRITE_SYSCALLS: Partial<Record<string, readonly number[]>> = {
  x64: [1, 20],
  arm64: [64, 66],
};

/**
 * Whether a thread of `pid` is in a write to its standard output (fd 1) right now: blocked,
 * since a write that has room returns at once. Unknown architecture or unreadable: false.
 */
export function writingOutput(pid: number, arch: string = process.arch): boolean {
  const nrs = WRITE_SYSCALLS[arch];
  if (!nrs) return false;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/task/${tid}/syscall`, 'latin1');
      } catch {
        continue; // the thread has gone
      }
      // "<nr> <arg0> <arg1> …", or "running", or "-1 …" outside any system call
      const [nr, fd] = text.split(' ', 2);
      if (fd === '0x1' && nrs.includes(Number(nr))) return true;
    }
  } catch {
    return false;
  }
  return false;
}
