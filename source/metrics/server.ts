/**
 * The /metrics endpoint: an HTTP server that serves the running totals (totals.ts) through
 * prom-client, in the Prometheus text format, or in OpenMetrics when the scraper's Accept header
 * prefers it (Prometheus does).
 *
 * Two registries, one per format, each with its own metric objects (prom-client renames a counter
 * when it writes OpenMetrics, so one object cannot serve both). Each metric is a prom-client
 * Counter, Gauge or Histogram whose samples are read from the totals at each scrape (the latency
 * histogram takes its exact bucket counts from them: prom-client's Histogram only counts the
 * values it observes one by one); prom-client writes the exposition. A scrape renders at most
 * once per change of the totals (once a second, live): any number of concurrent scrapes share
 * that text, so they cost the capture, which runs on the same event loop, one rendering a second
 * at most.
 *
 * Clients are whoever can reach the port, and may never read what they asked for. So the text is
 * kept as one Buffer that every response refers to (a client that does not read holds a reference,
 * not a copy); at most MAX_CONNECTIONS are open (a new one closes the oldest: a scraper's request
 * takes milliseconds, so a flood of idle connections cannot lock it out); a connection is closed
 * when its request does not come within REQUEST_TIMEOUT_MS, when it is idle (nothing read or
 * written) for IDLE_TIMEOUT_MS, when a response is not taken whole within SEND_TIMEOUT_MS, and
 * when it asks for more while its answers still wait (a full buffer, or MAX_PIPELINED requests
 * unanswered). Closed with a reset: the kernel then drops what it held for the client.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  type OpenMetricsContentType,
  type PrometheusContentType,
} from 'prom-client';
import { escape } from '../escape.js';
import type { ListenAddress } from './address.js';
import { LE_SECONDS } from './buckets.js';
import type { Family, HistogramFamily, ScalarFamily } from './families.js';
import type { MetricTotals } from './totals.js';

type Format = 'text' | 'openmetrics';

/** Connections open at once; a new one past it closes the oldest. */
export const MAX_CONNECTIONS = 100;
/** A request's headers and body must arrive within this. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** A connection with nothing read or written for this long is closed (keep-alive included). */
export const IDLE_TIMEOUT_MS = 10_000;
/** A response must be taken whole (written to the kernel) within this, or its connection goes. */
export const SEND_TIMEOUT_MS = 30_000;

/** Requests a connection may have waiting for their answers (pipelined); one more closes it. */
const MAX_PIPELINED = 4;

/** The limits a server keeps (tests shorten them). */
export interface ClientLimits {
  maxConnections: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  sendTimeoutMs: number;
}

const LIMITS: ClientLimits = {
  maxConnections: MAX_CONNECTIONS,
  requestTimeoutMs: REQUEST_TIMEOUT_MS,
  idleTimeoutMs: IDLE_TIMEOUT_MS,
  sendTimeoutMs: SEND_TIMEOUT_MS,
};
type AnyRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;

/** What each metric object is made with: its family's name, help and label names. */
function options(f: Family, registry: AnyRegistry) {
  return { name: f.name, help: f.help, labelNames: f.labelNames, registers: [registry] };
}

/** What the registry formats for a family (it asks each metric for this before get()). */
function exposition<V>(
  f: Family,
  name: string,
  type: 'counter' | 'gauge' | 'histogram',
  values: V,
) {
  return Promise.resolve({ name, help: f.help, type, values, aggregator: 'sum' as const });
}

/** A histogram whose samples are the totals' exact bucket counts, read at each scrape. */
class TotalsHistogram extends Histogram<string> {
  constructor(
    private readonly family: HistogramFamily,
    private readonly totals: MetricTotals,
    registry: AnyRegistry,
  ) {
    super({ ...options(family, registry), buckets: [...LE_SECONDS] });
  }

