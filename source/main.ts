/**
 * The CLI's shell: picks a source (live capture or a recording) and a frontend (the TUI or
 * headless) and runs one over the other, with the metrics exporter beside it when asked
 * (--metrics). Everything else lives in the source, the frontend and the exporter.
 */
import type { Diagnostics, Tier } from '../bpf/program.js';
import { canCapture, probe } from './collect/probe.js';
import { chooseTier, runExport, runPrintProgram, runProbe } from './commands.js';
import type { Config } from './config.js';
import { runHeadless } from './frontends/headless.js';
import { runTui } from './frontends/tui.js';
import { liveBuildInfo, startExporter, type Exporter } from './metrics/exporter.js';
import { formatAddress } from './metrics/server.js';
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
  if (config.mode === 'export') return runExport(config);
  const picked = await pickSource(config);
  if (typeof picked === 'number') return picked;
  const { source } = picked;
  let exporter: Exporter | undefined;
  let metricsUrl: string | undefined;
  if (config.metrics && picked.live) {
    try {
      exporter = await startExporter(
        source,
        config.metrics,
        liveBuildInfo(picked.live.tier, picked.live.bpftraceVersion),
        picked.live.diagnostics,
      );
    } catch (e) {
      err((e as Error).message);
      return 1;
    }
    metricsUrl = `http://${formatAddress(exporter.server.address)}/metrics`;
    err(`serving metrics at ${metricsUrl}`);
  }
  try {
    return await (config.headless
      ? runHeadless(source, config)
      : runTui(source, config, { metricsUrl }));
  } finally {
    await exporter?.close();
  }
}

/** The source for this run (with, live, the capture's facts), or the exit status when there is none. */
async function pickSource(config: Config): Promise<
  | {
      source: Source;
      live?: { tier: Tier; bpftraceVersion?: string; diagnostics: Readonly<Diagnostics> };
    }
  | number
> {
  if (config.mode === 'replay') {
    return { source: new ReplaySource(config, { asFastAsPossible: config.headless }) };
  }
  const p = await probe({ bpftrace: config.bpftrace });
  if (p.tracefsNote.startsWith('tracefs was not mounted')) err(p.tracefsNote);
  if (!canCapture(p) && config.fallbackReplay) {
    const why = `live capture is not possible here (${p.problems.join('; ')})`;
    err(`${why}: replaying ${config.fallbackReplay}`);
    return {
      source: new ReplaySource(
        { ...config, mode: 'replay', replayFile: config.fallbackReplay, record: false },
        { asFastAsPossible: config.headless, notLive: `NOT LIVE: ${p.problems.join('; ')}` },
      ),
    };
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
  const source = new LiveSource(config, p, tier);
  return {
    source,
    live: { tier, bpftraceVersion: p.bpftraceVersion, diagnostics: source.diagnostics },
  };
}
