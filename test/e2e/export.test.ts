/**
 * Recordings into Prometheus, with the real tools: `iouringtop --replay FILE --export
 * openmetrics` on two bundled recordings, imported by `promtool tsdb create-blocks-from
 * openmetrics`, then a Prometheus started on those blocks answers with each recording's totals,
 * those its replay summary prints: the demo (a .csv.gz whose figures come from the kernel's
 * counts recorded beside it) and the workload mix (figures from its events; failures and expected
 * results). Needs no root: only prometheus and promtool (CI installs them: see .ci/run).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectOutput, exitOf, requireOrSkip, runCli, tempDir } from './env.js';
import { byLabel, startPrometheus } from './prometheus.js';

const run = requireOrSkip('recording export end-to-end tests', ['prometheus', 'promtool'], false);

interface Summary {
  opcodes: { opcode: string; ops: number; bytes_read: number; p99_us: number }[];
  totals: { bytes_read: number; bytes_written: number };
  errors: { name: string; count: number; expected: boolean }[];
  figures: { from: string };
}

async function cliOut(args: string[]): Promise<string> {
  const c = runCli(args);
  const out = collectOutput(c);
  const { code } = await exitOf(c);
  if (code !== 0) throw new Error(`iouringtop ${args.join(' ')}: exit ${code}: ${out.stderr()}`);
  return out.stdout();
}

const RECORDINGS = [
  { file: 'recordings/demo.csv.gz', from: 'recorded kernel counts', p99Of: 'READ' },
  { file: 'recordings/workload-mix.csv', from: 'events', p99Of: 'WRITE' },
];

describe.runIf(run)('recordings exported into Prometheus', () => {
  it("promtool imports the exports; Prometheus on the blocks answers with each recording's totals", async () => {
    const dir = tempDir('iouringtop-export-e2e-');
    const data = path.join(dir, 'data');
    const imported: { file: string; end: number; summary: Summary; p99Of: string }[] = [];
    for (const { file, from, p99Of } of RECORDINGS) {
      const om = path.join(dir, `${path.basename(file)}.om`);
      const text = await cliOut(['--replay', file, '--export', 'openmetrics']);
      writeFileSync(om, text);
      execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', om, data], {
        stdio: 'pipe',
      });
      const summary = JSON.parse(await cliOut(['--replay', file, '--json'])) as Summary;
      expect(summary.figures.from).toBe(from);
      let end = 0;
      for (const m of text.matchAll(/ (\d+\.\d{3})$/gm)) end = Math.max(end, Number(m[1]));
      imported.push({ file, end, summary, p99Of });
    }
    expect(readdirSync(data).length).toBeGreaterThan(0);

    // the recordings are old: keep their blocks (retention counts back from the newest sample)
    const prom = await startPrometheus({
      dir,
      targets: [],
      storage: data,
      extraArgs: ['--storage.tsdb.retention.time=100y'],
    });
    try {
      for (const { file, end, summary, p99Of } of imported) {
        const at = (expr: string) => prom.query(expr, end);
        const want: Record<string, number> = {};
        for (const o of summary.opcodes) if (o.opcode !== 'IO_URING_ENTER') want[o.opcode] = o.ops;
        const ops = byLabel(await at('sum by (opcode) (iouringtop_operations_total)'), 'opcode');
        expect(ops, file).toEqual(want);
        expect((await at('sum(iouringtop_read_bytes_total)'))[0].value, file).toBe(
          summary.totals.bytes_read,
        );
        expect((await at('sum(iouringtop_written_bytes_total)'))[0].value, file).toBe(
          summary.totals.bytes_written,
        );
        // failures and expected results, operations' and io_uring_enter's, as the summary has them
        for (const expected of [false, true]) {
          const name = expected ? 'expected_errors_total' : 'errors_total';
          const got = byLabel(
            await at(`sum by (errno) ({__name__=~"iouringtop_(enter_)?${name}"})`),
            'errno',
          );
          const wantErrors: Record<string, number> = {};
          for (const e of summary.errors) if (e.expected === expected) wantErrors[e.name] = e.count;
          expect(got, `${file} ${name}`).toEqual(wantErrors);
        }
        // increase() over the whole recording counts every operation (counters start at 0)
        const total = Object.values(want).reduce((a, b) => a + b, 0);
        const inc = await at('sum(increase(iouringtop_operations_total[1h]))');
        expect(Math.round(inc[0].value), file).toBe(total);
        // p99 from the buckets: within a bucket's width (14.3 %) of the summary's
        const p99 = await at(
          `histogram_quantile(0.99, sum by (le) (iouringtop_operation_latency_seconds_bucket{opcode="${p99Of}"}))`,
        );
        const exact = summary.opcodes.find((o) => o.opcode === p99Of)!.p99_us / 1e6;
        expect(Math.abs(p99[0].value - exact) / exact, `${file} p99 ${p99Of}`).toBeLessThan(0.143);
        expect((await at('iouringtop_build_info'))[0].metric, file).toMatchObject({
          tier: '1',
          bpftrace: 'v0.17.0',
        });
      }
    } finally {
      await prom.stop();
    }
  });
});
