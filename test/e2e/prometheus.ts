/**
 * A real Prometheus server for the end-to-end tests (Debian's `prometheus` package): started by
 * the test on a free port of 127.0.0.1 with its own config and storage directory, scraping the
 * given targets every second; queried through its HTTP API. The test stops what it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { collectOutput, eventually, exitOf } from './env.js';

/** A port nobody listens on now, on 127.0.0.1 (the system's pick). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** GET http://127.0.0.1:port/path: status and body. */
export function httpGet(
  port: number,
  urlPath: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: urlPath, headers, agent: false },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${urlPath}: timed out`)));
  });
}

export interface PromServer {
  port: number;
  proc: ChildProcess;
  /** Instant query (at `time`, seconds, when given): the result vector. */
  query(expr: string, time?: number): Promise<{ metric: Record<string, string>; value: number }[]>;
  /** SIGTERM, and wait for it to exit. */
  stop(): Promise<void>;
  log(): string;
}

/**
 * Starts Prometheus on `dir` (its config and, unless `storage` is given, its storage in there),
 * scraping `targets` every second as job "iouringtop"; resolves once it is ready.
 */
export async function startPrometheus(opts: {
  dir: string;
  targets: string[];
  port?: number;
  storage?: string;
  extraArgs?: string[];
}): Promise<PromServer> {
  const port = opts.port ?? (await freePort());
  const config = path.join(opts.dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: iouringtop',
      '    static_configs:',
      `      - targets: [${opts.targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const proc = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${opts.storage ?? path.join(opts.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...(opts.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const out = collectOutput(proc);
  const server: PromServer = {
    port,
    proc,
    log: () => out.stderr().slice(-3000),
    async query(expr, time) {
      const q = `/api/v1/query?query=${encodeURIComponent(expr)}${time === undefined ? '' : `&time=${time}`}`;
      const r = await httpGet(port, q);
      if (r.status !== 200) throw new Error(`query ${expr}: HTTP ${r.status}: ${r.body}`);
      const doc = JSON.parse(r.body) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      return doc.data.result.map((x) => ({ metric: x.metric, value: Number(x.value[1]) }));
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exitOf(proc);
    },
  };
  try {
    await eventually(
      async () => {
        if (proc.exitCode !== null) throw new Error(`prometheus exited: ${server.log()}`);
        const r = await httpGet(port, '/-/ready').catch(() => undefined);
        return r?.status === 200 ? true : undefined;
      },
      'Prometheus to be ready',
      60_000,
    );
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

/** A query's result as { label value: number }, keyed by one label. */
export function byLabel(
  result: { metric: Record<string, string>; value: number }[],
  label: string,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of result) out[r.metric[label] ?? ''] = r.value;
  return out;
}
