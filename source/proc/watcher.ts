/**
 * The live source's eye on /proc: one sample per tick, for the processes the model has seen
 * lately (at most MAX_PIDS, the most recently active), of their files (files.ts), io_uring
 * threads (threads.ts) and rings (rings.ts). Everything is asynchronous and bounded per tick;
 * a tick that comes while the previous sample still runs skips it, so a slow /proc never queues
 * work or holds the UI.
 */
import type { IoEvent } from '../model/event.js';
import { CgroupLookup, sessionCgroups } from './cgroup.js';
import { FdResolver, fileLabel, fileKey } from './files.js';
import { PROC } from './procfs.js';
import { RingScanner } from './rings.js';
import { ThreadSampler } from './threads.js';
import type { ProcView, RingView } from './view.js';

/** Processes sampled per tick. */
export const MAX_PIDS = 64;

export class ProcWatcher {
  readonly files: FdResolver;
  readonly threads: ThreadSampler;
  readonly rings: RingScanner;
  readonly cgroups: CgroupLookup;
  private sampling: Promise<void> | undefined;
  private cached: ProcView | undefined;

  constructor(root = PROC) {
    this.files = new FdResolver(root);
    this.threads = new ThreadSampler(root);
    this.rings = new RingScanner(root);
    this.cgroups = root === PROC ? sessionCgroups : new CgroupLookup(root);
  }

  /** Hot path: one event (see FdResolver.note). */
  note(ev: IoEvent): void {
    this.files.note(ev);
  }

  /**
   * Starts a sample of these processes unless one is running; resolves when it is done (the
   * caller need not wait: a tick goes on with the previous sample's figures).
   */
  sample(pids: readonly number[], nowMs = Date.now()): Promise<void> {
    if (this.sampling) return this.sampling;
    const chosen = pids.slice(0, MAX_PIDS);
    this.sampling = (async () => {
      try {
        for (const pid of chosen) this.cgroups.get(pid, nowMs);
        await Promise.all([this.threads.sample(chosen, nowMs), this.rings.sample(chosen, nowMs)]);
        await this.files.resolve(nowMs, (pid, i) => this.rings.registeredName(pid, i));
      } finally {
        this.sampling = undefined;
        this.cached = undefined;
      }
    })();
    return this.sampling;
  }

  /** The latest figures, for the views (the same object until the next sample ends). */
  view(): ProcView {
    if (this.cached) return this.cached;
    const files = new Map<number, string>();
    for (const e of this.files.entries.values())
      files.set(fileKey(e.pid, e.fd, e.fixed), fileLabel(e));
    const rings: RingView[] = this.rings.rings().map((r) => ({
      ...r,
      sqThreadCpuPct:
        r.sqThread !== undefined ? this.threads.threadCpuPct(r.pid, r.sqThread) : undefined,
    }));
    this.cached = {
      origin: 'live',
      files,
      fileList: this.files.records(),
      threads: this.threads.all(),
      threadsSeen: this.threads.seen(),
      rings,
      ringFailures: this.rings.failures(),
      ringsUnscanned: this.rings.unscanned(),
      cgroups: this.cgroups.all(),
    };
    return this.cached;
  }
}
