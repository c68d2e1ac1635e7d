/**
 * --interval for the headless frontend: listens to the source (its counts deltas; a replay's
 * events where its recording has no counts), writes each interval's report as it completes, and
 * the last one at the end, with the lost events the final count knows (render/intervals.ts).
 */
import type { Config } from '../config.js';
import { IntervalReporter } from '../render/intervals.js';
import type { Source } from '../sources/source.js';

export interface IntervalFeed {
  /** After the source stopped: the open interval's report, its lost events made up. */
  finish(totalLost: number | null): void;
}

/**
 * Starts listening (before source.start(): a replay may play at once). The reporter is made at
 * the first delta or event, when the source knows where its figures come from.
 */
export function feedIntervals(
  source: Source,
  config: Config,
  write: (text: string) => void,
): IntervalFeed {
  const everyUs = Math.round((config.intervalSec ?? 1) * 1e6);
  let reporter: IntervalReporter | undefined;
  let from: 'counts' | 'events' | undefined;
  const made = (): IntervalReporter => {
    if (reporter) return reporter;
    const facts = source.facts.summaryFacts().figures;
    return (reporter = new IntervalReporter({
      everyUs,
      json: config.json,
      opcodes: source.opcodes,
      diagnostics: source.snapshot({ series: false, recentLimit: 0 }).diagnostics,
      keeping: facts?.keeping ?? config.events,
      from: (from ??= facts?.counted === false ? 'events' : 'counts'),
    }));
  };
  source.subscribe({
    counts: (d) => {
      const r = made();
      if (from === 'counts') write(r.counts(d));
    },
    event: (ev) => {
      const r = made();
      if (from === 'events') write(r.event(ev));
    },
  });
  return {
    finish(totalLost) {
      if (reporter) write(reporter.finish(totalLost));
    },
  };
}
