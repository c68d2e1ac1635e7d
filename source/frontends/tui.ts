/**
 * The TUI frontend: hosts the Ink app over any source. It owns the refresh timer and the tick
 * store (one snapshot published per tick, whatever the event rate), turns the app's requests
 * into source controls, and on the way out (q, a signal, the terminal gone, the source failing)
 * stops the source and restores the terminal. Ink and React are loaded here, dynamically, after
 * NODE_ENV is set.
 */
import os from 'node:os';
import type { Config } from '../config.js';
import { Doctor } from '../doctor/doctor.js';
import { letInkDrawInTerminal } from '../inkEnv.js';
import type { Filter } from '../model/select.js';
import type { Source } from '../sources/source.js';
import type {
  SnapshotStore,
  SourceStatus,
  TuiController,
  TuiSnapshot,
  ViewAsk,
} from '../ui/types.js';

const err = (line: string): void => {
  process.stderr.write(`iouringtop: ${line}\n`);
};

/** The one place snapshots are published to React; React re-renders once per publish. */
export class TickStore implements SnapshotStore {
  private snap: TuiSnapshot | undefined;
  private status: SourceStatus | undefined;
  private readonly listeners = new Set<() => void>();

  subscribe = (onChange: () => void): (() => void) => {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  };

  getSnapshot = (): TuiSnapshot | undefined => this.snap;

  getStatus = (): SourceStatus | undefined => this.status;

  publish(snap: TuiSnapshot | undefined, status: SourceStatus | undefined): void {
    this.snap = snap;
    this.status = status;
    for (const l of this.listeners) l();
  }
}

/**
 * Holds the TUI until the user quits (or the source fails and resolves `quitting`) or the display
 * itself fails; then runs `beforeStop`, unmounts, and waits until the terminal is restored.
 * Returns the display failure, if there was one.
 */
export async function holdTui(
  ui: { done: Promise<void>; stop(): void },
  quitting: Promise<void>,
  beforeStop: () => void,
): Promise<string | undefined> {
  let failure: string | undefined;
  await Promise.race([
    quitting,
    ui.done.catch((e: Error) => (failure = `display failed: ${e.message}`)),
  ]);
  beforeStop();
  ui.stop();
  await ui.done.catch(() => undefined);
  return failure;
}

/** `metricsUrl`: the exporter's endpoint, when one runs beside the TUI (shown in the header). */
export async function runTui(
  source: Source,
  config: Config,
  extra: { metricsUrl?: string } = {},
): Promise<number> {
  if (!process.stdin.isTTY) {
    err(
      source.realtime
        ? 'the TUI needs a terminal on stdin; use --headless to record without it'
        : 'the TUI needs a terminal on stdin; add --headless to print a summary instead',
    );
    return 2;
  }
  letInkDrawInTerminal();
  const { mountTui } = await import('../ui/run.js');
  const errors: string[] = [];
  const unsubscribe = source.subscribe({
    notice: (level, text) => {
      if (level === 'error') errors.push(text);
    },
  });
  let failure: string | undefined;
  let quit: () => void = () => undefined;
  const quitting = new Promise<void>((resolve) => (quit = resolve));
  void source.failed.then((message) => {
    failure = message;
    quit();
  });
  process.on('exit', () => source.abort());
  // Held until the source has stopped: a second signal (a hangup comes from the kernel and again
  // from the shell) must not kill the process halfway through closing the recording.
  const onSignal = (): void => quit();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  if (source.facts.info.mode === 'live') err(`attaching probes (${source.facts.info.tier})…`);
  try {
    await source.start();
  } catch (e) {
    await source.stop();
    unsubscribe();
    err((e as Error).message);
    return 1;
  }

  const store = new TickStore();
  let refreshMs = config.refreshMs;
  let tailFilter: Filter | undefined;
  let shownFilter: Filter | undefined;
  let latency: { key: string; limit: number } | undefined;
  let asked: ViewAsk = {};
  // the doctor sees every tick, whatever the filter (live: with the CPUs, for the io-wq cap)
  const doctor = new Doctor(source.realtime ? { cpus: os.availableParallelism() } : {});
  const publish = (): void => {
    store.publish(
      {
        ...source.snapshot({
          windowUs: refreshMs * 1000,
          recentFilter: tailFilter,
          recentLimit: 200,
          // every figure obeys an op: filter (the process rows and the header count only those)
          opcodes: tailFilter?.opcodes,
          // and the header's totals a pid: or comm: filter (the process rows are filtered by the UI)
          processes: shownFilter && { pids: shownFilter.pids, comms: shownFilter.comms },
          // computed only while the latency panel is open
          latency,
          // and what the view on screen asks for (the heatmap), only while it is there
          ...asked,
        }),
        findings: doctor.findings(),
      },
      source.facts.status(),
    );
  };
  let ticking = false;
  const tick = (): void => {
    if (ticking) return; // a slow step (a seek in a big file) is still running
    ticking = true;
    source.tick().then(
      () => {
        ticking = false;
        doctor.observe(source.snapshot({ series: false, recentLimit: 0 }));
        publish();
      },
      (e: Error) => {
        failure = e.message;
        quit();
      },
    );
  };
  let timer = setInterval(tick, refreshMs);
  tick();
  const after = (result: void | Promise<void>): void => {
    void Promise.resolve(result).then(publish, () => publish());
  };
  const controls = source.controls;
  const replay = controls.replay;
  const controller: TuiController = {
    quit: () => quit(),
    setRefreshMs: (ms) => {
      refreshMs = ms;
      clearInterval(timer);
      timer = setInterval(tick, refreshMs);
      publish();
    },
    setFilter: (f, shown) => {
      tailFilter = f;
      shownFilter = shown;
      publish();
    },
    setLatency: (target) => {
      latency = target;
      publish();
    },
    setViewAsk: (ask) => {
      asked = ask;
      publish();
    },
    toggleRecording: controls.toggleRecording
      ? () => after(controls.toggleRecording!())
      : undefined,
    replay: replay && {
      togglePause: () => after(replay.togglePause()),
      seek: (deltaSec) => after(replay.seek(deltaSec)),
      changeSpeed: (factor) => after(replay.changeSpeed(factor)),
      jump: (to) => after(replay.jump(to)),
    },
  };
  const ui = mountTui({
    store,
    info: { ...source.facts.info, ...extra, refreshMs },
    controller,
  });
  const displayFailure = await holdTui(ui, quitting, () => clearInterval(timer));
  failure ??= displayFailure;
  await source.stop();
  unsubscribe();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, onSignal);
  for (const e of errors.slice(-5)) err(e);
  for (const note of source.facts.closingNotes()) err(note);
  if (failure) err(failure);
  return failure || source.hadFailures() ? 1 : 0;
}