  /**
   * What the registry formats (prom-client's Histogram answers the same from what it observed):
   * per labelset, the cumulative buckets, then +Inf, _sum and _count.
   */
  getForPromString() {
    const name = this.family.name;
    const values = [];
    for (const h of this.family.read(this.totals)) {
      const bucket = (le: number | string, value: number) => ({
        labels: { ...h.labels, le },
        sharedLabels: {},
        value,
        metricName: `${name}_bucket`,
      });
      LE_SECONDS.forEach((le, i) => values.push(bucket(le, h.buckets[i])));
      values.push(
        bucket('+Inf', h.count),
        { labels: h.labels, sharedLabels: {}, value: h.sum, metricName: `${name}_sum` },
        { labels: h.labels, sharedLabels: {}, value: h.count, metricName: `${name}_count` },
      );
    }
    return exposition(this.family, name, 'histogram', values);
  }
}

/**
 * A counter whose samples are the totals' values, read at each scrape: prom-client formats them,
 * without the per-sample label hashing that refilling a Counter with inc() would cost. An
 * OpenMetrics registry names the family without _total (its samples keep it).
 */
class TotalsCounter extends Counter<string> {
  constructor(
    private readonly family: ScalarFamily,
    private readonly totals: MetricTotals,
    private readonly format: Format,
    registry: AnyRegistry,
  ) {
    super(options(family, registry));
  }

  getForPromString() {
    const f = this.family;
    const name = this.format === 'openmetrics' ? f.name.replace(/_total$/, '') : f.name;
    return exposition(f, name, 'counter', f.read(this.totals));
  }
}

/** A gauge whose samples are the totals' values, read at each scrape. */
class TotalsGauge extends Gauge<string> {
  constructor(
    private readonly family: ScalarFamily,
    private readonly totals: MetricTotals,
    registry: AnyRegistry,
  ) {
    super(options(family, registry));
  }

  getForPromString() {
    return exposition(this.family, this.family.name, 'gauge', this.family.read(this.totals));
  }
}

function register(f: Family, totals: MetricTotals, format: Format, registry: AnyRegistry): void {
  if (f.type === 'histogram') new TotalsHistogram(f, totals, registry);
  else if (f.type === 'counter') new TotalsCounter(f, totals, format, registry);
  else new TotalsGauge(f, totals, registry);
}

/**
 * The format a scraper asked for: OpenMetrics when its Accept header gives
 * application/openmetrics-text a weight above 0 and at least that of text/plain; else text.
 */
export function negotiate(accept: string | undefined): Format {
  if (!accept) return 'text';
  let om = 0;
  let text = 0;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q)) continue;
    if (type === 'application/openmetrics-text') om = Math.max(om, q);
    else if (type === 'text/plain' || type === 'text/*' || type === '*/*') text = Math.max(text, q);
  }
  return om > 0 && om >= text ? 'openmetrics' : 'text';
}

export class MetricsServer {
  private readonly registries: {
    text: Registry<PrometheusContentType>;
    openmetrics: Registry<OpenMetricsContentType>;
  };
  private readonly rendered = new Map<Format, { generation: number; body: Promise<Buffer> }>();
  /** Open connections, oldest first. */
  private readonly connections = new Set<Socket>();
  /** Connections closed to make room for newer ones, since start. */
  evicted = 0;
  /** Per connection, the answers not yet taken whole. */
  private readonly unanswered = new WeakMap<Socket, number>();

  private constructor(
    private readonly server: http.Server,
    private readonly totals: MetricTotals,
    families: readonly Family[],
    /** Where it listens (the port the system gave, when asked for 0). */
    readonly address: ListenAddress,
    private readonly limits: ClientLimits,
  ) {
    // (prom-client's typings lack the constructor's content type: set it after)
    const openmetrics = new Registry<OpenMetricsContentType>();
    openmetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    this.registries = { text: new Registry(), openmetrics };
    for (const format of ['text', 'openmetrics'] as const)
      for (const f of families) register(f, totals, format, this.registries[format]);
  }

