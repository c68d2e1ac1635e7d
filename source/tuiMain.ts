/**
 * Live capture with the TUI: bpftrace → model (+ recording), one snapshot per refresh tick.
 * Imported dynamically (after NODE_ENV is set) because it loads React and Ink.
 */
import os from 'node:os';
import type { Tier } from '../bpf/program.js';
import type { ProbeResult } from './collect/probe.js';
import { TIER_NAMES } from './collect/probe.js';
import type { Config } from './config.js';
import { LiveSession, liveOptionsFrom } from './live.js';
import type { Model } from './model/model.js';
import type { Filter } from './model/select.js';
import { escapeText } from './record/format.js';
import { holdTui, TickStore } from './store.js';
import { runTui } from './ui/App.js';
import type { SourceStatus } from './ui/types.js';

export async function runLiveTui(
  config: Config,
  probe: ProbeResult,
  tier: Tier,
  model: Model,
): Promise<number> {
  if (!process.stdin.isTTY) {
    process.stderr.write(
      'iouringtop: the TUI needs a terminal on stdin; use --headless to record without it\n',
    );
    return 2;
  }
  const errors: string[] = [];
  /** Recording failures (disk full, permissions): shown in the header, repeated at exit. */
  const recordingErrors: string[] = [];
  let toggleError: string | undefined;
  let failure: string | undefined;
  let quit: () => void = () => undefined;
  const quitting = new Promise<void>((resolve) => (quit = resolve));
  const session = new LiveSession({
    ...liveOptionsFrom(config, probe, tier),
    sinks: [model],
    onNotice: (level, text) => {
      if (level === 'error') errors.push(escapeText(text, 300));
    },
    onRecordingError: (message) => recordingErrors.push(escapeText(message, 300)),
    onUnexpectedExit: (message) => {
      failure = message;
      quit();
    },
  });
  process.on('exit', () => session.source.killNow());
  process.stderr.write(`iouringtop: attaching probes (${TIER_NAMES[tier]})…\n`);
  try {
    await session.start();
  } catch (e) {
    await session.stop();
    process.stderr.write(`iouringtop: ${(e as Error).message}\n`);
    return 1;
  }

  const store = new TickStore();
  let refreshMs = config.refreshMs;
  let tailFilter: Filter | undefined;
  const status = (): SourceStatus => ({
    recording: session.recorder
      ? {
          path: session.recorder.path,
          bytes: session.recorder.bytesWritten + session.recorder.pendingBytes,
        }
      : undefined,
    recordingError: session.recorder?.error
      ? escapeText(session.recorder.error.message, 300)
      : toggleError,
  });
  const publish = (): void => {
    model.advance(Date.now() * 1000);
    model.setCaptureCounters(session.counters);
    store.publish(
      model.snapshot({ windowUs: refreshMs * 1000, recentFilter: tailFilter, recentLimit: 200 }),
      status(),
    );
  };
  let timer = setInterval(publish, refreshMs);
  publish();

  const ui = runTui({
    store,
    info: {
      host: os.hostname(),
      kernel: os.release(),
      tier: TIER_NAMES[tier].replace(/ \(.*$/, ''),
      mode: 'live',
      recordingPath: session.recorder?.path,
      refreshMs,
    },
    controller: {
      quit: () => quit(),
      setRefreshMs: (ms) => {
        refreshMs = ms;
        clearInterval(timer);
        timer = setInterval(publish, refreshMs);
        publish();
      },
      setPaused: () => undefined, // the UI freezes its own view; capture and recording go on
      setTailFilter: (f) => {
        tailFilter = f;
        publish();
      },
      toggleRecording: () => {
        session.toggleRecording().then(
          () => {
            toggleError = undefined;
            publish();
          },
          (e: Error) => {
            toggleError = escapeText(e.message, 300);
            recordingErrors.push(toggleError);
            publish();
          },
        );
      },
    },
  });
  const displayFailure = await holdTui(ui, quitting, () => clearInterval(timer));
  failure ??= displayFailure;
  await session.stop();
  for (const e of errors.slice(-5)) process.stderr.write(`iouringtop: bpftrace: ${e}\n`);
  for (const e of recordingErrors.slice(-5)) process.stderr.write(`iouringtop: ${e}\n`);
  if (failure) process.stderr.write(`iouringtop: ${failure}\n`);
  for (const r of session.recordings) process.stderr.write(`iouringtop: recorded to ${r}\n`);
  return failure ? 1 : 0;
}
