/**
 * The reference counter of issue #31 (test/helpers/reference.bt): a bpftrace program, written
 * apart from bpf/program.ts, that counts per process what iouringtop must report, for the
 * processes this one starts (its descendants). Started with a chosen bpftrace (0.17, or 0.23
 * through a chroot wrapper: the program goes to a temp dir under /tmp, which the wrapper's
 * chroot shares), ready once its BEGIN line is out (its probes are attached then), stopped with
 * SIGINT, after which its maps are read.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REFERENCE_PROGRAM = path.join(import.meta.dirname, 'reference.bt');

/** What the reference counted for one process. */
export interface RefCounts {
  /** CQEs of its requests (multishot ones and init failures included) */
  cqes: number;
  /** request-less CQEs on the rings it created */
  other: number;
  /** CQEs of its rings that went to the overflow list */
  overflows: number;
  /** its io_uring_enter calls */
  enters: number;
  /** of `other`, CQEs of requests whose submission it did not see (none expected; not checked) */
  unseen: number;
}

const MAPS = {
  cqes: 'cqes',
  other: 'other',
  overflows: 'overflows',
  enters: 'enters',
  unseen: 'unseen',
} as const;

/** What the reference found when it stopped. */
export interface RefResult {
  /** per pid, for the processes descending from the root */
  counts: Map<number, RefCounts>;
  /** pids given to other processes while it ran (a figure per pid of iouringtop mixes them) */
  foreign: Set<number>;
  /**
   * Runs of its programs the kernel skipped (bpftool's recursion_misses: a tracepoint that fired
   * while a BPF program ran on that CPU), by program, where any were; read as it stopped.
   */
  skipped: Map<string, number>;
}

/** Parses the maps bpftrace prints at exit (`@cqes[1234, 1]: 5`: pid and CPU), summing the CPUs. */
export function parseReferenceMaps(text: string): RefResult {
  const out = new Map<number, RefCounts>();
  const foreign = new Set<number>();
  for (const m of text.matchAll(/^@(\w+)\[(\d+)(, \d+)?\]: (\d+)$/gm)) {
    const pid = Number(m[2]);
    if (m[1] === 'foreign') foreign.add(pid);
    const field = MAPS[m[1] as keyof typeof MAPS];
    if (!field || m[3] === undefined) continue;
    let c = out.get(pid);
    if (!c) {
      c = zeroCounts();
      out.set(pid, c);
    }
    c[field] += Number(m[4]);
  }
  return { counts: out, foreign, skipped: new Map() };
}

export const zeroCounts = (): RefCounts => ({
  cqes: 0,
  other: 0,
  overflows: 0,
  enters: 0,
  unseen: 0,
});

/** The recursion misses of the BPF programs process `pid` holds (their ids: its fdinfo). */
function skippedRuns(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  const ids = new Set<number>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
      const m = /^prog_id:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (m) ids.add(Number(m[1]));
    }
    const progs = JSON.parse(
      execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' }),
    ) as {
      id: number;
      name?: string;
      recursion_misses?: number;
    }[];
    for (const p of progs)
      if (ids.has(p.id) && p.recursion_misses) out.set(p.name ?? String(p.id), p.recursion_misses);
  } catch (e) {
    out.set(`(not read: ${(e as Error).message.split('\n')[0]})`, 0);
  }
  return out;
}

/** A running reference counter. */
export class Reference {
  private out = '';
  private err = '';
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
    // 'close', not 'exit': the final maps may still be in the pipe when bpftrace exits
    this.exited = new Promise((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal })),
    );
  }

  /**
   * Starts the reference with `bpftrace` (a path or a command name), counting the processes
   * that `root` (by default this process) starts from now on and their descendants, and
   * resolves once its probes are attached (its BEGIN line), or rejects with bpftrace's errors
   * (or after `timeoutMs`).
   */
  static async start(
    bpftrace = 'bpftrace',
    { root = process.pid, timeoutMs = 60_000 }: { root?: number; timeoutMs?: number } = {},
  ): Promise<Reference> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-reference-'));
    const program = path.join(dir, 'reference.bt');
    copyFileSync(REFERENCE_PROGRAM, program);
    // (--no-warnings: 0.23 prints a warning line for every delete of a key that is not there,
    // which a foreign io_uring load makes a flood that overruns its buffers, END's maps lost)
    const child = spawn(bpftrace, ['-B', 'line', '--no-warnings', program, String(root)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // room for every request in flight on the machine (0.17 reads the first name, 0.20+ the second)
      env: { ...process.env, BPFTRACE_MAP_KEYS_MAX: '65536', BPFTRACE_MAX_MAP_KEYS: '65536' },
    });
    const ref = new Reference(child, dir);
    try {
      await ref.until(() => /^BEGIN$/m.test(ref.out), 'its BEGIN line', timeoutMs);
    } catch (e) {
      await ref.kill();
      throw e;
    }
    return ref;
  }

  /** The pid of the bpftrace process. */
  get pid(): number {
    return this.child.pid!;
  }

  /**
   * How many rings created by the processes `pids` the kernel has not freed yet (until it has,
   * it may still post CQEs to them: their teardown runs after the process exited).
   */
  ringsLeft(pids: ReadonlySet<number>): number {
    let n = 0;
    for (const m of this.out.matchAll(/^(ring|freed) (\d+) \d+$/gm))
      if (pids.has(Number(m[2]))) n += m[1] === 'ring' ? 1 : -1;
    return n;
  }

  /**
   * Waits until `cond()` holds (checked as output arrives, and every 20 ms), up to `timeoutMs`;
   * rejects saying `what` when it does not, or when bpftrace exits first.
   */
  async until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let gone = false;
    void this.exited.then(() => (gone = true));
    while (!cond()) {
      if (gone) throw new Error(`the reference counter exited before ${what}: ${this.err}`);
      if (Date.now() > end)
        throw new Error(`timed out waiting for the reference counter's ${what}: ${this.err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops it with SIGINT and returns its final counts per pid. */
  async stop(): Promise<RefResult> {
    const skipped = skippedRuns(this.child.pid!);
    this.child.kill('SIGINT');
    const { code, signal } = await this.exited;
    rmSync(this.dir, { recursive: true, force: true });
    if (code !== 0 || !/^END$/m.test(this.out))
      throw new Error(
        `the reference counter ended (${String(code ?? signal)}) without its final maps; ` +
          `its stderr: ${JSON.stringify(this.err.slice(-600))}; ` +
          `the end of its stdout: ${JSON.stringify(this.out.slice(-600))}`,
      );
    return { ...parseReferenceMaps(this.out.slice(this.out.search(/^END$/m))), skipped };
  }

  /** Ends it without its counts (after a failure elsewhere). */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGINT');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
