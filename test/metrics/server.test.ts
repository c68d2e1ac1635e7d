/**
 * The /metrics endpoint, in process: the Prometheus text format by default, OpenMetrics when the
 * scraper prefers it, prom-client's escaping, and one rendering shared by concurrent scrapes.
 */
import http from 'node:http';
import net, { type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { metricFamilies, type Family } from '../../source/metrics/families.js';
import { MetricsServer, negotiate, type ClientLimits } from '../../source/metrics/server.js';
import { MetricTotals } from '../../source/metrics/totals.js';
import { bucketOf } from '../../source/model/histogram.js';
import { OpcodeTable } from '../../source/model/opcodes.js';
import { SEC, T } from '../model/helpers.js';

const INFO = { version: '0.1.0', tier: '1', bpftrace: 'v0.17.0', kernel: '6.18.0' };

function get(
  port: number,
  opts: { path?: string; accept?: string; method?: string } = {},
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: opts.path ?? '/metrics',
        method: opts.method ?? 'GET',
        headers: opts.accept ? { Accept: opts.accept } : {},
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            body,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const servers: MetricsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(
  totals: MetricTotals,
  families?: Family[],
  limits?: Partial<ClientLimits>,
): Promise<MetricsServer> {
  const s = await MetricsServer.start(
    { host: '127.0.0.1', port: 0 },
    totals,
    families ?? metricFamilies(totals.bound.labels, new OpcodeTable(), INFO),
    limits,
  );
  servers.push(s);
  return s;
}

function sample(): MetricTotals {
  const t = new MetricTotals(['comm', 'opcode']);
  t.add({
    tsUs: T + SEC,
    intervalUs: SEC,
    rows: [
      {
        pid: 1,
        comm: 'a"b\\c\nd\x1b',
        opcode: 22,
        ops: 10,
        read: 4096,
        write: 0,
        errors: 1,
        submitted: 0,
        errnos: [11, 1],
        latency: [bucketOf(5000), 9],
      },
    ],
  });
  t.setCapture({ lost: 3, dropped: 0 });
  return t;
}

describe('negotiate', () => {
  it('serves OpenMetrics to Prometheus (its Accept header) and the text format to everyone else', () => {
    expect(
      negotiate(
        'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      ),
    ).toBe('openmetrics');
    expect(negotiate(undefined)).toBe('text');
    expect(negotiate('*/*')).toBe('text');
    expect(negotiate('text/plain')).toBe('text');
    expect(negotiate('text/plain;q=1, application/openmetrics-text;q=0.5')).toBe('text');
    expect(negotiate('application/openmetrics-text; q=0')).toBe('text');
    expect(negotiate('APPLICATION/OPENMETRICS-TEXT')).toBe('openmetrics');
  });
});

describe('MetricsServer', () => {
  it('serves the text format by default: exact values, escaped label values, every family', async () => {
    const s = await serve(sample());
    expect(s.address.host).toBe('127.0.0.1');
    const r = await get(s.address.port);
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    // the command name: the one escape (printable), then the exposition's own escaping
    expect(r.body).toContain(
      'iouringtop_operations_total{comm="a\\"b\\\\\\\\c\\\\nd\\\\x1b",opcode="READ"} 10\n',
    );
    expect(r.body).toContain('# TYPE iouringtop_operations_total counter\n');
    expect(r.body).toContain('iouringtop_lost_events_total 3\n');
    expect(r.body).toContain(
      'iouringtop_build_info{version="0.1.0",tier="1",bpftrace="v0.17.0",kernel="6.18.0"} 1\n',
    );
    expect(r.body).toContain(
      'iouringtop_operation_latency_seconds_bucket{opcode="READ",le="0.000005"} 0\n',
    );
    expect(r.body).toContain(
      'iouringtop_operation_latency_seconds_bucket{opcode="READ",le="0.0000056"} 9\n',
    );
    expect(r.body).toContain(
      'iouringtop_operation_latency_seconds_bucket{opcode="READ",le="+Inf"} 9\n',
    );
    expect(r.body).toContain('iouringtop_operation_latency_seconds_count{opcode="READ"} 9\n');
    expect(r.body.match(/_bucket\{/g)).toHaveLength(142);
    expect(r.body).not.toContain('# EOF');
    // no line break inside a sample, whatever the command name held
    for (const line of r.body.split('\n'))
      expect(line === '' || /^(# (HELP|TYPE) |iouringtop_)/.test(line), line).toBe(true);
  });

  it('serves OpenMetrics when asked: counters named without _total, samples with it, # EOF', async () => {
    const s = await serve(sample());
    const r = await get(s.address.port, { accept: 'application/openmetrics-text' });
    expect(r.type).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(r.body).toContain('# TYPE iouringtop_operations counter\n');
    expect(r.body).toMatch(/^iouringtop_operations_total\{comm=".*",opcode="READ"\} 10$/m);
    expect(r.body.endsWith('# EOF\n')).toBe(true);
    // and the text format is still right after an OpenMetrics scrape
    expect((await get(s.address.port)).body).toContain(
      '# TYPE iouringtop_operations_total counter',
    );
  });

  it('serves the io_uring thread families live: gauges, and CPU counters in seconds', async () => {
    const t = sample();
    const families = metricFamilies(t.bound.labels, new OpcodeTable(), INFO, { threads: true });
    t.setThreads([
      {
        pid: 1,
        comm: 'a"b\\c\nd\x1b',
        workers: 4,
        sqpoll: 1,
        workersCpuSec: 0.07,
        sqpollCpuSec: 2.5,
      },
    ]);
    const s = await serve(t, families);
    const text = (await get(s.address.port)).body;
    const comm = 'comm="a\\"b\\\\\\\\c\\\\nd\\\\x1b"';
    expect(text).toContain('# TYPE iouringtop_iowq_worker_threads gauge\n');
    expect(text).toContain(`iouringtop_iowq_worker_threads{${comm}} 4\n`);
    expect(text).toContain(`iouringtop_sqpoll_threads{${comm}} 1\n`);
    expect(text).toContain('# TYPE iouringtop_sqpoll_cpu_seconds_total counter\n');
    expect(text).toContain(`iouringtop_sqpoll_cpu_seconds_total{${comm}} 2.5\n`);
    expect(text).toContain(`iouringtop_iowq_worker_cpu_seconds_total{${comm}} 0.07\n`);
    const om = (await get(s.address.port, { accept: 'application/openmetrics-text' })).body;
    expect(om).toContain('# TYPE iouringtop_sqpoll_cpu_seconds counter\n');
    expect(om).toContain(`iouringtop_sqpoll_cpu_seconds_total{${comm}} 2.5\n`);
    // the endpoint's default families (an export's) have none of them
    const plain = await serve(t);
    expect((await get(plain.address.port)).body).not.toContain('iouringtop_sqpoll');
  });

  it('HEAD, /, unknown paths and other methods', async () => {
    const s = await serve(sample());
    const p = s.address.port;
    expect(await get(p, { method: 'HEAD' })).toMatchObject({ status: 200, body: '' });
    expect(await get(p, { path: '/' })).toMatchObject({ status: 200 });
    expect(await get(p, { path: '/metrics?x=1' })).toMatchObject({ status: 200 });
    expect(await get(p, { path: '/metricsx' })).toMatchObject({ status: 404 });
    expect(await get(p, { method: 'POST' })).toMatchObject({ status: 405 });
  });

  it('50 concurrent scrapes share one rendering; a change of the totals renders again', async () => {
    const totals = sample();
    let reads = 0;
    const family: Family = {
      name: 'test_reads_total',
      help: 'times read',
      type: 'counter',
      labelNames: [],
      read: () => {
        reads++;
        return [{ labels: {}, value: totals.generation }];
      },
    };
    const s = await serve(totals, [family]);
    const all = await Promise.all(Array.from({ length: 50 }, () => get(s.address.port)));
    expect(new Set(all.map((r) => r.body)).size).toBe(1);
    expect(reads).toBe(1);
    totals.setCapture({ lost: 4, dropped: 0 });
    const again = await get(s.address.port);
    expect(reads).toBe(2);
    expect(again.body).toContain(`test_reads_total ${totals.generation}`);
  });

  it('a port in use: one line that says so', async () => {
    const s = await serve(sample());
    await expect(
      MetricsServer.start({ host: '127.0.0.1', port: s.address.port }, sample(), []),
    ).rejects.toThrow(
      new Error(
        `--metrics 127.0.0.1:${s.address.port}: the port is in use (another exporter?); choose another port`,
      ),
    );
  });

  it('close() ends kept-alive connections too', async () => {
    const s = await serve(sample());
    const agent = new http.Agent({ keepAlive: true });
    const socket = await new Promise<Socket>((resolve, reject) => {
      let sock: Socket | undefined;
      http
        .get({ host: '127.0.0.1', port: s.address.port, path: '/metrics', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(sock!));
        })
        .on('socket', (x) => (sock = x))
        .on('error', reject);
    });
    // the response is done, and its connection is kept open for the next scrape
    expect(s.openConnections).toBe(1);
    expect(socket.destroyed).toBe(false);
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    servers.splice(servers.indexOf(s), 1);
    await s.close(); // resolves: the kept-alive socket does not hold it open
    await socketClosed; // the server ended it: the client sees its connection close
    await expect(get(s.address.port)).rejects.toThrow(/ECONNREFUSED/);
    agent.destroy();
  });
});

/** A family of `n` samples with long labels: an exposition of about n × 130 bytes. */
function big(n: number): Family {
  return {
    name: 'test_big_total',
    help: 'many series',
    type: 'counter',
    labelNames: ['k'],
    read: () =>
      Array.from({ length: n }, (_, i) => ({ labels: { k: `v${i}`.padEnd(100, 'x') }, value: i })),
  };
}

/** A raw client: connects, sends `request` (if any), then never reads. */
function rawClient(port: number, request?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => {
      if (request !== undefined) c.write(request);
      c.pause();
      resolve(c);
    });
    c.on('error', () => undefined); // a reset is what some tests wait for
    c.once('error', reject);
  });
}

/** Resolves once the server has closed `c` (it reads EOF or a reset), or rejects after `ms`. */
function closedByServer(c: net.Socket, ms: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
    c.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - t0);
    });
    // a paused socket sees neither EOF nor data: let the data go, the close then shows
    c.on('data', () => undefined);
    c.resume();
  });
}

