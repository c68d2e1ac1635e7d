/**
 * The commands that do not run a session: `--probe` (what this machine offers for capture),
 * `--print-program` (the bpftrace program capture would run) and `--export` (a recording's
 * series for Prometheus, or its operations as a timeline for Perfetto).
 */
import { readFilesSidecar } from './proc/sidecar.js';
import { generateProgram, type Tier } from '../bpf/program.js';
import { perCpuCounterKeys } from './collect/bpftrace.js';
import { canCapture, probe, type ProbeResult } from './collect/probe.js';
import { describeProbe, TIER_NAMES } from './collect/report.js';
import { packageVersion } from './paths.js';
import type { Config } from './config.js';
import { escape } from './escape.js';
import { jsonText, openMetricsText, type ExportInput } from './metrics/export.js';
import type { BuildInfo } from './metrics/families.js';
import { readRecordingCounts, type RecordingCounts } from './metrics/recording.js';
import type { SessionMeta } from './record/meta.js';
import { emptyTraceSummary, traceText } from './trace/export.js';
import { MAX_LANES } from './trace/writer.js';
import { checkRecordingFile, describeFailure } from './sources/replay.js';

const err = (line: string): void => {
  process.stderr.write(`iouringtop: ${line}\n`);
};

/** The tier to capture at: the best the probe found, or a lower one forced with --tier. */
export function chooseTier(p: ProbeResult, forced?: Tier): Tier | string {
  if (p.tier === undefined) return 'no capture tier is available on this machine';
  if (forced === undefined) return p.tier;
  if (forced < p.tier) {
    return `--tier ${forced} is not available here (best is ${p.tier}); see iouringtop --probe`;
  }
  return forced;
}

