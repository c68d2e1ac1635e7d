/**
 * The program's start and its counters: BEGIN says it is attached (its print flushes the fully
 * buffered output, so the R line is read at once); on iouringtop's tick (control.ts), about every
 * second, the counter maps are printed (cumulative, since attach), then a T line: the counts just
 * printed are complete as of then (and flushed at once: the next tick waits for them). END's
 * round ends with an F line instead: these are the final counts (a T line still unread at the
 * stop is a regular round's, which counts less).
 * The in-flight maps can fill up with records nothing takes back (a CQE that went to the
 * overflow list names no request, so its submission's record stays): when a store fails there,
 * the map is emptied (those requests complete without latency) and an A line says so. At the
 * end: the counters one last time (complete: the probes are detached), the events the CPUs still
 * hold (how many each holds first), and no dump of the other maps.
 */
import { COUNTER_MAPS, SCALAR_COUNTERS } from '../maps.js';
import { indent, type ProgramContext } from '../context.js';
import { tickProbe } from './control.js';

export function beginProbe(ctx: ProgramContext): string {
  return `BEGIN\n{\n${indent([ctx.line('R\\t%llu', 'nsecs'), '@ready = 1;', 'print(@ready);'], '  ').join('\n')}\n}`;
}

/** The tick (or interval) and END blocks, printing what `used(name)` says the program writes. */
export function counterProbes(ctx: ProgramContext, used: (map: string) => boolean): string[] {
  const prints = [
    ...COUNTER_MAPS.filter((m) => used(m.name)).map((m) => `print(@${m.name});`),
    ...SCALAR_COUNTERS.filter((m) => used(m)).map((m) => `print(@${m});`),
  ];
  const valves = (['s', 'm'] as const)
    .filter((m) => used(`${m}full`))
    .map(
      (m) =>
        `if (@${m}full != 0) { clear(@${m}); @${m}full = 0; ${ctx.line('A\\t%s\\t%llu', `"@${m}"`, 'nsecs')} }`,
    );
  const kept = [
    ...['s', 'm', 'e', 'q', 'qn', 'seen', 'fdtid', 'named', 'own', 'sfull', 'mfull', 'ready'],
  ].filter((m) => used(m));
  const pending = ctx.sendsEvents ? ['print(@qn);', 'print(@q);'] : [];
  return [
    // (bpftrace runs with its output fully buffered: a print flushes it, a printf does not, so
    // the T line is followed by one; else it waits for the next round, and the round is read a
    // tick late)
    tickProbe(ctx, [...valves, ...prints, ctx.line('T\\t%llu', 'nsecs'), 'print(@ready);']),
    `END\n{\n${indent([...prints, ctx.line('F\\t%llu', 'nsecs'), ...pending, ...kept.map((m) => `clear(@${m});`)], '  ').join('\n')}\n}`,
  ];
}