const GET = 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n';

describe('MetricsServer: clients that do not behave', () => {
  const clients: net.Socket[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });

  it('past the connection limit a new connection closes the oldest: idle ones cannot lock a scraper out', async () => {
    const s = await serve(sample(), undefined, { maxConnections: 5 });
    for (let i = 0; i < 20; i++) clients.push(await rawClient(s.address.port));
    // the first fifteen were closed to make room
    await Promise.all(clients.slice(0, 15).map((c) => closedByServer(c, 5000)));
    expect(s.evicted).toBeGreaterThanOrEqual(15);
    expect(s.openConnections).toBeLessThanOrEqual(5);
    const r = await get(s.address.port);
    expect(r.status).toBe(200);
    expect(r.body).toContain('iouringtop_lost_events_total 3');
  });

  it('closes a connection whose request does not come', async () => {
    const s = await serve(sample(), undefined, { requestTimeoutMs: 300, idleTimeoutMs: 60_000 });
    // half a request, then nothing
    const c = await rawClient(s.address.port, 'GET /metrics HTTP/1.1\r\n');
    clients.push(c);
    expect(await closedByServer(c, 5000)).toBeLessThan(5000);
  });

  it('closes an idle connection', async () => {
    const s = await serve(sample(), undefined, { idleTimeoutMs: 300 });
    const c = await rawClient(s.address.port);
    clients.push(c);
    expect(await closedByServer(c, 5000)).toBeLessThan(5000);
  });

  it('closes a connection that asks and never reads, within the send timeout, though it is not idle', async () => {
    // 8 MiB: more than the kernel's buffers take, so the answer waits on a client that never reads
    const s = await serve(sample(), [big(64_000)], { sendTimeoutMs: 500, idleTimeoutMs: 60_000 });
    clients.push(await rawClient(s.address.port, GET));
    await eventuallyTrue(() => s.openConnections === 1);
    // (the client never reads: the server's side is what shows the close)
    await eventuallyTrue(() => s.openConnections === 0, 10_000);
    // a reader that reads gets it all
    const r = await get(s.address.port);
    expect(r.body.length).toBeGreaterThan(8_000_000);
  });

  it('drops a client that asks again and again without taking its answers (pipelined, unread)', async () => {
    const s = await serve(sample(), [big(64_000)], {
      sendTimeoutMs: 60_000,
      idleTimeoutMs: 60_000,
    });
    // twenty requests at once on one connection, none of whose answers is read
    clients.push(await rawClient(s.address.port, GET.repeat(20)));
    await eventuallyTrue(() => s.openConnections === 1);
    await eventuallyTrue(() => s.openConnections === 0, 10_000);
  });
});

async function eventuallyTrue(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
