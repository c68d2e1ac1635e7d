/**
 * The headless frontend: runs a source to its end (a replay) or until told to stop (SIGINT,
 * SIGTERM, SIGHUP, --duration, or the source failing), then prints the summary on stdout.
 * Messages go to stderr as they come.
 */
import os from 'node:os';
import type { Config } from '../config.js';
import { Doctor } from '../doctor/doctor.js';
import { formatSummary } from '../render/summary.js';
import { summaryLine } from '../render/intervals.js';
import { formatSummaryJson, summaryJsonDoc } from '../render/summaryJson.js';
import type { Source } from '../sources/source.js';
import { onStdoutClosed } from '../stdio.js';
import { feedIntervals } from './intervals.js';

const err = (line: string): void => {
  process.stderr.write(`iouringtop: ${line}\n`);
};

/** The least time between two reports of lost events. */
const LOSS_EVERY_MS = 10_000;

export async function runHeadless(source: Source, config: Config): Promise<number> {
  let stopNow: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stopNow = resolve));
  let stopping = false;
  void stopped.then(() => (stopping = true));
  const onSignal = (): void => stopNow();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  // Should anything throw past us, a child still goes (setpriv's pdeathsig covers a SIGKILL).
  process.on('exit', () => source.abort());
  let failure: string | undefined;
  void source.failed.then((message) => {
    failure = message;
    stopNow();
  });
  source.subscribe({
    notice: (level, text) => {
      if (level !== 'info') err(text);
    },
  });
  // --interval: a report as each interval completes; a reader that left (| head) ends the run
  let closed = false;
  const out = (text: string): void => {
    if (text !== '' && !closed) process.stdout.write(text);
  };
  const unsubscribe = onStdoutClosed(() => {
    closed = true;
    stopNow();
  });
  const intervals =
    config.intervalSec !== undefined ? feedIntervals(source, config, out) : undefined;
  // attaching takes seconds: said as it happens, as the TUI does
  if (source.facts.info.mode === 'live') err(`attaching probes (${source.facts.info.tier})…`);
  try {
    await source.start();
  } catch (e) {
    err((e as Error).message);
    await source.stop();
    return 1;
  }
  const notice = source.facts.startNotice();
  if (notice) process.stderr.write(`${notice}\n`);
  const timer =
    config.durationSec !== undefined ? setTimeout(stopNow, config.durationSec * 1000) : undefined;
  // losses are told at most once in LOSS_EVERY_MS (at millions of events a second they come in
  // every read of bpftrace's buffers), and once more at the end
  let toldLost = 0;
  let toldAt = 0;
  const tellLosses = (final: boolean): void => {
    const lost = source.counters()?.lost ?? 0;
    if (lost === toldLost || (!final && Date.now() - toldAt < LOSS_EVERY_MS)) return;
    err(
      `${lost - toldLost} events lost ${final ? 'since the last report' : 'in the last few seconds'} (${lost} in all): bpftrace's buffers overran; every total stays exact, the recording misses them (--sample N or --no-events cost less)`,
    );
    toldLost = lost;
    toldAt = Date.now();
  };
  // live: the doctor sees every tick (the rings' fdinfo peaks, the threads as they were)
  const doctor = source.realtime ? new Doctor({ cpus: os.availableParallelism() }) : undefined;
  while (!stopping && !source.exhausted) {
    await source.tick();
    if (source.realtime) tellLosses(false);
    doctor?.observe(source.snapshot({ series: false, recentLimit: 0 }));
    // a live source follows the clock; a replay plays on, looking at signals between steps
    const pause = source.realtime ? config.refreshMs : 0;
    await Promise.race([stopped, new Promise((r) => setTimeout(r, pause))]);
  }
  clearTimeout(timer);
  await source.stop();
  tellLosses(true);
  if (failure === undefined || source.realtime) {
    const snap = source.snapshot({ series: false, recentLimit: 0 });
    const facts = source.facts.summaryFacts();
    const seconds = (facts.durationUs ?? Math.max(0, snap.nowUs - snap.startUs)) / 1e6;
    const findings = doctor?.session(snap, seconds);
    const info = findings ? { ...facts, findings } : facts;
    if (intervals) {
      // the intervals add up to the summary, lost events included
      intervals.finish(facts.counters?.lost ?? snap.capture?.lost ?? null);
      out(config.json ? summaryLine(summaryJsonDoc(snap, info)) : formatSummary(snap, info));
    } else {
      const format = config.json ? formatSummaryJson : formatSummary;
      out(format(snap, info));
    }
  }
  unsubscribe();
  for (const note of source.facts.closingNotes()) err(note);
  if (failure) err(failure);
  return failure || source.hadFailures() ? 1 : 0;
}
