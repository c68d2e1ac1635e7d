/**
 * The file names of a recording: `iouring_<stamp>.files.json` beside the CSV (which keeps the
 * seed's nine columns). One record per (process, fd or registered-file index, name): when it was
 * first and last seen with that name, and how many operations it had (events received).
 *
 *   { "format": "iouringtop-files/1", "recording": "iouring_X.csv", "complete": true,
 *     "files": [ { "pid", "comm", "fd", "fixed", "name", "state"?, "first", "last",
 *                  "first_us", "last_us", "ops" } ],
 *     "dropped": n, "cgroups": [ { "pid", "cgroup" } ] }
 *
 * `fixed` marks a registered-file index (IOSQE_FIXED_FILE): the CSV's fd column holds the index
 * (empty for index 0, as for any 0), and replay marks the rows of that process and fd within
 * [first_us, last_us] as registered (MarkingSink). `name` is null when the file could not be
 * named (`state` says why: closed, exited, denied). Names are the kernel's bytes, lone
 * surrogates standing for bytes that are not UTF-8 (model/comm.ts), escaped where shown.
 *
 * `cgroups` (absent in older files): each process's cgroup v2 path, as /proc/PID/cgroup said while
 * it ran (proc/cgroup.ts), so that a replay names them too.
 *
 * Written once, when the recording closes, to a temporary file renamed over the final name, so
 * a reader never sees half a file and no `.tmp` is left behind. Replay works without it.
 */
import path from 'node:path';
import type { IoEvent } from '../model/event.js';
import { isoLocal, readSidecarJson, sidecarPathFor } from '../record/meta.js';
import { DEFAULT_FILE_MODE, writeFileAtomically } from '../record/outputDir.js';
import { RefusedFile } from '../record/regularFile.js';
import { fileKey, type FileRecord } from './files.js';

export const FILES_FORMAT = 'iouringtop-files/1';

/** The most a files sidecar may hold (at most 8,192 records of a few hundred bytes are written). */
export const FILES_MAX_BYTES = 64 << 20;

/** `…/iouring_X.csv` or `.csv.gz` → `…/iouring_X.files.json`. */
export function filesPathFor(csvPath: string): string {
  return sidecarPathFor(csvPath, '.files.json');
}

/** A record as the file keeps it: its times as local ISO text and as µs. */
interface StoredRecord extends Omit<FileRecord, 'firstUs' | 'lastUs'> {
  first: string;
  last: string;
  first_us: number;
  last_us: number;
}

/** Writes the sidecar of `csvPath` atomically (temporary file, then rename: outputDir.ts). */
export async function writeFilesSidecar(
  csvPath: string,
  records: readonly FileRecord[],
  dropped: number,
  mode = DEFAULT_FILE_MODE,
  cgroups: ReadonlyMap<number, string> = new Map(),
): Promise<string> {
  const file = filesPathFor(csvPath);
  const stored: StoredRecord[] = records.map((r) => ({
    pid: r.pid,
    comm: r.comm,
    fd: r.fd,
    fixed: r.fixed,
    name: r.name,
    ...(r.state ? { state: r.state } : {}),
    first: isoLocal(new Date(r.firstUs / 1000)),
    last: isoLocal(new Date(r.lastUs / 1000)),
    first_us: r.firstUs,
    last_us: r.lastUs,
    ops: r.ops,
  }));
  const json = JSON.stringify(
    {
      format: FILES_FORMAT,
      recording: path.basename(csvPath),
      complete: true,
      files: stored,
      dropped,
      cgroups: [...cgroups].map(([pid, cgroup]) => ({ pid, cgroup })),
    },
    null,
    1,
  );
  await writeFileAtomically(file, `${json}\n`, mode);
  return file;
}

/** The names a recording's sidecar holds, for replay. */
export class RecordedFiles {
  /** By (pid, fd, fixed): the records, in time order. */
  private readonly by = new Map<number, FileRecord[]>();
  /** Processes with registered-file records: only their rows need a look (MarkingSink). */
  private readonly fixedPids = new Set<number>();

  constructor(
    readonly records: readonly FileRecord[],
    /** Each process's cgroup v2 path, where the capture read it. */
    readonly cgroups: ReadonlyMap<number, string> = new Map(),
  ) {
    for (const r of records) {
      const k = fileKey(r.pid, r.fd, r.fixed);
      let list = this.by.get(k);
      if (!list) this.by.set(k, (list = []));
      list.push(r);
      if (r.fixed) this.fixedPids.add(r.pid);
    }
    for (const list of this.by.values()) list.sort((a, b) => a.firstUs - b.firstUs);
  }