/** `--version`: iouringtop's, the bpftrace it would run, and the capture tier (a quick probe). */
export async function runVersion(): Promise<number> {
  const out = [`iouringtop ${packageVersion()} (node ${process.version})`];
  const p = await probe();
  out.push(
    p.bpftracePath
      ? `bpftrace: ${p.bpftracePath} ${p.bpftraceVersion ?? '(does not run)'}`
      : 'bpftrace: not found (apt-get install bpftrace)',
  );
  out.push(
    !p.privileged
      ? 'capture: needs root to probe (sudo iouringtop --probe)'
      : p.tier !== undefined
        ? `capture: ${TIER_NAMES[p.tier]}`
        : `capture: impossible here (${p.problems.join('; ')})`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

export async function runProbe(config: Config): Promise<number> {
  const p = await probe({ bpftrace: config.bpftrace });
  const tier = chooseTier(p, config.tier);
  for (const line of describeProbe(p, typeof tier === 'number' ? tier : undefined)) {
    process.stdout.write(`${line}\n`);
  }
  if (typeof tier === 'string' && config.tier !== undefined) err(tier);
  return canCapture(p) && typeof tier === 'number' ? 0 : 1;
}

export async function runPrintProgram(config: Config): Promise<number> {
  const p = await probe({ bpftrace: config.bpftrace });
  const tier = chooseTier(p, config.tier);
  if (typeof tier === 'string') {
    err(tier);
    return 1;
  }
  process.stdout.write(
    generateProgram({
      tier,
      token: '00000000',
      features: p.features,
      filter: config.filter,
      events: config.events,
      perCpuCounters: perCpuCounterKeys(p.bpftraceVersion),
    }),
  );
  return 0;
}

/**
 * `--replay FILE --export openmetrics|json`: the recording's series with their timestamps on
 * stdout (the figures from its counts file when it has a whole one, else from its events), notes
 * and errors one line each on stderr.
 */
export async function runExport(config: Config): Promise<number> {
  if (config.exportFormat === 'trace') return runTraceExport(config);
  const file = config.replayFile ?? '';
  let rec: RecordingCounts;
  try {
    await checkRecordingFile(file);
    rec = await readRecordingCounts(file, { lenient: config.lenient });
  } catch (e) {
    err(describeFailure(e, config.lenient));
    return 1;
  }
  if (rec.note) err(rec.note);
  // (the cgroups the capture read, where the recording's sidecar keeps them)
  const cgroups = config.metricLabels.includes('cgroup')
    ? await readFilesSidecar(file).then(
        (r) => r?.cgroups,
        () => undefined,
      )
    : undefined;
  const input: ExportInput = {
    deltas: rec.deltas,
    startUs: rec.startUs,
    labels: config.metricLabels,
    names: rec.opcodes,
    info: recordingBuildInfo(rec.meta),
    // the diagnostics are in the kernel's counts only, not in the events
    diagnostics: rec.from === 'recorded kernel counts' ? (rec.meta?.diagnostics ?? null) : null,
    cgroupOf: cgroups ? (pid) => cgroups.get(pid) : undefined,
  };
  const text =
    config.exportFormat === 'json'
      ? jsonText(input, { recording: file, from: rec.from })
      : openMetricsText(input);
  await writeOut(text);
  if (rec.skipped > 0) err(`skipped ${rec.skipped} malformed rows (--lenient)`);
  if (rec.truncatedLine) err(rec.truncatedLine);
  err(
    `exported ${rec.deltas.length} intervals from the recording's ${rec.from === 'events' ? 'events' : 'kernel counts'}`,
  );
  return 0;
}

/** Writes pieces of text to stdout as fast as it takes them, until a reader goes away (| head). */
async function writeOut(text: Iterable<string> | AsyncIterable<string>): Promise<void> {
  const out = process.stdout;
  for await (const piece of text) {
    if (out.destroyed) break;
    if (!out.write(piece))
      await new Promise<void>((resolve) => {
        const done = (): void => {
          out.off('drain', done);
          out.off('close', done);
          resolve();
        };
        out.on('drain', done);
        out.on('close', done);
      });
  }
}

/**
 * `--replay FILE --export trace`: the recording's operations as a JSON Trace Event timeline on
 * stdout (trace/export.ts), cut to --from/--to and --pid/--comm/--opcode; what it wrote on stderr.
 */
async function runTraceExport(config: Config): Promise<number> {
  const file = config.replayFile ?? '';
  const { pids, comms, opcodes } = config.filter;
  const summary = emptyTraceSummary();
  try {
    await checkRecordingFile(file);
    const opts = {
      lenient: config.lenient,
      ...config.window,
      filter: { pids, comms, opcodes },
    };
    await writeOut(traceText(file, opts, summary));
  } catch (e) {
    err(describeFailure(e, config.lenient));
    return 1;
  }
  for (const note of summary.notes) err(note);
  if (summary.skipped > 0) err(`skipped ${summary.skipped} malformed rows (--lenient)`);
  if (summary.truncatedLine) err(summary.truncatedLine);
  if (summary.crowded > 0)
    err(
      `${summary.crowded} io_uring_enter calls overlap others on their track (over ${MAX_LANES} at once)`,
    );
  const processes = `${summary.processes} process${summary.processes === 1 ? '' : 'es'}`;
  err(
    `exported ${summary.spans + summary.instants} operations and ${summary.calls} io_uring_enter calls of ${processes}, ` +
      `counters from the recording's ${summary.counters === 'events' ? 'events' : 'kernel counts'}`,
  );
  return 0;
}

/**
 * The info gauge of a recording: its capture's facts, from its metadata (none without it). The
 * metadata is a file anyone may have written: its text goes out escaped, as on screen.
 */
export function recordingBuildInfo(meta: SessionMeta | null): BuildInfo | null {
  if (meta === null) return null;
  return {
    version: packageVersion(),
    tier: /^tier (\d)/.exec(meta.captureTier)?.[1] ?? 'unknown',
    bpftrace: escape(meta.bpftraceVersion ?? 'unknown', 64),
    kernel: escape(meta.kernel, 128),
  };
}
