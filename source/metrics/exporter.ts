/**
 * `--metrics`: the exporter beside the frontend (headless or the TUI), over the same source. It is
 * one more consumer of the source's counts, not a second capture: each exact delta the model gets
 * also goes into the exporter's running totals, with the capture's lost and dropped counts, and
 * so does each look the source takes at the processes' io_uring threads (it reads /proc; the
 * exporter never does); the server serves them until the session ends. Live capture only (a replay's numbers belong to
 * another time: `--export` writes them with their timestamps).
 */
import { sessionCgroups } from '../proc/cgroup.js';
import os from 'node:os';
import type { Tier } from '../../bpf/program.js';
import type { Diagnostics } from '../model/snapshot.js';
import type { Source } from '../sources/source.js';
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

/**
 * Starts serving the source's counts, with the families of the diagnostics the capture counts;
 * throws a one-line Error when it cannot listen.
 */
export async function startExporter(
  source: Source,
  config: MetricsConfig,
  info: BuildInfo,
  diagnostics: Readonly<Diagnostics>,
): Promise<MetricsServer> {
  const totals = new MetricTotals(
    config.labels,
    config.labels.includes('cgroup') ? (pid) => sessionCgroups.get(pid) : undefined,
  );
  const server = await MetricsServer.start(
    config.at,
    totals,
    metricFamilies(config.labels, source.opcodes, info, { threads: true, diagnostics }),
  );
  totals.setCapture(source.counters());
  source.onCounts = (delta) => {
    totals.add(delta);
    totals.setCapture(source.counters());
  };
  source.onThreads = (threads) => totals.setThreads(threads);
  return server;
}
