/**
 * Replay of a recording: the same model and the same UI as live, driven by a virtual clock.
 * `--headless` replays as fast as it can and prints the same summary a live headless run prints.
 */
import os from 'node:os';
import { access } from 'node:fs/promises';
import type { Config } from './config.js';
import { Model } from './model/model.js';
import type { Filter } from './model/select.js';
import { formatSummary } from './model/summary.js';
import { CsvFormatError } from './record/csvReader.js';
import { escapeText } from './record/format.js';
import { describeRecording, sessionSpanUs } from './record/meta.js';
import { Replay } from './record/replay.js';
import { letInkDrawInTerminal } from './inkEnv.js';

const err = (line: string): void => {
  process.stderr.write(`iouringtop: ${line}\n`);
};

/** A failure as one line: a bad row says how to get past it. */
function describeFailure(e: unknown): string {
  if (e instanceof CsvFormatError) return `${e.message} (add --lenient to skip bad rows)`;
  return escapeText(e instanceof Error ? e.message : String(e), 300);
}

export async function runReplay(config: Config): Promise<number> {
  const file = config.replayFile ?? '';
  try {
    await access(file);
  } catch {
    err(
      `cannot read ${escapeText(file, 300)}: no such file; give a recording made by iouringtop (iouring/iouring_*.csv or .csv.gz)`,
    );
    return 1;
  }
  const model = new Model({
    bufferSeconds: config.bufferSeconds,
    bufferEvents: config.bufferEvents,
  });
  const headless = config.headless;
  let replay: Replay;
  try {
    replay = await Replay.open(file, model, {
      speed: headless || !Number.isFinite(config.speed) ? 'max' : config.speed,
      lenient: config.lenient,
      // checkpoints serve seeks; a headless replay plays once from start to end
      checkpointEvents: headless ? 0 : undefined,
    });
  } catch (e) {
    err(
      e instanceof CsvFormatError
        ? describeFailure(e)
        : `cannot replay ${escapeText(file, 300)}: ${describeFailure(e)}`,
    );
    return 1;
  }
  const meta = replay.meta;
  // The capture's loss counters come from the metadata, not from the rows: set them again after
  // every seek (a backwards seek resets the model).
  const applyMetaCounters = (): void => {
    if (meta)
      model.setCaptureCounters({ lost: meta.lost, dropped: meta.dropped, overflow: meta.overflow });
  };
  applyMetaCounters();
  try {
    if (headless) return await replayHeadless(replay, model, file);
    if (!process.stdin.isTTY) {
      err('the TUI needs a terminal on stdin; add --headless to print a summary instead');
      return 2;
    }
    return await replayTui(replay, model, file, config, applyMetaCounters);
  } catch (e) {
    err(describeFailure(e));
    return 1;
  } finally {
    replay.close();
  }
}

function reportReadProblems(replay: Replay): void {
  const s = replay.status;
  if (s.skipped > 0) err(`skipped ${s.skipped} malformed rows (--lenient)`);
  // "file:line: truncated last line ignored (…): text", escaped by the reader
  if (s.truncatedLine) err(s.truncatedLine);
}

async function replayHeadless(replay: Replay, model: Model, file: string): Promise<number> {
  const stats = await replay.runToEnd();
  const meta = replay.meta;
  process.stdout.write(
    formatSummary(model.snapshot({ series: false, recentLimit: 0 }), {
      title: `iouringtop replay of ${file}${meta ? ` (${meta.host}, ${meta.kernel}, ${meta.captureTier})` : ''}`,
      recording: file,
      filter: typeof meta?.filters?.text === 'string' ? meta.filters.text : undefined,
      // The session's length as recorded, so the rates match the live run's summary; without
      // metadata, the span of the events.
      durationUs: meta ? sessionSpanUs(meta) : undefined,
    }),
  );
  reportReadProblems(replay);
  err(
    `replayed ${stats.events} rows in ${(stats.elapsedMs / 1000).toFixed(2)} s (${Math.round(stats.eventsPerSecond)} rows/s)`,
  );
  return 0;
}

async function replayTui(
  replay: Replay,
  model: Model,
  file: string,
  config: Config,
  applyMetaCounters: () => void,
): Promise<number> {
  letInkDrawInTerminal();
  const { holdTui, TickStore } = await import('./store.js');
  const { runTui } = await import('./ui/App.js');
  const store = new TickStore();
  let refreshMs = config.refreshMs;
  let tailFilter: Filter | undefined;
  let failure: string | undefined;
  let quit: () => void = () => undefined;
  const quitting = new Promise<void>((resolve) => (quit = resolve));
  const publish = (): void => {
    const s = replay.status;
    applyMetaCounters();
    store.publish(
      model.snapshot({ windowUs: 1_000_000, recentFilter: tailFilter, recentLimit: 200 }),
      {
        replay: {
          positionUs: s.positionUs,
          startUs: s.startUs,
          endUs: s.endUs ?? s.positionUs,
          speed: s.speed === 'max' ? Infinity : s.speed,
          paused: s.paused,
          ended: s.atEnd,
          seekingToUs: s.seekingToUs ?? undefined,
        },
      },
    );
  };
  const act = (p: Promise<void>): void => {
    p.then(publish, (e: Error) => {
      failure = describeFailure(e);
      quit();
    });
  };
  let last = Date.now();
  const tick = (): void => {
    const now = Date.now();
    const elapsed = now - last;
    last = now;
    act(replay.tick(elapsed));
  };
  let timer = setInterval(tick, refreshMs);
  act(replay.tick(0));
  const meta = replay.meta;
  const ui = runTui({
    store,
    info: {
      host: meta?.host ?? `${os.hostname()} (no metadata)`,
      kernel: meta?.kernel ?? '?',
      tier: meta?.captureTier.replace(/ \(.*$/, '') ?? 'unknown (no .meta.json)',
      mode: 'replay',
      recordingPath: file,
      refreshMs,
      recordingFacts: meta
        ? describeRecording(meta)
        : 'no metadata beside this recording (.meta.json)',
    },
    controller: {
      quit: () => quit(),
      setRefreshMs: (ms) => {
        refreshMs = ms;
        clearInterval(timer);
        timer = setInterval(tick, refreshMs);
      },
      setPaused: () => undefined,
      setTailFilter: (f) => {
        tailFilter = f;
        publish();
      },
      replay: {
        togglePause: () => {
          replay.togglePause();
          last = Date.now();
          publish();
        },
        seek: (deltaSec) => act(replay.step(deltaSec * 1_000_000)),
        changeSpeed: (factor) => {
          if (factor > 1) replay.faster();
          else replay.slower();
          publish();
        },
        jump: (to) => act(to === 'start' ? replay.jumpToStart() : replay.jumpToEnd()),
      },
    },
  });
  const displayFailure = await holdTui(ui, quitting, () => clearInterval(timer));
  failure ??= displayFailure;
  reportReadProblems(replay);
  if (failure) err(failure);
  return failure ? 1 : 0;
}
