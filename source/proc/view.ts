/**
 * What /proc tells about the processes on screen, as the views read it: file names, io_uring
 * threads, rings. Built once per tick by the live source (watcher.ts) or, for names only, from a
 * recording's sidecar (sidecar.ts); carried in ViewSnapshot.proc. Names are untrusted text: escape
 * them (escape.ts) before they reach the screen.
 */
import type { FileStat } from '../model/files.js';
import type { Snapshot } from '../model/snapshot.js';
import { fileKey, type FileRecord } from './files.js';
import type { RingInfo } from './rings.js';
import type { ThreadInfo } from './threads.js';

export type { ThreadInfo } from './threads.js';
export type { RingInfo } from './rings.js';

export interface RingView extends RingInfo {
  /** CPU % of its SQPOLL thread over the last sample (undefined: none, or not yet known). */
  readonly sqThreadCpuPct?: number;
}

export interface ProcView {
  /** live: read from /proc now; recorded: names from the recording's sidecar (replay). */
  readonly origin: 'live' | 'recorded';
  /** fileKey(pid, fd, fixed) → what it is (a path, a socket, …) or why unknown, in parentheses. */
  readonly files: ReadonlyMap<number, string>;
  /**
   * Every (process, fd, name) of the session so far (live: the history and the current entries;
   * replay: the sidecar), with the operations seen on it in the events received.
   */
  readonly fileList: readonly FileRecord[];
  /** Per pid: its io-wq workers and SQPOLL threads (live only), of the processes sampled now. */
  readonly threads: ReadonlyMap<number, ThreadInfo>;
  /**
   * Per pid, every process sampled this session (live only): those of `threads`, and the last
   * figures of those no longer sampled (exited, idle). What the headless summary reports.
   */
  readonly threadsSeen?: ReadonlyMap<number, ThreadInfo>;
  /** Every ring of the processes sampled (live only). */
  readonly rings: readonly RingView[];
  /** Processes whose rings could not be read, and why (no access, exited). */
  readonly ringFailures: ReadonlyMap<number, string>;
  /**
   * Processes with more descriptors than the ring scan reads (MAX_SCANNED, the lowest), and how
   * many it did not read: a ring among those is not in `rings`. Absent: none.
   */
  readonly ringsUnscanned?: ReadonlyMap<number, number>;
}

/** The label of (pid, fd, fixed), if the view has one. */
export function fileName(
  view: ProcView | undefined,
  pid: number,
  fd: number,
  fixed: boolean,
): string | undefined {
  return view?.files.get(fileKey(pid, fd, fixed));
}

/** How an fd shows in a table: `5`, or `#0` for registered file 0 (never a bare number). */
export function fdText(fd: number, fixed: boolean): string {
  return fixed ? `#${fd}` : String(fd);
}

/**
 * What the views show: the model's snapshot (which knows nothing of /proc), with what the source
 * adds beside it.
 */
export interface ViewSnapshot extends Snapshot {
  /**
   * What /proc says (file names, io_uring threads, rings), added by the source: live, read now;
   * in a replay, the names recorded beside it; undefined when nothing is known.
   */
  readonly proc?: ProcView;
  /**
   * The files of the one process the tail filter names (the drill-down), from the buffered
   * events (model/files.ts), most operations first; undefined otherwise.
   */
  readonly files?: readonly FileStat[];
}
