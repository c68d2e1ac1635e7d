/**
 * `--metrics`: the exporter beside the frontend (headless or the TUI), over the same source. It is
 * one more consumer of the source's counts, not a second capture: each exact delta the model gets
 * also goes into the exporter's running totals, with the capture's lost and dropped counts, and
 * so does each look the source takes at the processes' io_uring threads (it reads /proc; the
 * exporter never does); the server serves them until the session ends. Live capture only (a replay's numbers belong to
 * another time: `--export` writes them with their timestamps).
 */
import os from 'node:os';
import type { Tier } from '../../bpf/program.js';
import type { CountsDelta } from '../model/counts.js';
import type { OpcodeNames } from '../model/opcodes.js';
import type { CaptureCounters, Diagnostics } from '../model/snapshot.js';
import type { ThreadReport } from '../proc/threads.js';
import { packageVersion } from '../paths.js';
import type { ListenAddress } from './address.js';
import { metricFamilies, type BuildInfo } from './families.js';
import type { LabelName } from './labels.js';
import { MetricsServer } from './server.js';
import { MetricTotals } from './totals.js';

export interface MetricsConfig {
  at: ListenAddress;
  labels: readonly LabelName[];
}

/** The info gauge's labels for a live capture. */
export function liveBuildInfo(tier: Tier, bpftraceVersion: string | undefined): BuildInfo {
  return {
    version: packageVersion(),
    tier: String(tier),
    bpftrace: bpftraceVersion ?? 'unknown',
    kernel: os.release(),
  };
}

/** What the exporter reads of a session: a live Source is one. */
export interface CountsFeed {
  readonly opcodes: OpcodeNames;
  counters(): Readonly<CaptureCounters> | null;
  /** Listens from now on; returns what stops it. */
  subscribe(listener: {
    counts?(delta: CountsDelta): void;
    threads?(threads: readonly ThreadReport[]): void;
  }): () => void;
}

/** A running exporter: where it serves, and how it ends. */
export interface Exporter {
  readonly server: MetricsServer;
  /** Stops listening to the source and closes the server. */
  close(): Promise<void>;
}

/**
 * Starts serving the source's counts, with the families of the diagnostics the capture counts;
 * throws a one-line Error when it cannot listen.
 */
export async function startExporter(
  source: CountsFeed,
  config: MetricsConfig,
  info: BuildInfo,
  diagnostics: Readonly<Diagnostics>,
): Promise<Exporter> {
  const totals = new MetricTotals(config.labels);
  const server = await MetricsServer.start(
    config.at,
    totals,
    metricFamilies(config.labels, source.opcodes, info, { threads: true, diagnostics }),
  );
  totals.setCapture(source.counters());
  const unsubscribe = source.subscribe({
    counts: (delta) => {
      totals.add(delta);
      totals.setCapture(source.counters());
    },
    threads: (threads) => totals.setThreads(threads),
  });
  return {
    server,
    close: async () => {
      unsubscribe();
      await server.close();
    },
  };
}
