/**
 * The live model: pure TypeScript (no React, no I/O, no clock of its own) that every view reads,
 * live and replayed alike.
 *
 * ## Use
 * ```ts
 * const model = new Model({ bufferEvents: 1_000_000, bufferSeconds: 60 });
 * source.onEvent = (ev) => model.push(ev);        // hot path; ev may be a reused object
 * every tick: model.advance(nowUs);               // live: Date.now()*1000; replay: virtual clock
 *             const snap = model.snapshot({ windowUs: refreshMs * 1000 });
 * ```
 * The clock is explicit: the model never reads the time. Its "now" is the latest advance() or
 * event time, whichever is later; the same pushes and advance() calls always give the same
 * snapshot, which is what makes replay and seeking (reset(), then re-feed) deterministic.
 *
 * ## Model (model.ts)
 * - `new Model(opts?)` — ModelOptions: bufferEvents (1,000,000), bufferSeconds (60), windowUs (1 s),
 *   seriesSeconds (60), maxProcesses (4096; the idlest row is evicted beyond it, and counted).
 * - `push(ev)` — one event: into the ring buffer and the since-start and per-second aggregates.
 * - `advance(nowUs)` — moves the clock (closing finished seconds, aging out old events).
 * - `snapshot({ windowUs?, series?, recentLimit?, recentFilter? })` — an immutable Snapshot;
 *   window figures cover (now − windowUs, now], for any window (0.25–10 s in the UI).
 * - `recentEvents(filter?, limit?)` — the newest buffered events passing a filter, newest last
 *   (the drill-down's event list, without building a whole snapshot).
 * - `setCaptureCounters({ lost?, dropped?, overflow?, unmatched?, malformed? })`, `reset()`.
 *
 * Process identity is pid + command name: a pid reused by another command is a new row.
 * A process row's operations exclude IO_URING_ENTER (the syscall); its enter* fields and the
 * IO_URING_ENTER opcode row count those. Bytes are counted only from positive results of
 * read-class / write-class operations; an error is any negative result.
 *
 * ## Snapshot (snapshot.ts)
 * Types: Snapshot, TotalsRow, ProcessRow, OpcodeRow, ProcessOpcodeRow, RowStats, Series,
 * OpcodeShare, ErrnoRow, EnterStats, BufferStats, CaptureCounters.
 *
 * ## Selectors (select.ts)
 * - `Filter` { pids?, comms?, opcodes? } — values of one key OR, keys AND; comm = case-sensitive
 *   substring; a row is constrained only by fields it has (process rows match opcodes via their mix).
 * - `parseFilter(text)` — `pid:1,2 comm:pg op:READ,WRITE` → { ok, filter } | { ok: false, error }.
 * - `formatFilter(filter)`, `isEmptyFilter(filter)`, `matchesFilter(row, filter)`.
 * - `applyFilter(rows, filter)`, `sortRows(rows, column, 'asc' | 'desc')` — pure, new arrays.
 *
 * ## Formatting and report
 * - format.ts: `formatCount`, `formatBytes`, `formatRate`, `formatLatencyNs`, `formatPercent`,
 *   `escapeText`.
 * - summary.ts: `formatSummary(snapshot, info?)` — the headless text report.
 * - errno.ts: `errnoName(n)`, `errnoCode(name)`.
 * - histogram.ts: `LatencyHistogram` (log-linear, ≤ 0.8 % relative error).
 * - ring.ts: `EventRing`, `RING_BYTES_PER_EVENT` (the struct-of-arrays buffer).
 */
export {
  Model,
  DEFAULT_BUFFER_EVENTS,
  DEFAULT_BUFFER_SECONDS,
  DEFAULT_MAX_PROCESSES,
  DEFAULT_SERIES_SECONDS,
  DEFAULT_WINDOW_US,
  type ModelOptions,
  type SnapshotOptions,
} from './model.js';
export type * from './snapshot.js';
export {
  applyFilter,
  formatFilter,
  isEmptyFilter,
  matchesFilter,
  parseFilter,
  sortRows,
  type Filter,
  type FilterableRow,
  type ParseFilterResult,
  type SortColumn,
  type SortDirection,
} from './select.js';
export {
  escapeText,
  formatBytes,
  formatCount,
  formatLatencyNs,
  formatPercent,
  formatRate,
} from './format.js';
export { formatSummary, type SummaryInfo } from './summary.js';
export { errnoCode, errnoName, MAX_ERRNO } from './errno.js';
export { LatencyHistogram } from './histogram.js';
export { EventRing, RING_BYTES_PER_EVENT } from './ring.js';
export { type IoEvent, type EventSink, emptyEvent, copyEvent } from './event.js';
export { IO_URING_ENTER, opcodeName, opcodeCode, opcodeDirection } from './opcodes.js';
