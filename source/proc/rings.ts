/**
 * The rings of each process, from /proc/<pid>/fdinfo/<ring fd>: what io_uring itself says of a
 * ring (io_uring/fdinfo.c; fs/io_uring.c before 5.19). The ring fds are the process's fds whose
 * link reads `anon_inode:[io_uring]`, found by a scan of /proc/<pid>/fd every SCAN_MS (at most
 * MAX_SCANNED links read per process and scan, the lowest fds; how many were left is kept, and
 * the rings view shows it); their fdinfo is read every sample.
 *
 * fdinfo's lines (6.1 … 6.18; older kernels have fewer, each optional here):
 *   SqMask: 0xf / SqHead / SqTail / CachedSqHead / CqMask / CqHead / CqTail / CachedCqTail
 *   SQEs: n (then n lines), CQEs: n (then n lines)
 *   SqThread: tid or -1, SqThreadCpu: cpu or -1, SqTotalTime / SqWorkTime (6.13+, µs)
 *   UserFiles: n, then `%5u: name` per registered file (a path on new kernels, the base name on
 *   old ones, `<none>` for an empty slot)
 *   UserBufs: n, then `%5u: 0xaddr/len` per registered buffer
 *   PollList:, then a line per armed poll; CqOverflowList:, then a line per overflowed CQE
 */
import { fdTarget, openFds, PROC, ProcSampler, readProcText } from './procfs.js';

export const SCAN_MS = 5000;
export const MAX_SCANNED = 1024;
/** Registered-file names kept per ring (the count is always whole). */
export const MAX_FILE_NAMES = 4096;
/** Reads of a ring's fdinfo per sample while the kernel leaves io_uring's part out (readRing). */
export const BUSY_TRIES = 40;

export interface FdinfoRing {
  sqEntries?: number;
  sqHead?: number;
  sqTail?: number;
  cachedSqHead?: number;
  cqEntries?: number;
  cqHead?: number;
  cqTail?: number;
  cachedCqTail?: number;
  /** SQEs the application queued that the kernel has not consumed (SqTail − SqHead). */
  sqPending?: number;
  /** CQEs posted that the application has not reaped (CqTail − CqHead). */
  cqPending?: number;
  /** The SQPOLL thread's tid (undefined: not an SQPOLL ring) and the CPU it last ran on. */
  sqThread?: number;
  sqThreadCpu?: number;
  /** The SQPOLL thread's total and busy time (µs, 6.13+). */
  sqTotalTimeUs?: number;
  sqWorkTimeUs?: number;
  userFiles?: number;
  /** Registered-file names by index (`<none>`: an empty slot). */
  files: (string | undefined)[];
  userBufs?: number;
  /** CQEs on the overflow list: posted while the CQ was full, not yet in the ring. */
  overflow: number;
  /** Polls armed. */
  polls: number;
}

const num = (v: string): number | undefined => {
  const n = v.startsWith('0x') ? parseInt(v.slice(2), 16) : Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/** The fdinfo keys whose value is a field's as it is. */
const PLAIN_FIELDS = new Map<string, Exclude<keyof FdinfoRing, 'files' | 'overflow' | 'polls'>>(
  Object.entries({
    SqHead: 'sqHead',
    SqTail: 'sqTail',
    CachedSqHead: 'cachedSqHead',
    CqHead: 'cqHead',
    CqTail: 'cqTail',
    CachedCqTail: 'cachedCqTail',
    SqTotalTime: 'sqTotalTimeUs',
    SqWorkTime: 'sqWorkTimeUs',
    UserFiles: 'userFiles',
    UserBufs: 'userBufs',
  } as const),
);

/** An io_uring fdinfo text → its figures; undefined when the text is not a ring's. */
export function parseFdinfo(text: string): FdinfoRing | undefined {
  const r: FdinfoRing = { files: [], overflow: 0, polls: 0 };
  let section: 'files' | 'bufs' | 'overflow' | 'poll' | 'other' = 'other';
  let ring = false;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^([A-Za-z][A-Za-z ]*):\s*(.*)$/.exec(line);
    if (m && !/^\s/.test(line)) {
      const [, key, value] = m;
      section = 'other';
      const v = num(value.trim());
      const field = PLAIN_FIELDS.get(key);
      if (field !== undefined) r[field] = v;
      switch (key) {
        case 'SqMask':
          ring = true;
          if (v !== undefined) r.sqEntries = v + 1;
          break;
        case 'CqMask':
          ring = true;
          if (v !== undefined) r.cqEntries = v + 1;
          break;
        case 'SqThread':
          ring = true;
          if (v !== undefined && v >= 0) r.sqThread = v;
          break;
        case 'SqThreadCpu':
          if (v !== undefined && v >= 0) r.sqThreadCpu = v;
          break;
        case 'UserFiles':
          ring = true;
          section = 'files';
          break;
        case 'UserBufs':
          section = 'bufs';
          break;
        case 'CqOverflowList':
          section = 'overflow';
          break;
        case 'PollList':
          section = 'poll';
          break;
      }
      continue;
    }
    // a line of the section above
    if (section === 'files') {
      const f = /^\s*(\d+): (.*)$/.exec(line);
      if (f && Number(f[1]) < MAX_FILE_NAMES)
        r.files[Number(f[1])] = f[2] === '<none>' ? undefined : f[2];
    } else if (section === 'overflow') r.overflow++;
    else if (section === 'poll') r.polls++;
  }
  if (!ring) return undefined;
  if (r.sqTail !== undefined && r.sqHead !== undefined) r.sqPending = (r.sqTail - r.sqHead) >>> 0;
  if (r.cqTail !== undefined && r.cqHead !== undefined) r.cqPending = (r.cqTail - r.cqHead) >>> 0;
  return r;
}