  /** Listens on `at`; throws a one-line Error when it cannot (the port in use, …). */
  static async start(
    at: ListenAddress,
    totals: MetricTotals,
    families: readonly Family[],
    limits: Partial<ClientLimits> = {},
  ): Promise<MetricsServer> {
    const l = { ...LIMITS, ...limits };
    const server = http.createServer({
      requestTimeout: l.requestTimeoutMs,
      headersTimeout: l.requestTimeoutMs,
      keepAliveTimeout: Math.min(5000, l.idleTimeoutMs),
      // (Node looks at the two timeouts above this often: 30 s by default)
      connectionsCheckingInterval: Math.min(1000, l.requestTimeoutMs),
    });
    // idle: nothing read or written (a client that does not read its answer is idle too)
    server.setTimeout(l.idleTimeoutMs, drop);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: at.host, port: at.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((e: NodeJS.ErrnoException) => {
      throw new Error(listenError(at, e));
    });
    const bound = server.address();
    const port = typeof bound === 'object' && bound !== null ? bound.port : at.port;
    const s = new MetricsServer(server, totals, families, { host: at.host, port }, l);
    server.on('connection', (socket: Socket) => s.admit(socket));
    server.on('request', (req, res) => s.handle(req, res));
    return s;
  }

  /** Keeps at most maxConnections open: a new one closes the oldest. */
  private admit(socket: Socket): void {
    const open = this.connections;
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    while (open.size > this.limits.maxConnections) {
      const oldest = open.values().next().value as Socket;
      open.delete(oldest);
      drop(oldest);
      this.evicted++;
    }
  }

  /** Connections open now. */
  get openConnections(): number {
    return this.connections.size;
  }

  private render(format: Format): Promise<Buffer> {
    const cached = this.rendered.get(format);
    if (cached !== undefined && cached.generation === this.totals.generation) return cached.body;
    // one Buffer per rendering: every response refers to it, none copies it
    const body = this.registries[format].metrics().then((text) => Buffer.from(text, 'utf8'));
    this.rendered.set(format, { generation: this.totals.generation, body });
    return body;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const socket = req.socket;
    // More requests on a connection whose answers are not taken (pipelined, unread), or whose
    // buffer is full: the client is not reading. Nothing more is written to it.
    const waiting = this.unanswered.get(socket) ?? 0;
    if (socket.writableNeedDrain || waiting >= MAX_PIPELINED) {
      drop(socket);
      return;
    }
    this.unanswered.set(socket, waiting + 1);
    // the whole answer must be taken within the send timeout, however slowly it is read
    const deadline = setTimeout(() => drop(socket), this.limits.sendTimeoutMs);
    deadline.unref();
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      this.unanswered.set(socket, (this.unanswered.get(socket) ?? 1) - 1);
    };
    res.once('finish', done);
    res.once('close', done);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' });
      res.end('only GET and HEAD\n');
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : 'iouringtop exporter: see /metrics\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found: the metrics are at /metrics\n');
      return;
    }
    const format = negotiate(req.headers.accept);
    this.render(format).then(
      (body) => {
        if (res.destroyed) return; // the client went (or was closed) while it rendered
        res.writeHead(200, {
          'Content-Type': this.registries[format].contentType,
          'Content-Length': body.length,
          'Cache-Control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (e: Error) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`${escape(e.message, 300)}\n`);
      },
    );
  }

  /** Stops listening and ends open connections (a scraper's keep-alive included). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/**
 * Closes a client's connection with a reset: what its buffer still holds is dropped, where a
 * plain close would leave the kernel holding it, trying to deliver it to a client that does not
 * read.
 */
function drop(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy(); // (not connected yet: nothing to reset)
  }
}

/** A failure to listen as one line that says what to do. */
export function listenError(at: ListenAddress, e: NodeJS.ErrnoException): string {
  const where = `--metrics ${formatAddress(at)}`;
  switch (e.code) {
    case 'EADDRINUSE':
      return `${where}: the port is in use (another exporter?); choose another port`;
    case 'EADDRNOTAVAIL':
      return `${where}: no interface of this machine has that address`;
    case 'EACCES':
      return `${where}: not allowed to listen there (ports below 1024 need root)`;
    default:
      return `${where}: cannot listen: ${escape(e.message, 200)}`;
  }
}

/** `127.0.0.1:9464`, `[::1]:9464`. */
export function formatAddress(at: ListenAddress): string {
  return at.host.includes(':') ? `[${at.host}]:${at.port}` : `${at.host}:${at.port}`;
}
