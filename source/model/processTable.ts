/**
 * The process rows: found by (pid, command name) on the hot path, interned command names, and a
 * bound on their number (the idlest row is evicted, and counted).
 */
import { ProcRow, PxRow, type StatRow } from './rows.js';

export class ProcessTable {
  /** Rows by pid: a chain (nextSamePid) of the names seen under that pid, latest first. */
  private byPid = new Map<number, ProcRow>();
  private byUid = new Map<number, ProcRow>();
  /** Every row, in first-seen order. */
  procs: ProcRow[] = [];
  private nextUid = 1;
  /** Rows evicted to keep at most maxProcesses. */
  evicted = 0;
  private lastProc: ProcRow | undefined = undefined;
  private commIds = new Map<string, number>();
  /** Interned command names, by id. */
  comms: string[] = [];

  constructor(
    private readonly maxProcesses: number,
    private readonly seriesSeconds: number,
  ) {}

  /** The row of (pid, comm), made on first sight. */
  procFor(pid: number, comm: string): ProcRow {
    const last = this.lastProc;
    if (last !== undefined && last.pid === pid && last.comm === comm) return last;
    const head = this.byPid.get(pid);
    let r = head;
    let prev: ProcRow | undefined;
    while (r !== undefined && r.comm !== comm) {
      prev = r;
      r = r.nextSamePid;
    }
    if (r === undefined) {
      r = this.newProc(pid, comm);
    } else if (prev !== undefined) {
      // Move to the front of the pid's chain: the name seen last is the likeliest next.
      prev.nextSamePid = r.nextSamePid;
      r.nextSamePid = head;
      this.byPid.set(pid, r);
    }
    this.lastProc = r;
    return r;
  }

  /** The command name seen last under a pid (the head of its chain), if it has a row. */
  commOf(pid: number): string | undefined {
    return this.byPid.get(pid)?.comm;
  }

  byId(uid: number): ProcRow | undefined {
    return this.byUid.get(uid);
  }

  private newProc(pid: number, comm: string): ProcRow {
    if (this.procs.length >= this.maxProcesses) this.evictIdlest();
    let commId = this.commIds.get(comm);
    if (commId === undefined) {
      commId = this.comms.length;
      this.comms.push(comm);
      this.commIds.set(comm, commId);
    }
    const row = new ProcRow(this.nextUid++, pid, comm, commId, this.seriesSeconds);
    row.nextSamePid = this.byPid.get(pid);
    this.byPid.set(pid, row);
    this.byUid.set(row.uid, row);
    this.procs.push(row);
    return row;
  }

  /** Drops the process row that has been idle longest (fewest operations on a tie). */
  private evictIdlest(): void {
    let victim = -1;
    for (let i = 0; i < this.procs.length; i++) {
      const p = this.procs[i];
      if (victim < 0) {
        victim = i;
        continue;
      }
      const v = this.procs[victim];
      if (p.lastUs < v.lastUs || (p.lastUs === v.lastUs && p.t.ops < v.t.ops)) victim = i;
    }
    if (victim < 0) return;
    const row = this.procs[victim];
    this.procs.splice(victim, 1);
    this.byUid.delete(row.uid);
    let r = this.byPid.get(row.pid);
    let prev: ProcRow | undefined;
    while (r !== undefined && r !== row) {
      prev = r;
      r = r.nextSamePid;
    }
    if (r === row) {
      if (prev === undefined) {
        if (row.nextSamePid === undefined) this.byPid.delete(row.pid);
        else this.byPid.set(row.pid, row.nextSamePid);
      } else {
        prev.nextSamePid = row.nextSamePid;
      }
    }
    if (this.lastProc === row) this.lastProc = undefined;
    this.evicted++;
  }

  /**
   * An independent copy whose rows are copies of these; `rows` receives old → new for every row
   * (process and process × opcode), so the caller can map its own references.
   */
  clone(rows: Map<StatRow, StatRow>): ProcessTable {
    const c = new ProcessTable(this.maxProcesses, this.seriesSeconds);
    const procRow = (p: ProcRow): ProcRow => rows.get(p) as ProcRow;
    c.procs = this.procs.map((p) => {
      const n = p.copyStatsTo(new ProcRow(p.uid, p.pid, p.comm, p.commId, this.seriesSeconds));
      rows.set(p, n);
      for (const x of p.pxList) {
        const nx = x.copyStatsTo(new PxRow(n, x.opcode, this.seriesSeconds));
        n.px[x.opcode] = nx;
        n.pxList.push(nx);
        rows.set(x, nx);
      }
      return n;
    });
    for (const p of this.procs)
      procRow(p).nextSamePid = p.nextSamePid === undefined ? undefined : procRow(p.nextSamePid);
    c.byPid = new Map([...this.byPid].map(([pid, p]) => [pid, procRow(p)]));
    c.byUid = new Map([...this.byUid].map(([uid, p]) => [uid, procRow(p)]));
    c.nextUid = this.nextUid;
    c.evicted = this.evicted;
    c.lastProc = this.lastProc === undefined ? undefined : procRow(this.lastProc);
    c.commIds = new Map(this.commIds);
    c.comms = [...this.comms];
    return c;
  }
}
