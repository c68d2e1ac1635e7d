/**
 * The CLI's shell: picks a source (live capture or a recording) and a frontend (the TUI or
 * headless) and runs one over the other. Everything else lives in the source and the frontend.
 */
import { canCapture, probe } from './collect/probe.js';
import { chooseTier, runPrintProgram, runProbe } from './commands.js';
import type { Config } from './config.js';
import { runHeadless } from './frontends/headless.js';
import { runTui } from './frontends/tui.js';
import { LiveSource } from './sources/live.js';
import { ReplaySource } from './sources/replay.js';
import type { Source } from './sources/source.js';
import { DEMO_RECORDING } from './paths.js';

const err = (line: string): void => {
  process.stderr.write(`iouringtop: ${line}\n`);
};

export async function main(config: Config): Promise<number> {
  if (config.mode === 'probe') return runProbe(config);
  if (config.mode === 'print-program') return runPrintProgram(config);
  const source = await pickSource(config);
  if (typeof source === 'number') return source;
  return config.headless ? runHeadless(source, config) : runTui(source, config);
}

/** The source for this run, or the exit status when there is none (one line per problem said). */
async function pickSource(config: Config): Promise<Source | number> {
  if (config.mode === 'replay') {
    return new ReplaySource(config, { asFastAsPossible: config.headless });
  }
  const p = await probe({ bpftrace: config.bpftrace });
  if (p.tracefsNote.startsWith('tracefs was not mounted')) err(p.tracefsNote);
  if (!canCapture(p) && config.fallbackReplay) {
    const why = `live capture is not possible here (${p.problems.join('; ')})`;
    err(`${why}: replaying ${config.fallbackReplay}`);
    return new ReplaySource(
      { ...config, mode: 'replay', replayFile: config.fallbackReplay, record: false },
      { asFastAsPossible: config.headless, notLive: `NOT LIVE: ${p.problems.join('; ')}` },
    );
  }
  if (!canCapture(p)) {
    for (const problem of p.problems) err(problem);
    err(
      `live capture is not possible here; replay a recording instead: iouringtop --replay ${DEMO_RECORDING}`,
    );
    return 1;
  }
  const tier = chooseTier(p, config.tier);
  if (typeof tier === 'string') {
    err(tier);
    return 2;
  }
  return new LiveSource(config, p, tier);
}
