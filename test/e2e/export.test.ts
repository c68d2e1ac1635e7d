/**
 * A recording into Prometheus, with the real tools: `iouringtop --replay FILE --export
 * openmetrics` on a bundled recording, imported by `promtool tsdb create-blocks-from openmetrics`,
 * then a Prometheus started on those blocks answers with the recording's totals (those its replay
 * summary prints). Needs no root: only prometheus and promtool (CI installs them: see .ci/run).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectOutput, exitOf, requireOrSkip, runCli, tempDir } from './env.js';
import { byLabel, startPrometheus } from './prometheus.js';

const run = requireOrSkip('recording export end-to-end tests', ['prometheus', 'promtool'], false);

interface Summary {
  opcodes: { opcode: string; ops: number; bytes_read: number }[];
}

async function cliOut(args: string[]): Promise<string> {
  const c = runCli(args);
  const out = collectOutput(c);
  const { code } = await exitOf(c);
  if (code !== 0) throw new Error(`iouringtop ${args.join(' ')}: exit ${code}: ${out.stderr()}`);
  return out.stdout();
}

describe.runIf(run)('a recording exported into Prometheus', () => {
  it("promtool imports the export; Prometheus on the blocks answers with the recording's totals", async () => {
    const recording = 'recordings/fio-randrw.csv';
    const dir = tempDir('iouringtop-export-e2e-');
    const om = path.join(dir, 'fio.om');
    const text = await cliOut(['--replay', recording, '--export', 'openmetrics']);
    writeFileSync(om, text);
    const end = Math.max(...[...text.matchAll(/ (\d+\.\d{3})$/gm)].map((m) => Number(m[1])));
    const data = path.join(dir, 'data');
    execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', om, data], {
      stdio: 'pipe',
    });
    expect(readdirSync(data).length).toBeGreaterThan(0);

    const summary = JSON.parse(await cliOut(['--replay', recording, '--json'])) as Summary;
    const want: Record<string, number> = {};
    for (const o of summary.opcodes) if (o.opcode !== 'IO_URING_ENTER') want[o.opcode] = o.ops;
    expect(want).toEqual({ READ: 4000, WRITE: 4000 });
    const readBytes = summary.opcodes.reduce((n, o) => n + o.bytes_read, 0);

    // the recording is old: keep its blocks (retention counts back from the newest sample)
    const prom = await startPrometheus({
      dir,
      targets: [],
      storage: data,
      extraArgs: ['--storage.tsdb.retention.time=100y'],
    });
    try {
      const at = (expr: string) => prom.query(expr, end);
      expect(byLabel(await at('sum by (opcode) (iouringtop_operations_total)'), 'opcode')).toEqual(
        want,
      );
      expect((await at('sum(iouringtop_read_bytes_total)'))[0].value).toBe(readBytes);
      // increase() over the whole recording counts every operation (counters start at 0)
      const inc = await at('sum(increase(iouringtop_operations_total{opcode="READ"}[1h]))');
      expect(inc[0].value).toBe(4000);
      const p99 = await at(
        'histogram_quantile(0.99, sum by (le) (iouringtop_operation_latency_seconds_bucket{opcode="READ"}))',
      );
      expect(p99[0].value).toBeGreaterThan(1e-6);
      expect(p99[0].value).toBeLessThan(1);
      expect((await at('iouringtop_build_info'))[0].metric).toMatchObject({
        tier: '1',
        bpftrace: 'v0.17.0',
      });
    } finally {
      await prom.stop();
    }
  });
});
