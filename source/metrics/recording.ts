/**
 * A recording as a list of exact counts deltas, for its export (export.ts): the kernel's counts
 * recorded beside it when they are whole (one delta per second of activity, as live), else its
 * events played through replay (record/playback.ts) and counted per second of their timestamps
 * (model/eventCounts.ts). A sampled recording without its counts holds one event in N: the figures
 * then count those only, as a replay of it does.
 */
import { EventCounts } from '../model/eventCounts.js';
import type { CountsDelta } from '../model/counts.js';
import type { IoEvent } from '../model/event.js';
import { OpcodeTable } from '../model/opcodes.js';
import { escape } from '../escape.js';
import { loadRecordedCounts } from '../record/countsFile.js';
import { readSessionMeta, type SessionMeta } from '../record/meta.js';
import { Playback, type ReplaySink } from '../record/playback.js';

const SECOND_US = 1_000_000;

export interface RecordingCounts {
  deltas: CountsDelta[];
  /** Where the figures come from. */
  from: 'recorded kernel counts' | 'events';
  /** When the session started (µs): the counters' zero. */
  startUs: number;
  meta: SessionMeta | null;
  opcodes: OpcodeTable;
  /** Why a counts file beside the recording was not used, if it was not. */
  note?: string;
  /** Rows skipped (--lenient), and a truncated last line, as replay reports them. */
  skipped: number;
  truncatedLine: string | null;
}

/**
 * Counts events per second of their timestamps: an event in (S − 1 s, S] goes into the delta
 * ending at S. Seconds end as replay's clock passes them; an event older than a second already
 * ended (a recording slightly out of order) joins the earliest one still open.
 */
class PerSecond implements ReplaySink {
  readonly deltas: CountsDelta[] = [];
  private readonly open = new Map<number, EventCounts>();
  private closedTo = Number.NEGATIVE_INFINITY;

  push(ev: IoEvent): void {
    let end = Math.ceil(ev.tsUs / SECOND_US) * SECOND_US;
    if (end <= this.closedTo) end = this.closedTo + SECOND_US;
    let c = this.open.get(end);
    if (c === undefined) this.open.set(end, (c = new EventCounts()));
    c.add(ev);
  }

  advance(nowUs: number): void {
    this.closeThrough(nowUs);
  }

  /** Ends every open second up to `us`, in time order. */
  closeThrough(us: number): void {
    for (const end of [...this.open.keys()].sort((a, b) => a - b)) {
      if (end > us) break;
      this.deltas.push(this.open.get(end)!.take(end, SECOND_US));
      this.open.delete(end);
      this.closedTo = end;
    }
  }

  reset(): void {
    this.deltas.length = 0;
    this.open.clear();
    this.closedTo = Number.NEGATIVE_INFINITY;
  }
}

/** Reads a recording's counts (see the module comment); throws a one-line error. */
export async function readRecordingCounts(
  file: string,
  opts: { lenient: boolean },
): Promise<RecordingCounts> {
  let refused: string | undefined;
  const meta = await readSessionMeta(file, (why) => (refused = `metadata ${escape(why, 200)}`));
  const opcodes = new OpcodeTable();
  for (const [name, code] of Object.entries(meta?.opcodeNames ?? {})) opcodes.learn(code, name);
  const metaStartUs = meta ? Date.parse(meta.startedAt) * 1000 : Number.NaN;
  const loaded = await loadRecordedCounts(file, meta);
  const { counts } = loaded;
  const note = [refused, loaded.note].filter((n) => n !== undefined).join('; ') || undefined;
  if (counts) {
    return {
      deltas: counts,
      from: 'recorded kernel counts',
      startUs: startOf(metaStartUs, counts),
      meta,
      opcodes,
      note,
      skipped: 0,
      truncatedLine: null,
    };
  }
  const sink = new PerSecond();
  const replay = await Playback.open(file, sink, {
    speed: 'max',
    lenient: opts.lenient,
    opcodes,
    checkpointEvents: 0,
  });
  try {
    const run = await replay.runToEnd();
    sink.closeThrough(Number.POSITIVE_INFINITY);
    return {
      deltas: sink.deltas,
      from: 'events',
      startUs: startOf(metaStartUs, sink.deltas),
      meta,
      opcodes,
      note,
      skipped: run.skipped,
      truncatedLine: run.truncatedLine,
    };
  } finally {
    replay.close();
  }
}

/**
 * The counters' zero: the session's start, as its metadata says, when that is before the end of
 * the first delta; else (no metadata, or a clock that disagrees) the first delta's start.
 */
function startOf(metaStartUs: number, deltas: readonly CountsDelta[]): number {
  if (deltas.length === 0) return Number.isNaN(metaStartUs) ? 0 : metaStartUs;
  const first = deltas[0];
  return metaStartUs < first.tsUs ? metaStartUs : first.tsUs - first.intervalUs;
}
