/**
 * The exporter's HTTP server alone, in a process of its own, serving the totals of `procs`
 * processes (argv[2], default 500) × 8 opcodes labelled by pid: about 1 MB a scrape, what a
 * capture over as many processes serves, without the capture. security.test.ts runs it
 * (compiled, from dist/) to measure what clients make the server hold, apart from what a capture
 * allocates meanwhile. Prints `port N` once listening; runs until killed.
 */
import { metricFamilies } from '../../source/metrics/families.js';
import { MetricsServer } from '../../source/metrics/server.js';
import { MetricTotals } from '../../source/metrics/totals.js';
import type { OpCounts } from '../../source/model/counts.js';
import { bucketOf } from '../../source/model/histogram.js';
import { OpcodeTable } from '../../source/model/opcodes.js';

const procs = Number(process.argv[2] ?? 500);
const totals = new MetricTotals(['pid', 'comm', 'opcode']);
const rows: OpCounts[] = [];
for (let p = 0; p < procs; p++)
  for (const opcode of [22, 23, 1, 2, 3, 18, 19, 21])
    rows.push({
      pid: 1000 + p,
      comm: `svc-${p}`,
      opcode,
      ops: 1000 + p,
      read: 4096 * p,
      write: 512 * p,
      errors: 2,
      submitted: 0,
      errnos: [11, 1, 5, 1],
      latency: [bucketOf(2_000), 10, bucketOf(90_000), 5],
    });
totals.add({ tsUs: Date.now() * 1000, intervalUs: 1_000_000, rows });
totals.setCapture({ lost: 0, dropped: 0 });
const info = { version: '0.1.0', tier: '1', bpftrace: 'v0.17.0', kernel: 'test' };
const server = await MetricsServer.start(
  { host: '127.0.0.1', port: 0 },
  totals,
  metricFamilies(totals.bound.labels, new OpcodeTable(), info),
);
process.stdout.write(`port ${server.address.port}\n`);
setInterval(() => undefined, 60_000);
