/**
 * `--interval S`: the headless report every S seconds, iostat-style, for `| tee`, `watch` and
 * scripts. Each interval is a compact text block (a line of totals, then the busiest processes
 * and opcodes), or with `--json` one JSON object on a line (`"type":"interval"`, with the
 * summary's totals/opcodes[]/processes[] schema over the interval's figures); the summary follows
 * the last one.
 *
 * Where the figures come from: the kernel's counts deltas (live, or recorded beside a replayed
 * recording), each delta in exactly one interval, so the intervals add up to the summary to the
 * operation. An interval closes with the delta that brings it to S seconds (give or take
 * SLACK_US: deltas come about a second apart, never exactly), so the same deltas make the same
 * intervals whether they come live or from a recording: a replay prints the live run's lines.
 * A recording without counts gives its figures from events: its intervals are then cut on a
 * fixed grid of S seconds from its first event.
 *
 * What became of each interval's events is said beside its figures: lost (bpftrace's buffers
 * overran; the figures stay exact, the event list misses them), sampled (1 in N sent), and
 * whether its latencies were sampled (the percentiles are estimates).
 *
 * Pure: deltas and events in, text out; the frontend writes it.
 */
import type { EventLines } from '../../bpf/spec.js';
import { escape } from '../escape.js';
import type { CountsDelta } from '../model/counts.js';
import type { IoEvent } from '../model/event.js';
import { Model } from '../model/model.js';
import type { OpcodeNames } from '../model/opcodes.js';
import type { Diagnostics, RowStats, Snapshot } from '../model/snapshot.js';
import { isoLocal } from '../record/meta.js';
import { formatCount, formatLatencyNs, formatRate } from '../format.js';
import { table, type Align } from './textTable.js';
import { jsonText, summaryRowsJson } from './summaryJson.js';

export interface IntervalOptions {
  /** The interval (µs). */
  everyUs: number;
  json: boolean;
  /** The session's opcode names. */
  opcodes: OpcodeNames;
  /** Which diagnostics the figures hold (null: unknown). */
  diagnostics: Diagnostics | null;
  /** Which events the capture sent: every one, a budget, 1 in N, none. */
  keeping: EventLines;
  /** Where the figures come from: the kernel's counts (pushCounts) or the events (push). */
  from: 'counts' | 'events';
  /** Rows of each table in a text block (default 5). */
  top?: number;
}

/** How far from S seconds an interval may close: deltas come about a second apart. */
export function slackUs(everyUs: number): number {
  return Math.min(everyUs / 2, 250_000);
}

/** One interval's facts besides its figures. */
interface Fate {
  /** Events the kernel counted (operations and io_uring_enter calls). */
  counted: number;
  /** Events it sent, where they are sampled (undefined: every one counted). */
  sent?: number;
  lost: number;
  /** Latency weight (the requests the histograms stand for) and samples taken. */
  weight: number;
  samples: number;
}

const noFate = (): Fate => ({ counted: 0, lost: 0, weight: 0, samples: 0 });

export class IntervalReporter {
  private model!: Model;
  /** The current interval's start, and the end of what it holds (µs); undefined: none open. */
  private startUs?: number;
  private endUs = 0;
  private fate: Fate = noFate();
  /** Events lost in the intervals printed so far. */
  private printedLost = 0;
  private readonly slack: number;

  constructor(private readonly opts: IntervalOptions) {
    if (!(opts.everyUs >= 100_000)) throw new Error('the interval must be at least 0.1 s');
    this.slack = slackUs(opts.everyUs);
    this.fresh();
  }

  private fresh(): void {
    this.model = new Model({
      opcodes: this.opts.opcodes,
      aggregate: this.opts.from,
      bufferEvents: 1000,
      bufferSeconds: 1,
      // (a report has no sparklines and no heatmap: no per-second history, for a row per
      // process, thousands a second under churn)
      seriesSeconds: 0,
      heatSeconds: 0,
    });
    this.model.setDiagnostics(this.opts.diagnostics);
    this.fate = noFate();
  }

  /** A counts delta; returns the text of the interval it completes ('' when none). */
  counts(d: CountsDelta): string {
    let out = '';
    const from = d.tsUs - d.intervalUs;
    // a gap (a recording that skipped idle intervals): what came before it is an interval
    if (this.startUs !== undefined && from - this.endUs > this.slack) out += this.close();
    this.startUs ??= from;
    this.model.pushCounts(d);
    this.endUs = Math.max(this.endUs, d.tsUs);
    const f = this.fate;
    let weight = 0;
    for (const r of d.rows) {
      f.counted += r.ops;
      for (let i = 1; i < r.latency.length; i += 2) weight += r.latency[i];
    }
    f.weight += weight;
    // (no word on samples: every latency was taken)
    f.samples += d.latencySamples ?? weight;
    if (d.sent !== undefined) f.sent = (f.sent ?? 0) + d.sent;
    f.lost += d.lost ?? 0;
    if (d.tsUs - this.startUs >= this.opts.everyUs - this.slack) out += this.close();
    return out;
  }

  /** An event (figures from events): returns the text of the intervals it completes. */
  event(ev: IoEvent): string {
    let out = '';
    let start = (this.startUs ??= ev.tsUs);
    while (ev.tsUs >= start + this.opts.everyUs) {
      start += this.opts.everyUs;
      this.endUs = start;
      out += this.close();
      this.startUs = start;
    }
    this.model.push(ev);
    this.fate.counted++;
    this.endUs = Math.max(this.endUs, ev.tsUs);
    return out;
  }

