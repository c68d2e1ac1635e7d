/**
 * The files of one process, from the rolling event buffer: per descriptor (or registered-file
 * index) the operations, bytes and latencies of the events still buffered. The model keeps no
 * per-file aggregate (the kernel's counters are per process and opcode), so these figures cover
 * the buffer (--buffer-seconds / --buffer-events) and only the events received: with events
 * lost or sampled they are a part of the whole. With counts, only the events they already
 * include (not those of the last second, not counted yet). Run on demand (the drill-down),
 * never per event.
 */
import type { Core } from './core.js';
import { DIR } from './core.js';
import { fdOf, isFixedFd } from './event.js';
import { LatencyHistogram } from './histogram.js';
import { IO_URING_ENTER } from './opcodes.js';

export interface FileStat {
  readonly fd: number;
  /** `fd` is an index into the registered-file table (IOSQE_FIXED_FILE), not a descriptor. */
  readonly fixed: boolean;
  /** Buffered events on it, and the bytes their successful reads / writes moved. */
  readonly ops: number;
  readonly readBytes: number;
  readonly writeBytes: number;
  readonly errors: number;
  /** Latency of those events (ns; 0 when none had one). */
  readonly p99Ns: number;
  readonly lastSeenUs: number;
}

/** The process's files in the buffer, most operations first, at most `limit`. */
export function fileStats(core: Core, pid: number, limit = 50): FileStat[] {
  const ring = core.ring;
  const by = new Map<
    number,
    {
      ops: number;
      rd: number;
      wr: number;
      err: number;
      last: number;
      lat: LatencyHistogram | undefined;
    }
  >();
  // only the events the counts already include: a file never shows more than its process's total
  const until = core.countedUntilUs;
  for (let i = 0; i < ring.size; i++) {
    const p = ring.at(i);
    if (ring.pid[p] !== pid || ring.tsUs[p] > until) continue;
    const word = ring.fd[p];
    const op = ring.opcode[p];
    // no file (fd 0 and not registered), AT_FDCWD, or the ring itself (io_uring_enter)
    if (op === IO_URING_ENTER || (word === 0 && !isFixedFd(word)) || word < 0) continue;
    let s = by.get(word);
    if (!s) by.set(word, (s = { ops: 0, rd: 0, wr: 0, err: 0, last: 0, lat: undefined }));
    s.ops++;
    const res = ring.result[p];
    if (ring.hasResult[p] === 1 && res < 0) s.err++;
    else if (res > 0 && ring.hasResult[p] === 1) {
      if (DIR[op] === 1) s.rd += res;
      else if (DIR[op] === 2) s.wr += res;
    }
    const lat = ring.latencyNs[p];
    if (lat > 0) (s.lat ??= new LatencyHistogram()).record(lat);
    if (ring.tsUs[p] > s.last) s.last = ring.tsUs[p];
  }
  return [...by]
    .sort((a, b) => b[1].ops - a[1].ops || a[0] - b[0])
    .slice(0, limit)
    .map(([word, s]) => ({
      fd: fdOf(word),
      fixed: isFixedFd(word),
      ops: s.ops,
      readBytes: s.rd,
      writeBytes: s.wr,
      errors: s.err,
      p99Ns: s.lat ? s.lat.percentile(99) : 0,
      lastSeenUs: s.last,
    }));
}