  get hasFixed(): boolean {
    return this.fixedPids.size > 0;
  }

  private covers(pid: number, fd: number, fixed: boolean, tsUs: number): boolean {
    const list = this.by.get(fileKey(pid, fd, fixed));
    return list !== undefined && list.some((r) => r.firstUs <= tsUs && tsUs <= r.lastUs);
  }

  /**
   * Whether a recorded row (whose CSV fd cannot say) was on a registered file: the sidecar has
   * the process using that index as a registered file at that time, and not that fd as a
   * descriptor. Rows without a file (fd 0 of an opcode that takes none) are never marked.
   */
  isFixed(ev: IoEvent): boolean {
    if (!this.fixedPids.has(ev.pid) || ev.fd < 0) return false;
    if (ev.fd === 0 && NO_FILE_OPS.has(ev.opcode)) return false;
    return this.covers(ev.pid, ev.fd, true, ev.tsUs) && !this.covers(ev.pid, ev.fd, false, ev.tsUs);
  }

  /** The name of (pid, fd, fixed) at time tsUs: the record covering it, else the nearest before. */
  nameAt(pid: number, fd: number, fixed: boolean, tsUs: number): FileRecord | undefined {
    const list = this.by.get(fileKey(pid, fd, fixed));
    if (!list) return undefined;
    let best: FileRecord | undefined;
    for (const r of list) if (r.firstUs <= tsUs) best = r;
    return best ?? list[0];
  }

  /** (pid, fd, fixed) keys and their record at time tsUs. */
  *at(tsUs: number): Generator<[number, FileRecord]> {
    for (const [k, list] of this.by) {
      let best: FileRecord | undefined;
      for (const r of list) if (r.firstUs <= tsUs) best = r;
      yield [k, best ?? list[0]];
    }
  }
}

/** Opcodes that take no file: a row of theirs with fd 0 is no registered index 0. */
const NO_FILE_OPS = new Set([0, 7, 11, 12, 14, 15, 20, 25, 31, 32, 50, 51, 52, 53, 62, 63, 255]);

/** Reads the sidecar of `csvPath`; undefined when there is none; throws a one-line error if bad. */
export async function readFilesSidecar(csvPath: string): Promise<RecordedFiles | undefined> {
  const file = filesPathFor(csvPath);
  let data: unknown;
  try {
    data = await readSidecarJson(file, FILES_MAX_BYTES);
  } catch (err) {
    if (err instanceof RefusedFile) throw err;
    throw new Error(`${path.basename(file)} is not JSON: remove it to replay without file names`);
  }
  if (data === undefined) return undefined;
  const d = data as { format?: unknown; files?: unknown; cgroups?: unknown };
  if (d.format !== FILES_FORMAT || !Array.isArray(d.files))
    throw new Error(
      `${path.basename(file)} is not an iouringtop files sidecar (${FILES_FORMAT}): remove it to replay without file names`,
    );
  const records: FileRecord[] = [];
  for (const x of d.files as StoredRecord[]) {
    if (
      !Number.isInteger(x.pid) ||
      !Number.isInteger(x.fd) ||
      typeof x.fixed !== 'boolean' ||
      !(typeof x.name === 'string' || x.name === null) ||
      !Number.isFinite(x.first_us) ||
      !Number.isFinite(x.last_us)
    )
      continue;
    records.push({
      pid: x.pid,
      comm: typeof x.comm === 'string' ? x.comm : '',
      fd: x.fd,
      fixed: x.fixed,
      name: x.name,
      state: typeof x.state === 'string' ? x.state : undefined,
      firstUs: x.first_us,
      lastUs: x.last_us,
      ops: Number.isInteger(x.ops) ? x.ops : 0,
    });
  }
  const cgroups = new Map<number, string>();
  for (const c of Array.isArray(d.cgroups) ? (d.cgroups as unknown[]) : []) {
    const x = c as { pid?: unknown; cgroup?: unknown };
    if (
      typeof x.pid === 'number' &&
      Number.isInteger(x.pid) &&
      typeof x.cgroup === 'string' &&
      x.cgroup.startsWith('/') &&
      x.cgroup.length <= 4096
    )
      cgroups.set(x.pid, x.cgroup);
  }
  return new RecordedFiles(records, cgroups);
}