  /**
   * The rest, at the end: the open interval, its lost events made up so that the intervals' add
   * up to `totalLost` (the capture's final count: bpftrace's last word, or the events the kernel
   * sent that never came). An interval of no length carries them if none is open.
   */
  finish(totalLost: number | null): string {
    const missing = totalLost === null ? 0 : totalLost - this.printedLost - this.fate.lost;
    if (missing > 0 && this.endUs > 0) {
      this.fate.lost += missing;
      this.startUs ??= this.endUs;
    }
    return this.startUs === undefined ? '' : this.close();
  }

  /** The current interval's text; the next one starts where it ended. */
  private close(): string {
    const startUs = this.startUs ?? this.endUs;
    const endUs = Math.max(this.endUs, startUs);
    this.model.advance(endUs);
    const snap = this.model.snapshot({ series: false, recentLimit: 0 });
    const fate = this.fate;
    this.printedLost += fate.lost;
    const text = this.opts.json
      ? intervalJson(snap, startUs, endUs, fate, this.opts.keeping)
      : intervalText(snap, startUs, endUs, fate, this.opts.keeping, this.opts.top ?? 5);
    this.startUs = undefined;
    this.fresh();
    return text;
  }
}

/** 1 in how many of the interval's events were sent; null: none were (--no-events). */
function sampledOf(f: Fate, keeping: EventLines): number | null {
  if (keeping.kind === 'none') return null;
  if (keeping.kind === 'sample') return keeping.every;
  return f.sent !== undefined && f.sent > 0 && f.sent < f.counted
    ? Math.round(f.counted / f.sent)
    : 1;
}

const timeOf = (us: number): string => isoLocal(new Date(Math.floor(us / 1000)));

function intervalJson(
  snap: Snapshot,
  startUs: number,
  endUs: number,
  fate: Fate,
  keeping: EventLines,
): string {
  return jsonText(
    {
      type: 'interval',
      start: timeOf(startUs),
      end: timeOf(endUs),
      start_us: startUs,
      end_us: endUs,
      duration_s: (endUs - startUs) / 1e6,
      ...summaryRowsJson(snap),
      capture: {
        lost: fate.lost,
        sampled: sampledOf(fate, keeping),
        latency_sampled: fate.weight > fate.samples,
        events: { counted: fate.counted, sent: fate.sent ?? null },
      },
    },
    false,
  );
}

const HEAD = ['OPS', 'OPS/s', 'READ/s', 'WRITE/s', 'P50', 'P99', 'ERR'];
const RIGHT: Align[] = HEAD.map(() => 'r');

function cells(r: RowStats, seconds: number): string[] {
  const rate = (n: number, kind?: 'bytes'): string =>
    seconds > 0 ? formatRate(n / seconds, kind) : '-';
  return [
    formatCount(r.total.ops),
    rate(r.total.ops),
    rate(r.total.read, 'bytes'),
    rate(r.total.write, 'bytes'),
    formatLatencyNs(r.total.p50Ns),
    formatLatencyNs(r.total.p99Ns),
    formatCount(r.total.errors),
  ];
}

/** The most operations first, then by `id`; at most `top`, and a line for the rest. */
function busiest<R extends RowStats>(rows: readonly R[], id: (r: R) => number, top: number) {
  const sorted = [...rows].sort((a, b) => b.total.ops - a.total.ops || id(a) - id(b));
  return { shown: sorted.slice(0, top), more: Math.max(0, sorted.length - top) };
}

function intervalText(
  snap: Snapshot,
  startUs: number,
  endUs: number,
  fate: Fate,
  keeping: EventLines,
  top: number,
): string {
  const seconds = (endUs - startUs) / 1e6;
  const t = snap.totals;
  const rate = (n: number, kind?: 'bytes'): string =>
    seconds > 0 ? formatRate(n / seconds, kind) : '-';
  const sampled = sampledOf(fate, keeping);
  const notes = [
    `lost ${formatCount(fate.lost)}`,
    ...(sampled !== null && sampled > 1 ? [`events sampled 1/${sampled}`] : []),
    ...(fate.weight > fate.samples ? ['latencies sampled'] : []),
  ];
  const out = [
    `${timeOf(endUs)}  ${seconds.toFixed(2)} s  ${formatCount(t.total.ops)} ops (${rate(t.total.ops)})` +
      `  read ${rate(t.total.read, 'bytes')}  write ${rate(t.total.write, 'bytes')}` +
      `  errors ${formatCount(t.total.errors)}  ${notes.join(', ')}`,
  ];
  const procs = busiest(snap.processes, (p) => p.pid, top);
  if (procs.shown.length > 0) {
    const rows = procs.shown.map((p) => [String(p.pid), escape(p.comm), ...cells(p, seconds)]);
    out.push(...indent(table(['PID', 'COMMAND', ...HEAD], ['r', 'l', ...RIGHT], rows)));
    if (procs.more > 0) out.push(`  … and ${procs.more} more processes`);
  }
  const ops = busiest(snap.opcodes, (o) => o.opcode, top);
  if (ops.shown.length > 0) {
    const rows = ops.shown.map((o) => [o.opName, ...cells(o, seconds)]);
    out.push(...indent(table(['OPCODE', ...HEAD], ['l', ...RIGHT], rows)));
    if (ops.more > 0) out.push(`  … and ${ops.more} more opcodes`);
  }
  return `${out.join('\n')}\n\n`;
}

const indent = (lines: string[]): string[] => lines.map((l) => `  ${l}`);

/** The summary as the last line of JSON Lines. */
export function summaryLine(doc: object): string {
  return jsonText({ type: 'summary', ...doc }, false);
}
