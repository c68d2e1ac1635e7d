/**
 * The doctor over time: fed a snapshot each tick (live), it keeps the figures of the last
 * WINDOW_US and the rings' fdinfo peaks, evaluates the rules (rules.ts) over that window with
 * the previous findings as the hysteresis state, and keeps the session's ring peaks for the
 * summary. Without ticks (a replay's summary), `sessionFindings` evaluates the counts since
 * start alone: what a recording's counts support. Pure: no clock, no /proc of its own.
 */
import type { RingView, ViewSnapshot } from '../proc/view.js';
import { worstFirst, type Finding } from './finding.js';
import { figuresOf, windowOf, type Figures } from './figures.js';
import { evaluate, type RingPeak } from './rules.js';

/** The live window the findings cover. */
export const WINDOW_US = 10_000_000;

interface Sample {
  figures: Figures;
  rings: readonly RingView[];
}

const ringKey = (r: { pid: number; fd: number }): string => `${r.pid}:${r.fd}`;

/** Adds a ring's sample to its peak (`into`, by ringKey): the most waiting, the SQ times seen. */
function addPeak(into: Map<string, RingPeak & { sqFirst?: [number, number] }>, r: RingView): void {
  const k = ringKey(r);
  const was = into.get(k);
  const sq: [number, number] | undefined =
    r.sqTotalTimeUs !== undefined && r.sqWorkTimeUs !== undefined
      ? [r.sqWorkTimeUs, r.sqTotalTimeUs]
      : undefined;
  const first = was?.sqFirst ?? sq;
  into.set(k, {
    pid: r.pid,
    fd: r.fd,
    cqEntries: r.cqEntries,
    cqPending: Math.max(was?.cqPending ?? 0, r.cqPending ?? 0),
    overflowList: Math.max(was?.overflowList ?? 0, r.overflow),
    ...(first !== undefined && sq !== undefined
      ? { sqFirst: first, sqWorkUs: sq[0] - first[0], sqTotalUs: sq[1] - first[1] }
      : {}),
  });
}

export interface DoctorOptions {
  /** Online CPUs (live: the io-wq bounded cap is 4 × CPUs); undefined where unknown (replay). */
  cpus?: number;
  windowUs?: number;
}

export class Doctor {
  private readonly samples: Sample[] = [];
  private readonly sessionPeaks = new Map<string, RingPeak & { sqFirst?: [number, number] }>();
  private active = new Set<string>();
  private current: readonly Finding[] = [];
  private readonly windowUs: number;

  constructor(private readonly opts: DoctorOptions = {}) {
    this.windowUs = opts.windowUs ?? WINDOW_US;
  }

  /** Takes a tick's snapshot; returns the findings over the window that ends with it. */
  observe(snap: ViewSnapshot): readonly Finding[] {
    const figures = figuresOf(snap);
    const rings = snap.proc?.origin === 'live' ? snap.proc.rings : [];
    const last = this.samples[this.samples.length - 1];
    // a model reset, or a replay's seek back: start over
    if (last !== undefined && figures.tUs < last.figures.tUs) this.samples.length = 0;
    this.samples.push({ figures, rings });
    for (const r of rings) addPeak(this.sessionPeaks, r);
    // keep one sample at or before the window's start: the base of the subtraction
    const cutoff = figures.tUs - this.windowUs;
    while (this.samples.length > 2 && this.samples[1].figures.tUs <= cutoff) this.samples.shift();
    const base = this.samples.length > 1 ? this.samples[0].figures : undefined;
    const peaks = new Map<string, RingPeak & { sqFirst?: [number, number] }>();
    for (const s of this.samples) for (const r of s.rings) addPeak(peaks, r);
    // (before a second sample: since start, and at least the snapshot's own window)
    const seconds =
      base !== undefined
        ? (figures.tUs - base.tUs) / 1e6
        : Math.max(snap.nowUs - snap.startUs, snap.windowUs) / 1e6;
    const found = evaluate({
      window: windowOf(figures, base),
      seconds,
      cpus: this.opts.cpus,
      rings: peaks,
      active: this.active,
    }).sort(worstFirst);
    this.active = new Set(found.map((f) => f.key));
    this.current = found;
    return found;
  }

  /** The findings of the latest observe(), worst first. */
  findings(): readonly Finding[] {
    return this.current;
  }

  /**
   * The findings of the whole session, for the summary: the counts since start, the threads'
   * session figures, the ring peaks of every tick observed.
   */
  session(snap: ViewSnapshot, seconds?: number): Finding[] {
    return sessionFindings(snap, seconds, this.opts.cpus, this.sessionPeaks);
  }
}

/** The findings of `snap`'s counts since start (over `seconds`, default the snapshot's span). */
export function sessionFindings(
  snap: ViewSnapshot,
  seconds?: number,
  cpus?: number,
  rings?: ReadonlyMap<string, RingPeak>,
): Finding[] {
  return evaluate({
    window: figuresOf(snap, true),
    seconds: seconds ?? Math.max(0, snap.nowUs - snap.startUs) / 1e6,
    cpus,
    rings,
    session: true,
  }).sort(worstFirst);
}
