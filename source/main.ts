/**
 * The CLI's shell: picks the source (live bpftrace or a recording), wires it to the model and the
 * recorder, and runs the TUI or the headless mode. Everything here touches processes, signals
 * and timers; everything it calls is pure or owns one resource.
 */
import type { Tier } from '../bpf/program.js';
import { BpftraceSource } from './collect/bpftrace.js';
import { canCapture, describeProbe, probe, TIER_NAMES, type ProbeResult } from './collect/probe.js';
import type { Config } from './config.js';
import { describeFilter } from './config.js';
import { LiveSession, liveOptionsFrom } from './live.js';
import { Model } from './model/model.js';
import { formatSummary } from './model/summary.js';
import { escapeText } from './record/format.js';
import { letInkDrawInTerminal } from './inkEnv.js';

const err = (line: string): void => {
  process.stderr.write(`iouringtop: ${line}\n`);
};

function chooseTier(p: ProbeResult, forced?: Tier): Tier | string {
  if (p.tier === undefined) return 'no capture tier is available on this machine';
  if (forced === undefined) return p.tier;
  if (forced < p.tier) {
    return `--tier ${forced} is not available here (best is ${p.tier}); see iouringtop --probe`;
  }
  return forced;
}

export async function main(config: Config): Promise<number> {
  switch (config.mode) {
    case 'probe':
      return runProbe(config);
    case 'print-program':
      return runPrintProgram(config);
    case 'replay': {
      const { runReplay } = await import('./replayMain.js');
      return runReplay(config);
    }
    case 'live':
      return runLive(config);
  }
}

async function runProbe(config: Config): Promise<number> {
  const p = await probe();
  const tier = chooseTier(p, config.tier);
  for (const line of describeProbe(p, typeof tier === 'number' ? tier : undefined)) {
    process.stdout.write(`${line}\n`);
  }
  if (typeof tier === 'string' && config.tier !== undefined) err(tier);
  return canCapture(p) && typeof tier === 'number' ? 0 : 1;
}

async function runPrintProgram(config: Config): Promise<number> {
  const p = await probe();
  const tier = chooseTier(p, config.tier);
  if (typeof tier === 'string') {
    err(tier);
    return 1;
  }
  const source = new BpftraceSource({
    bpftracePath: p.bpftracePath ?? 'bpftrace',
    tier,
    features: p.features,
    filter: config.filter,
    maxInflight: config.maxInflight,
    onEvent: () => undefined,
    onNotice: () => undefined,
    onReady: () => undefined,
    onExit: () => undefined,
  });
  process.stdout.write(source.program);
  return 0;
}

/** Probes, and says in one line per problem why live capture cannot start. */
async function prepareCapture(
  config: Config,
): Promise<{ probe: ProbeResult; tier: Tier } | number> {
  const p = await probe();
  if (p.tracefsNote.startsWith('tracefs was not mounted')) err(p.tracefsNote);
  if (!canCapture(p) && config.fallbackReplay) {
    err(
      `live capture is not possible here (${p.problems.join('; ')}): replaying ${config.fallbackReplay}`,
    );
    return -1;
  }
  if (!canCapture(p)) {
    for (const problem of p.problems) err(problem);
    err(
      'live capture is not possible here; replay a recording instead: iouringtop --replay recordings/fio-randrw.csv',
    );
    return 1;
  }
  const tier = chooseTier(p, config.tier);
  if (typeof tier === 'string') {
    err(tier);
    return 2;
  }
  return { probe: p, tier };
}

async function runLive(config: Config): Promise<number> {
  const prepared = await prepareCapture(config);
  if (prepared === -1 && config.fallbackReplay) {
    const { runReplay } = await import('./replayMain.js');
    return runReplay({
      ...config,
      mode: 'replay',
      replayFile: config.fallbackReplay,
      record: false,
    });
  }
  if (typeof prepared === 'number') return prepared;
  const model = new Model({
    bufferSeconds: config.bufferSeconds,
    bufferEvents: config.bufferEvents,
  });
  if (!config.headless) {
    letInkDrawInTerminal();
    const { runLiveTui } = await import('./tuiMain.js');
    return runLiveTui(config, prepared.probe, prepared.tier, model);
  }
  let failed: string | undefined;
  const session = new LiveSession({
    ...liveOptionsFrom(config, prepared.probe, prepared.tier),
    sinks: [model],
    onNotice: (level, text) => {
      if (level !== 'info') err(`bpftrace: ${escapeText(text, 300)}`);
    },
    onUnexpectedExit: (message) => {
      failed = message;
      stopNow();
    },
  });
  let stopNow: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stopNow = resolve));
  const onSignal = (): void => stopNow();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // Should anything throw past us, bpftrace still goes (setpriv's pdeathsig covers a SIGKILL).
  process.on('exit', () => session.source.killNow());
  try {
    await session.start();
  } catch (e) {
    err((e as Error).message);
    await session.stop();
    return 1;
  }
  process.stderr.write(
    session.recorder ? `recording to ${session.recorder.path}\n` : 'capturing\n',
  );
  const timer =
    config.durationSec !== undefined ? setTimeout(stopNow, config.durationSec * 1000) : undefined;
  const tick = setInterval(() => model.advance(Date.now() * 1000), 1000);
  await stopped;
  clearTimeout(timer);
  clearInterval(tick);
  const recording = session.recorder?.path;
  try {
    await session.stop();
  } catch (e) {
    err((e as Error).message);
    failed ??= (e as Error).message;
  }
  model.setCaptureCounters(session.counters);
  model.advance(Date.now() * 1000);
  process.stdout.write(
    formatSummary(model.snapshot(), {
      title: `iouringtop live capture, ${TIER_NAMES[prepared.tier]}`,
      filter: describeFilter(config.filter),
      recording,
      counters: session.counters,
      durationUs: session.spanUs,
    }),
  );
  if (recording) process.stderr.write(`recorded ${session.events} events to ${recording}\n`);
  return failed ? 1 : 0;
}
