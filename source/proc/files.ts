/**
 * Files instead of bare fds: which file, socket or pipe each (process, fd) of the event stream
 * is, read from /proc/<pid>/fd/<fd>, cached, and kept right when the fd number is reused.
 *
 * - note(ev), on the hot path, only counts: a Map lookup per event with an fd, an object only
 *   for a (pid, fd) not seen before (and for OPENAT / ACCEPT / SOCKET / CLOSE, see below).
 * - resolve(), once per tick, does the /proc work, asynchronously and bounded (MAX_CHECKS per
 *   tick, in parallel groups of PARALLEL): new entries are read (readlink; a socket's inode is
 *   looked up in the process's /proc/<pid>/net tables), known ones revalidated.
 *
 * Reuse of an fd number is caught two ways, because neither alone is enough:
 * - from the events, exactly and in order: an OPENAT, OPENAT2, ACCEPT or SOCKET whose result is
 *   the fd, or a CLOSE of it, ends what was known of that number (its name, with the times it
 *   was seen, goes to the history); later events start a new entry;
 * - from /proc, for what the events cannot see (open(2), close(2), dup2(2) outside io_uring):
 *   an entry with new events since its last check is revalidated every REVALIDATE_MS by the
 *   device and inode its link leads to (one stat); when they changed, the old name goes to the
 *   history and the link is read again. Events in between can be put under the old name:
 *   at most REVALIDATE_MS plus the capture's own delay (about a second).
 * A name can only be read while the fd is open: a file opened, used and closed within about a
 * second (the capture's delay) stays unnamed ("closed").
 *
 * Registered files (IOSQE_FIXED_FILE) are never looked up as fds: their names come from the
 * ring's registered-file table in /proc/<pid>/fdinfo (rings.ts), when exactly one ring of the
 * process has a file at that index.
 *
 * The cache holds at most MAX_ENTRIES entries (the least recently used go first) and the history
 * at most MAX_HISTORY (oldest first); both say how many they let go.
 */
import { packFd, type IoEvent } from '../model/event.js';
import { IO_URING_ENTER } from '../model/opcodes.js';
import {
  fdIdentity,
  fdTarget,
  PROC,
  socketInode,
  socketTable,
  type ProcFailure,
} from './procfs.js';

const OPENAT = 18;
const CLOSE = 19;
const OPENAT2 = 28;
const ACCEPT = 13;
const SOCKET = 45;

export const MAX_ENTRIES = 4096;
export const MAX_HISTORY = 4096;
export const MAX_CHECKS = 256;
const PARALLEL = 32;
export const REVALIDATE_MS = 2000;

export type FileState = 'pending' | 'named' | ProcFailure | 'registered';

export interface FileEntry {
  pid: number;
  fd: number;
  /** A registered-file index (IOSQE_FIXED_FILE), not a descriptor. */
  fixed: boolean;
  comm: string;
  /** Event times (µs) of the first and latest operation seen on it. */
  firstUs: number;
  lastUs: number;
  ops: number;
  /** What it is: a path, `TCP a->b ESTABLISHED`, `pipe:[123]`, `anon_inode:[io_uring]`, … */
  name?: string;
  state: FileState;
  dev: number;
  ino: number;
  /** Wall-clock ms of the last look in /proc (0: never), and lastUs at that look. */
  checkedMs: number;
  checkedLastUs: number;
}

/** A name as the sidecar keeps it: what (pid, fd) was, and when. */
export interface FileRecord {
  pid: number;
  comm: string;
  fd: number;
  fixed: boolean;
  name: string | null;
  /** Why there is no name: closed, exited, denied, … (absent when named). */
  state?: string;
  firstUs: number;
  lastUs: number;
  ops: number;
}

/**
 * The key of (pid, fd, fixed) in one exact number: pid (< 2^22) above the fd's 31-bit word
 * (packFd: a registered index has bit 30 set); fds are positive here. 53 bits in all.
 */
export function fileKey(pid: number, fd: number, fixed: boolean): number {
  return pid * 0x80000000 + (packFd(fd, fixed) & 0x7fffffff);
}

/** Registered-file names of a process: index → the names the rings' tables give it. */
export type RegisteredNames = (pid: number, index: number) => string | undefined;

export class FdResolver {
  readonly entries = new Map<number, FileEntry>();
  readonly history: FileRecord[] = [];
  /** Entries let go to keep the bounds. */
  evicted = 0;
  historyDropped = 0;
  /** /proc reads done, in all (for tests and the curious). */
  reads = 0;
  private running = false;

  constructor(private readonly root = PROC) {}

  /** One event (hot path): counts it under its (pid, fd); new descriptors end old entries. */
  note(ev: IoEvent): void {
    const op = ev.opcode;
    if (op === IO_URING_ENTER) return;
    if (
      (op === OPENAT || op === OPENAT2 || op === ACCEPT || op === SOCKET) &&
      ev.hasResult &&
      ev.result >= 0
    ) {
      this.end(fileKey(ev.pid, ev.result, false));
    }
    const fd = ev.fd;
    if (!ev.fixedFile && fd <= 0) return;
    const key = fileKey(ev.pid, fd, ev.fixedFile);
    if (op === CLOSE && ev.hasResult && ev.result === 0) {
      this.end(key);
      return;
    }
    let e = this.entries.get(key);
    if (e === undefined) {
      e = {
        pid: ev.pid,
        fd,
        fixed: ev.fixedFile,
        comm: ev.comm,
        firstUs: ev.tsUs,
        lastUs: ev.tsUs,
        ops: 0,
        state: 'pending',
        dev: 0,
        ino: 0,
        checkedMs: 0,
        checkedLastUs: 0,
      };
      this.entries.set(key, e);
    }
    e.ops++;
    if (ev.tsUs > e.lastUs) e.lastUs = ev.tsUs;
  }

