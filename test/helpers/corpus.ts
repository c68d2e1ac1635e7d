/**
 * The corpus of issue #31 ("exact on any io_uring program"): liburing programs in
 * test/workload/corpus/, each exercising one way of using io_uring and printing what it did,
 * one JSON line per process (test/workload/corpus/corpus.h says what each figure means). This
 * module builds them into a temp dir, runs all of them (or some) one after the other, and
 * collects their lines and the pids of every process they started.
 */
import { spawn } from 'node:child_process';
import { compileCorpus } from '../workload/build.js';
import { ROOT } from './project.js';
import { zeroCounts, type RefCounts } from './reference.js';

/** One run of a corpus program. `{dir}` in `args` is replaced by a scratch directory. */
export interface CorpusEntry {
  id: string;
  program: string;
  args?: string[];
  what: string;
}

/**
 * The whole corpus, in the order it runs. The two 65 536-NOP overflow runs come early, so that
 * what a tracer keeps from them (requests that never complete) is still there for the rest.
 */
export const CORPUS: readonly CorpusEntry[] = [
  { id: 'sqpoll', program: 'sqpoll', what: 'SQPOLL: iou-sqp submits, iou-wrk completes, a wakeup' },
  {
    id: 'overflow-nops-1',
    program: 'overflow',
    args: ['nops', '65536'],
    what: '65 536 NOPs into a CQ of 4096: 61 440 overflow (first run)',
  },
  {
    id: 'overflow-nops-2',
    program: 'overflow',
    args: ['nops', '65536'],
    what: 'the same, run twice',
  },
  {
    id: 'iopoll',
    program: 'iopoll',
    args: ['{dir}'],
    what: 'IOPOLL: O_DIRECT reads (refused by a device without poll queues), a buffered read, a NOP',
  },
  {
    id: 'defer-taskrun',
    program: 'defer-taskrun',
    what: 'DEFER_TASKRUN + SINGLE_ISSUER: pipe reads, multishot poll',
  },
  {
    id: 'submit-all',
    program: 'submit-all',
    what: 'init failures (req_failed), with and without SUBMIT_ALL, a failed link',
  },
  {
    id: 'cqe32',
    program: 'cqe32',
    what: 'CQE32 ring; CQE_MIXED ring with 32-byte and padding CQEs',
  },
  {
    id: 'r-disabled',
    program: 'r-disabled',
    what: 'R_DISABLED rings (plain, SQPOLL) enabled later',
  },
  { id: 'reg-ring-fd', program: 'reg-ring-fd', what: 'registered ring fd, the real fd closed' },
  {
    id: 'msg-ring',
    program: 'msg-ring',
    what: 'MSG_RING data and fds between rings, from a forked child to the parent’s rings',
  },
  {
    id: 'multishot',
    program: 'multishot',
    what: 'multishot accept, recv (buffer ring), read (provided buffers), poll',
  },
  { id: 'rsrc-tags', program: 'rsrc-tags', what: 'tagged files and buffers updated, unregistered' },
  {
    id: 'rsrc-tags-exit',
    program: 'rsrc-tags',
    args: ['exit'],
    what: 'tagged resources left registered: tags posted at teardown, in a kworker',
  },
  {
    id: 'link-timeout',
    program: 'link-timeout',
    what: 'linked timeouts, soft and hard links, timeouts, CQE_SKIP_SUCCESS',
  },
  {
    id: 'cancel',
    program: 'cancel',
    what: 'ASYNC_CANCEL, by fd, of io-wq work, TIMEOUT_REMOVE, sync cancel',
  },
  {
    id: 'overflow-poll',
    program: 'overflow',
    args: ['poll', '1000'],
    what: 'multishot poll on a pipe into a CQ of 2: ended by its overflowing CQE',
  },
  {
    id: 'overflow-exit',
    program: 'overflow',
    args: ['exit'],
    what: 'exit with a full CQ and requests in flight: their cancellations overflow in a kworker',
  },
  {
    id: 'fork-exec',
    program: 'fork-exec',
    what: 'a child submits on the parent’s ring, then execs',
  },
  {
    id: 'threads',
    program: 'threads',
    what: 'threads that exit, their polls cancelled in a kworker',
  },
  {
    id: 'send-zc',
    program: 'send-zc',
    what: 'SEND_ZC and SENDMSG_ZC: result and notification CQEs',
  },
];

