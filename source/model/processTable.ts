/**
 * The process rows: one per pid, under its latest command name (an exec or a rename renames the
 * row, which keeps the names before), found on the hot path; interned command names; and a bound
 * on their number (the idlest rows are evicted, and counted).
 */
import { ProcRow, PxRow, RowSpares, type StatRow } from './rows.js';

/** Earlier names a process row keeps. */
const MAX_FORMER_NAMES = 4;

export class ProcessTable {
  /** Rows by pid. */
  private byPid = new Map<number, ProcRow>();
  private byUid = new Map<number, ProcRow>();
  /** Every row, in first-seen order. */
  procs: ProcRow[] = [];
  private nextUid = 1;
  /** Rows evicted to keep at most maxProcesses. */
  evicted = 0;
  private lastProc: ProcRow | undefined = undefined;
  /** What evicted rows leave for new ones (process and process × opcode rows). */
  readonly spares = new RowSpares();
  private commIds = new Map<string, number>();
  /** Interned command names, by id. */
  comms: string[] = [];

  constructor(
    private readonly maxProcesses: number,
    private readonly seriesSeconds: number,
  ) {}

  /** The row of a pid, made on first sight, named `comm` from now on. */
  procFor(pid: number, comm: string): ProcRow {
    const last = this.lastProc;
    const r =
      last !== undefined && last.pid === pid
        ? last
        : (this.byPid.get(pid) ?? this.newProc(pid, comm));
    // '?' (a name not learned) never hides one that was
    if (r.comm !== comm && comm !== '?') this.rename(r, comm);
    this.lastProc = r;
    return r;
  }

  private rename(r: ProcRow, comm: string): void {
    // the names before: each once, the latest last, never the one it has now
    const former = r.formerComms.filter((c) => c !== comm && c !== r.comm);
    if (r.comm !== '?') former.push(r.comm);
    r.formerComms = former.slice(-MAX_FORMER_NAMES);
    r.comm = comm;
    r.commId = this.commId(comm);
  }

  /** The command name seen last under a pid, if it has a row. */
  commOf(pid: number): string | undefined {
    return this.byPid.get(pid)?.comm;
  }

  byId(uid: number): ProcRow | undefined {
    return this.byUid.get(uid);
  }

  private commId(comm: string): number {
    let commId = this.commIds.get(comm);
    if (commId === undefined) {
      commId = this.comms.length;
      this.comms.push(comm);
      this.commIds.set(comm, commId);
    }
    return commId;
  }

  private newProc(pid: number, comm: string): ProcRow {
    if (this.procs.length >= this.maxProcesses) this.evictIdlest();
    const row = new ProcRow(
      this.nextUid++,
      pid,
      comm,
      this.commId(comm),
      this.seriesSeconds,
      this.spares,
    );
    this.byPid.set(pid, row);
    this.byUid.set(row.uid, row);
    this.procs.push(row);
    return row;
  }

  /**
   * Drops the rows idle longest (fewest operations on a tie): a sixteenth of the table at once
   * (one at least), so that a churn of short-lived processes (a build: thousands a second) pays
   * one sort per sixteenth of the table, not a scan of it per new process.
   */
  private evictIdlest(): void {
    const n = Math.max(1, Math.floor(this.procs.length / 16));
    const order = this.procs
      .map((p, i) => i)
      .sort((a, b) => {
        const p = this.procs[a];
        const q = this.procs[b];
        return p.lastUs - q.lastUs || p.t.ops - q.t.ops || a - b;
      });
    const gone = new Set<ProcRow>();
    for (let i = 0; i < n && i < order.length; i++) gone.add(this.procs[order[i]]);
    for (const row of gone) {
      this.byUid.delete(row.uid);
      if (this.byPid.get(row.pid) === row) this.byPid.delete(row.pid);
      if (this.lastProc === row) this.lastProc = undefined;
      this.evicted++;
      // (a row active in the current second is still listed to write its point when the second
      // ends, its series and histogram with it: those are not given away)
      for (const px of row.pxList) if (px.cSec === -1) this.spares.give(px);
      if (row.cSec === -1) this.spares.give(row);
    }
    this.procs = this.procs.filter((p) => !gone.has(p));
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
      n.formerComms = [...p.formerComms];
      rows.set(p, n);
      for (const x of p.pxList) {
        const nx = x.copyStatsTo(new PxRow(n, x.opcode, this.seriesSeconds));
        n.px[x.opcode] = nx;
        n.pxList.push(nx);
        rows.set(x, nx);
      }
      return n;
    });
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