  /** What (pid, fd) was is over: its record to the history, the entry forgotten. */
  private end(key: number): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    // closed (or replaced) before /proc was read: it will never be
    if (e.state === 'pending') e.state = 'closed';
    this.archive(e);
  }

  private archive(e: FileEntry): void {
    if (e.ops === 0) return;
    this.history.push(recordOf(e));
    if (this.history.length > MAX_HISTORY) {
      this.history.shift();
      this.historyDropped++;
    }
  }

  /** The entry for (pid, fd, fixed), if any. */
  get(pid: number, fd: number, fixed: boolean): FileEntry | undefined {
    return this.entries.get(fileKey(pid, fd, fixed));
  }

  /**
   * The /proc work of one tick: names for new entries, revalidation of active ones, the bound
   * kept. At most MAX_CHECKS reads; a call while the previous one runs does nothing.
   */
  async resolve(nowMs: number, registered?: RegisteredNames): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      this.evict();
      const todo: FileEntry[] = [];
      const revalidate: FileEntry[] = [];
      for (const e of this.entries.values()) {
        if (e.fixed) {
          const name = registered?.(e.pid, e.fd);
          e.name = name;
          e.state = 'registered';
          continue;
        }
        if (e.state === 'exited' || e.state === 'closed' || e.state === 'error') {
          // it stays so until the fd is seen in use again
          if (e.lastUs === e.checkedLastUs) continue;
          todo.push(e);
        } else if (e.state === 'pending') todo.push(e);
        else if (
          e.lastUs !== e.checkedLastUs &&
          nowMs - e.checkedMs >= REVALIDATE_MS &&
          e.state === 'named'
        )
          revalidate.push(e);
      }
      const work = todo.concat(revalidate).slice(0, MAX_CHECKS);
      const sockets = new Map<number, Promise<Map<number, string>>>();
      const socketsOf = (pid: number) => {
        let t = sockets.get(pid);
        if (!t) sockets.set(pid, (t = socketTable(pid, this.root)));
        return t;
      };
      for (let i = 0; i < work.length; i += PARALLEL) {
        await Promise.all(work.slice(i, i + PARALLEL).map((e) => this.check(e, nowMs, socketsOf)));
      }
    } finally {
      this.running = false;
    }
  }

  /** Reads (or revalidates) one entry. */
  private async check(
    e: FileEntry,
    nowMs: number,
    socketsOf: (pid: number) => Promise<Map<number, string>>,
  ): Promise<void> {
    const seen = e.lastUs;
    this.reads++;
    const id = await fdIdentity(e.pid, e.fd, this.root);
    e.checkedMs = nowMs;
    e.checkedLastUs = seen;
    if ('failure' in id) {
      if (e.state === 'named') {
        // it was open and now is not: what it was goes to the history
        this.archive(e);
        e.ops = 0;
        e.firstUs = seen;
      }
      e.state = id.failure;
      e.name = undefined;
      return;
    }
    if (e.state === 'named' && id.dev === e.dev && id.ino === e.ino) return;
    if (e.state === 'named') {
      // the number now refers to another file: the old name's record ends here
      this.archive(e);
      e.ops = 0;
      e.firstUs = seen;
    }
    this.reads++;
    const t = await fdTarget(e.pid, e.fd, this.root);
    if ('failure' in t) {
      e.state = t.failure;
      e.name = undefined;
      return;
    }
    let name = t.target;
    const inode = socketInode(name);
    if (inode !== undefined) name = (await socketsOf(e.pid)).get(inode) ?? name;
    e.name = name;
    e.state = 'named';
    e.dev = id.dev;
    e.ino = id.ino;
  }

  /** Keeps MAX_ENTRIES: the entries used longest ago go (to the history when they had ops). */
  private evict(): void {
    if (this.entries.size <= MAX_ENTRIES) return;
    const byAge = [...this.entries].sort((a, b) => a[1].lastUs - b[1].lastUs);
    const drop = this.entries.size - Math.floor(MAX_ENTRIES * 0.9);
    for (let i = 0; i < drop; i++) {
      const [key, e] = byAge[i];
      this.entries.delete(key);
      this.archive(e);
      this.evicted++;
    }
  }

  /** Everything known, for the sidecar: the history, then the current entries. */
  records(): FileRecord[] {
    const out = this.history.slice();
    for (const e of this.entries.values()) if (e.ops > 0) out.push(recordOf(e));
    return out;
  }
}

function recordOf(e: FileEntry): FileRecord {
  const r: FileRecord = {
    pid: e.pid,
    comm: e.comm,
    fd: e.fd,
    fixed: e.fixed,
    name: e.name ?? null,
    firstUs: e.firstUs,
    lastUs: e.lastUs,
    ops: e.ops,
  };
  if (e.name === undefined) r.state = e.state === 'pending' ? 'unresolved' : e.state;
  return r;
}

/** How a file shows: its name, or a word in parentheses saying why there is none. */
export function fileLabel(e: Pick<FileEntry, 'name' | 'state' | 'fixed'>): string {
  if (e.name !== undefined) return e.name;
  switch (e.state) {
    case 'pending':
      return '…';
    case 'closed':
      return '(closed before it was read)';
    case 'exited':
      return '(process exited)';
    case 'denied':
      return '(no access)';
    case 'registered':
      return '(registered file)';
    default:
      return '(unreadable)';
  }
}