export interface RingInfo extends FdinfoRing {
  pid: number;
  fd: number;
}

interface ProcRings {
  fds: number[];
  scannedMs: number;
  rings: RingInfo[];
  /** Descriptors past the first MAX_SCANNED, not looked at: a ring among them is not shown. */
  unscanned: number;
  /** Why they cannot be read (no access, exited), if so. */
  failure?: string;
}

/** Reads the rings of the processes it is asked for (ProcSampler). */
export class RingScanner extends ProcSampler<ProcRings> {
  protected async round(pids: readonly number[], nowMs: number): Promise<void> {
    await Promise.all(pids.map((pid) => this.sampleOne(pid, nowMs)));
  }

  private async sampleOne(pid: number, nowMs: number): Promise<void> {
    let p = this.procs.get(pid);
    if (!p || nowMs - p.scannedMs >= SCAN_MS) {
      const found = await ringFds(pid, this.root);
      if ('failure' in found) {
        this.procs.set(pid, {
          fds: [],
          scannedMs: nowMs,
          rings: [],
          unscanned: 0,
          failure: found.failure,
        });
        return;
      }
      p = { fds: found.fds, scannedMs: nowMs, rings: [], unscanned: found.unscanned };
      this.procs.set(pid, p);
    }
    const read = await Promise.all(p.fds.map((fd) => this.readRing(pid, fd)));
    const rings: RingInfo[] = [];
    let closed = false;
    p.fds.forEach((fd, i) => {
      const r = read[i];
      if (r === 'closed') closed = true;
      else if (r !== 'busy') rings.push({ pid, fd, ...r });
      else {
        // the kernel said nothing of it this time: its last reading stands
        const was = p.rings.find((x) => x.fd === fd);
        if (was) rings.push(was);
      }
    });
    // a ring closed since the scan (or a descriptor that is not a ring now): look again next time
    if (closed) p.scannedMs = 0;
    p.rings = rings;
  }

  /**
   * One ring's fdinfo. A kernel that writes io_uring's part of it only when it gets the ring's
   * lock at once (6.18 here: `mutex_trylock`) leaves it out while the ring's task holds the lock
   * in a submission, which a busy ring does most of the time (170 of 200 reads of a NOP loop's
   * ring came back without it): read again, up to BUSY_TRIES times, before calling it busy. (A
   * descriptor closed and reused for something else reads the same; the scan every SCAN_MS
   * finds that out.)
   */
  private async readRing(pid: number, fd: number): Promise<FdinfoRing | 'closed' | 'busy'> {
    for (let i = 0; i < BUSY_TRIES; i++) {
      const text = await readProcText(`${this.root}/${pid}/fdinfo/${fd}`);
      if (text === undefined) return 'closed';
      const parsed = parseFdinfo(text);
      if (parsed) return parsed;
    }
    return 'busy';
  }

  rings(): RingInfo[] {
    const out: RingInfo[] = [];
    for (const p of this.procs.values()) out.push(...p.rings);
    return out;
  }

  /** Processes with more descriptors than a scan reads, and how many it did not read. */
  unscanned(): Map<number, number> {
    const out = new Map<number, number>();
    for (const [pid, p] of this.procs) if (p.unscanned > 0) out.set(pid, p.unscanned);
    return out;
  }

  /** Processes whose rings could not be read, and why. */
  failures(): Map<number, string> {
    const out = new Map<number, string>();
    for (const [pid, p] of this.procs) if (p.failure) out.set(pid, p.failure);
    return out;
  }

  /**
   * The name of registered file `index` of a process: the one its rings' tables give, when
   * exactly one name is found there (several rings with different files at that index: unknown).
   */
  registeredName(pid: number, index: number): string | undefined {
    const p = this.procs.get(pid);
    if (!p) return undefined;
    let name: string | undefined;
    for (const r of p.rings) {
      const n = r.files[index];
      if (n === undefined) continue;
      if (name !== undefined && name !== n) return undefined;
      name = n;
    }
    return name;
  }
}

/**
 * The process's io_uring ring fds (its fds linked to anon_inode:[io_uring]) among its first
 * MAX_SCANNED, and how many fds past those were not looked at (the view says so).
 */
export async function ringFds(
  pid: number,
  root = PROC,
): Promise<{ fds: number[]; unscanned: number } | { failure: string }> {
  const all = await openFds(pid, root);
  if ('failure' in all) return { failure: all.failure };
  const sorted = all.fds.sort((a, b) => a - b);
  const fds = sorted.slice(0, MAX_SCANNED);
  const targets = await Promise.all(fds.map((fd) => fdTarget(pid, fd, root)));
  return {
    fds: fds.filter((_fd, i) => {
      const t = targets[i];
      return 'target' in t && t.target === 'anon_inode:[io_uring]';
    }),
    unscanned: sorted.length - fds.length,
  };
}