/** A process's own account of what it did (its JSON line). */
export interface Reported {
  program: string;
  pid: number;
  cqes: number;
  other: number;
  overflows?: number;
  enters?: number;
  /** how many of those the kernel posts after the process exited (its rings' teardown) */
  after_exit?: number;
  notes?: Record<string, unknown>;
  failures?: number;
}

export interface EntryRun {
  entry: CorpusEntry;
  /** the pid of the process the harness started */
  pid: number;
  /** every line printed, the started process's and its children's */
  lines: Reported[];
}

export interface CorpusRun {
  runs: EntryRun[];
  /** every pid the corpus ran under (the programs, their children) */
  pids: Set<number>;
}

/** The corpus's binaries, built once. */
export interface Corpus {
  bins: Map<string, string>;
  /** scratch space for the programs that need a file system (iopoll) */
  dir: string;
}

/** Builds the corpus into `binDir`; `dir` is the programs' scratch directory. */
export async function buildCorpus(binDir: string, dir: string): Promise<Corpus> {
  return { bins: await compileCorpus(ROOT, binDir), dir };
}

/** Runs one program to its end, up to `timeoutMs`; rejects unless it exits 0 with its lines. */
async function runEntry(corpus: Corpus, entry: CorpusEntry, timeoutMs: number): Promise<EntryRun> {
  const bin = corpus.bins.get(entry.program);
  if (!bin) throw new Error(`no corpus program ${entry.program}`);
  const args = (entry.args ?? []).map((a) => (a === '{dir}' ? corpus.dir : a));
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  const what = `${entry.id} (${[bin, ...args].join(' ')})`;
  if (code !== 0)
    throw new Error(`${what} exited ${String(code ?? signal)}: ${err.trim()}\n${out.trim()}`);
  const lines = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Reported);
  if (!lines.some((l) => l.pid === child.pid))
    throw new Error(`${what} printed no line for its pid ${child.pid}: ${out}`);
  return { entry, pid: child.pid!, lines };
}

/**
 * Runs the corpus (or the entries named in `only`), one program at a time; rejects at the first
 * that fails (exit status other than 0: a result it did not expect), and when two of its
 * processes had the same pid (pids reused within the run: counts per pid cannot tell them
 * apart). `afterEach` runs after each program (the harness waits there for what the kernel
 * posts after the program's exit).
 */
export async function runCorpus(
  corpus: Corpus,
  opts: {
    only?: readonly string[];
    timeoutMs?: number;
    afterEach?: (run: EntryRun) => Promise<void>;
  } = {},
): Promise<CorpusRun> {
  const entries = opts.only ? CORPUS.filter((e) => opts.only!.includes(e.id)) : CORPUS;
  const runs: EntryRun[] = [];
  const pids = new Set<number>();
  for (const entry of entries) {
    const run = await runEntry(corpus, entry, opts.timeoutMs ?? 60_000);
    const mine = new Set([run.pid, ...run.lines.map((l) => l.pid)]);
    for (const pid of mine)
      if (pids.has(pid))
        throw new Error(
          `pid ${pid} was given to two processes of the corpus (the second in ${entry.id}): ` +
            'pids are being reused quickly on this machine, and counts per pid cannot tell them apart',
        );
    runs.push(run);
    for (const pid of mine) pids.add(pid);
    await opts.afterEach?.(run);
  }
  return { runs, pids };
}

/** One disagreement between two accounts of a process. */
export interface Mismatch {
  id: string;
  pid: number;
  program: string;
  figure: string;
  want: number;
  got: number | undefined;
}

/**
 * The self-check: each process's own figures (those it knows) against the reference's counts.
 */
export function checkAgainstPrograms(
  run: CorpusRun,
  counts: ReadonlyMap<number, RefCounts>,
): Mismatch[] {
  const out: Mismatch[] = [];
  for (const r of run.runs)
    for (const l of r.lines) {
      const got = counts.get(l.pid) ?? zeroCounts();
      const figures: [string, number | undefined, number][] = [
        ['cqes', l.cqes, got.cqes],
        ['other', l.other, got.other],
        ['overflows', l.overflows, got.overflows],
        ['enters', l.enters, got.enters],
      ];
      for (const [figure, want, have] of figures)
        if (want !== undefined && want !== have)
          out.push({ id: r.entry.id, pid: l.pid, program: l.program, figure, want, got: have });
    }
  return out;
}

/** A fixed-width table: a header row, then rows, columns padded to their widest cell. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))
    .join('\n');
}
