/**
 * The headless summary's lines on what /proc told (proc/view.ts): io_uring threads per process
 * (`workers`) and the files each process used most. Pure: snapshot in, lines out; names escaped.
 */
import { escape } from '../escape.js';
import { commToCsv } from '../model/comm.js';
import type { ViewSnapshot } from '../proc/view.js';
import { fdText, type ThreadInfo } from '../proc/view.js';
import type { FileRecord } from '../proc/files.js';
import { formatCount } from '../format.js';

/** Files listed per process, and processes with files listed. */
const FILES_PER_PROCESS = 5;
const PROCESSES_WITH_FILES = 10;

const pct = (v: number | undefined): string => (v === undefined ? '-' : `${v.toFixed(1)}%`);

/**
 * `3 iou-wrk (max 4, CPU 1.5%), 1 iou-sqp (CPU 20.0%)` and a warning when workers keep rising:
 * the threads now and the CPU of the last sample (the TUI); or (`session`: the summary's) the
 * CPU over the session, and the most SQPOLL threads seen too (`0 iou-sqp (max 1, CPU 93.5%)`:
 * its ring was torn down before the end).
 */
export function threadsText(t: ThreadInfo, session = false): string {
  const w = session ? t.workersAvgCpuPct : t.workersCpuPct;
  const s = session ? t.sqpollAvgCpuPct : t.sqpollCpuPct;
  const sqMax = session && t.maxSqpoll !== t.sqpoll ? `max ${t.maxSqpoll}, ` : '';
  return (
    `${t.workers} iou-wrk (max ${t.maxWorkers}, CPU ${pct(w)}), ` +
    `${t.sqpoll} iou-sqp (${sqMax}CPU ${pct(s)})` +
    (t.growing ? ', GROWING: the worker count keeps rising' : '')
  );
}

/** The threads the summary reports: every process sampled in the session (exited ones too). */
const sessionThreads = (snap: ViewSnapshot): ReadonlyMap<number, ThreadInfo> =>
  snap.proc?.threadsSeen ?? snap.proc?.threads ?? new Map<number, ThreadInfo>();

/** Why a record has no name, in words. */
const WHY: Record<string, string> = {
  closed: 'closed before it was read',
  exited: 'process exited before it was read',
  denied: 'no access',
  unresolved: 'not read',
};

/** A file's line: `fd 5 /path (12 ops)`, `#0 registered: name (2 ops)`. */
export function fileText(r: FileRecord): string {
  const what = r.name ?? `(${WHY[r.state ?? ''] ?? 'not read'})`;
  const where = r.fixed ? `${fdText(r.fd, true)} registered` : `fd ${r.fd}`;
  return `${where} ${escape(what, 200)} (${formatCount(r.ops)} ops)`;
}

/** The (pid → records) of the session, most operations first. */
export function filesByProcess(snap: ViewSnapshot): Map<number, FileRecord[]> {
  const by = new Map<number, FileRecord[]>();
  for (const r of snap.proc?.fileList ?? []) {
    let list = by.get(r.pid);
    if (!list) by.set(r.pid, (list = []));
    list.push(r);
  }
  for (const list of by.values()) list.sort((a, b) => b.ops - a.ops || a.fd - b.fd);
  return by;
}

export function procSummaryLines(snap: ViewSnapshot): string[] {
  const proc = snap.proc;
  if (!proc) return [];
  const out: string[] = [];
  const procs = [...snap.processes].sort((a, b) => b.total.ops - a.total.ops || a.pid - b.pid);
  const threads = sessionThreads(snap);
  for (const p of procs) {
    const t = threads.get(p.pid);
    if (t && (t.workers > 0 || t.sqpoll > 0 || t.maxWorkers > 0 || t.maxSqpoll > 0))
      out.push(`workers: PID ${p.pid} ${escape(p.comm)}: ${threadsText(t, true)}`);
  }
  if (proc.origin === 'live' && out.length === 0 && threads.size > 0)
    out.push('workers: no iou-wrk or iou-sqp threads in the processes seen');
  const files = filesByProcess(snap);
  let listed = 0;
  for (const p of procs) {
    const list = files.get(p.pid);
    if (!list || listed >= PROCESSES_WITH_FILES) continue;
    listed++;
    if (listed === 1)
      out.push(
        // (the same words live and in replay: the two summaries of one session are the same)
        'Files (operations from the events seen):',
      );
    out.push(`  PID ${p.pid} ${escape(p.comm)}`);
    for (const r of list.slice(0, FILES_PER_PROCESS)) out.push(`    ${fileText(r)}`);
    if (list.length > FILES_PER_PROCESS)
      out.push(`    … and ${list.length - FILES_PER_PROCESS} more`);
  }
  return out;
}

/**
 * The JSON summary's io_uring threads, per process sampled in the session, exited ones with the
 * figures they had (live only; empty in a replay): the CPU over the session.
 */
export function threadsJson(snap: ViewSnapshot) {
  return [...sessionThreads(snap)]
    .sort((a, b) => a[0] - b[0])
    .map(([pid, t]) => ({
      pid,
      workers: t.workers,
      max_workers: t.maxWorkers,
      sqpoll: t.sqpoll,
      max_sqpoll: t.maxSqpoll,
      workers_cpu_pct: t.workersAvgCpuPct === undefined ? null : round1(t.workersAvgCpuPct),
      sqpoll_cpu_pct: t.sqpollAvgCpuPct === undefined ? null : round1(t.sqpollAvgCpuPct),
      workers_cpu_s: round2(t.workersCpuSec),
      sqpoll_cpu_s: round2(t.sqpollCpuSec),
      sampled_s: round2(t.sampledSec),
      growing: t.growing,
    }));
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

const round1 = (v: number): number => Math.round(v * 10) / 10;

/** The JSON summary's files: every (process, fd, name) with its operations. */
export function filesJson(snap: ViewSnapshot) {
  return (snap.proc?.fileList ?? [])
    .slice()
    .sort((a, b) => a.pid - b.pid || b.ops - a.ops || a.fd - b.fd)
    .map((r) => ({
      pid: r.pid,
      command: commToCsv(r.comm),
      fd: r.fd,
      fixed: r.fixed,
      // a path is the kernel's bytes too: written as a command name is (summaryJson.ts)
      name: r.name === null ? null : commToCsv(r.name),
      ...(r.state ? { state: r.state } : {}),
      ops: r.ops,
    }));
}
