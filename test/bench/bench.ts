/**
 * `npm run bench`: throughput of the capture pipeline on synthetic bpftrace output.
 *
 * Generates N (default 2,000,000; `node dist/test/bench/bench.js [N]`) event lines in the capture
 * program's format (bpf/program.ts: packed hex fields, a name line per process) with a realistic mix of processes and opcodes, cut into 64 KiB chunks as they come
 * from the child's stdout, then measures, each in a fresh process state:
 *   1. split only   — cutting the chunks into lines (the floor of any line-based parser);
 *   2. parse→model  — the real LineParser feeding the Model, with advance() + snapshot() once per
 *                     simulated second, the figures aggregated from the events (as a replay
 *                     without counts does); then parse→buffer, the live path, where the kernel's
 *                     counts deliver the figures and the events only fill the buffer;
 *   3. parse→buffer→CSV — the live path plus the real CsvRecorder writing a temp file (close
 *                     included);
 *   4. replay --headless — the built CLI replaying that CSV, with its peak RSS;
 *   5. replay seeks on that CSV, with and without checkpoints;
 * and prints events/s for each, the buffer's bytes per event, and the heap.
 * Targets (2-core machine): parse→model ≥ 1 M/s, with CSV ≥ 0.5 M/s, ≤ 100 B per buffered event.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LineParser } from '../../source/collect/parse.js';
import { CsvRecorder } from '../../source/record/csvWriter.js';
import { Model } from '../../source/model/model.js';
import { Playback } from '../../source/record/playback.js';
import type { IoEvent } from '../../source/model/event.js';
import { rng } from '../model/helpers.js'; // mulberry32: every run feeds the same stream
import { emptyOpCounts, type OpCounts } from '../../source/model/counts.js';
import { bucketOf } from '../../source/model/histogram.js';
import { OpcodeTable } from '../../source/model/opcodes.js';
import { IntervalReporter } from '../../source/render/intervals.js';

const N = Number(process.argv[2] ?? 2_000_000);
const TOKEN = '3fa9c01e';
const EVENTS_PER_SEC = 100_000; // simulated capture rate: N events span N / 100k seconds
const MONO_START_NS = 5_000_000_000_000; // ~58 days of uptime
const OFFSET_US = 1_760_000_000_000_000 - MONO_START_NS / 1000; // wall − mono

interface Proc {
  pid: number;
  comm: string;
  weight: number;
  /** [opcode, weight] */
  ops: [number, number][];
}

// READ 22, WRITE 23, READV 1, WRITEV 2, FSYNC 3, POLL_ADD 6, TIMEOUT 11, ACCEPT 13, OPENAT 18,
// CLOSE 19, STATX 21, SEND 26, RECV 27, READ_FIXED 4, WRITE_FIXED 5, IO_URING_ENTER 255
// prettier-ignore
const PROCS: Proc[] = [
  { pid: 2101, comm: 'postgres', weight: 14, ops: [[22, 50], [23, 20], [3, 5], [18, 2], [19, 2], [255, 12]] },
  { pid: 2102, comm: 'postgres', weight: 10, ops: [[22, 55], [23, 15], [3, 6], [255, 12]] },
  { pid: 2103, comm: 'postgres', weight: 6, ops: [[23, 60], [3, 20], [255, 12]] },
  { pid: 3300, comm: 'nginx', weight: 12, ops: [[27, 35], [26, 35], [13, 5], [6, 10], [19, 3], [255, 10]] },
  { pid: 3301, comm: 'nginx', weight: 12, ops: [[27, 35], [26, 35], [13, 5], [6, 10], [19, 3], [255, 10]] },
  { pid: 4400, comm: 'fio', weight: 20, ops: [[4, 45], [5, 45], [255, 6]] },
  { pid: 4401, comm: 'fio', weight: 10, ops: [[1, 40], [2, 40], [255, 8]] },
  { pid: 5150, comm: 'redis-server', weight: 6, ops: [[27, 40], [26, 40], [11, 5], [255, 10]] },
  { pid: 6001, comm: 'node', weight: 5, ops: [[22, 30], [23, 10], [21, 20], [18, 10], [19, 10], [255, 15]] },
  { pid: 7007, comm: 'rocksdb:low', weight: 4, ops: [[22, 40], [23, 40], [3, 5], [255, 8]] },
  { pid: 8123, comm: 'iou-sqp-8120', weight: 1, ops: [[22, 50], [23, 50]] },
];

function pick<T>(r: number, items: readonly T[], weight: (t: T) => number): T {
  let total = 0;
  for (const it of items) total += weight(it);
  let x = r * total;
  for (const it of items) {
    x -= weight(it);
    if (x < 0) return it;
  }
  return items[items.length - 1];
}

/** N event lines, in 64 KiB chunks (a chunk may end mid-line, as a pipe read does). */
function generate(n: number): string[] {
  const rand = rng(42);
  const chunks: string[] = [];
  let buf = '';
  const stepNs = 1e9 / EVENTS_PER_SEC;
  const sizes = [512, 4096, 4096, 4096, 8192, 16384, 65536, 131072];
  const named = new Set<number>();
  for (let i = 0; i < n; i++) {
    const p = pick(rand(), PROCS, (x) => x.weight);
    const op = pick(rand(), p.ops, (x) => x[1])[0];
    const mono = MONO_START_NS + Math.floor(i * stepNs + rand() * 1000);
    const r = rand();
    let fd = 5 + Math.floor(rand() * 40);
    let offset = 0;
    let length = 0;
    let result = 0;
    // Latency: mostly 10–200 µs with a long tail to tens of ms.
    let latency = Math.floor(8_000 + rand() * rand() * 200_000 + (r < 0.01 ? rand() * 40e6 : 0));
    let flags = 0;
    if (op === 255) {
      fd = 3;
      length = 1 + Math.floor(rand() * 32);
      result = length;
      latency = Math.floor(1_000 + rand() * 20_000);
    } else if (op === 22 || op === 23 || op === 4 || op === 5) {
      length = sizes[Math.floor(rand() * sizes.length)];
      offset = Math.floor(rand() * 1e6) * 4096;
      result = r < 0.005 ? -11 : r < 0.007 ? -125 : length;
    } else if (op === 1 || op === 2) {
      length = 1 + Math.floor(rand() * 8);
      offset = Math.floor(rand() * 1e6) * 4096;
      result = length * 4096;
    } else if (op === 26 || op === 27) {
      length = 16384;
      result = r < 0.03 ? -11 : r < 0.032 ? -104 : 1 + Math.floor(rand() * 16384);
    } else if (op === 11) {
      result = -62; // ETIME: a timeout that fired
      latency = 1_000_000_000;
    } else if (op === 13) {
      result = r < 0.1 ? -11 : 100 + Math.floor(rand() * 900);
    } else if (op === 18) {
      fd = -100;
      result = r < 0.05 ? -2 : 50 + Math.floor(rand() * 100);
    } else if (op === 6) {
      result = 1;
      latency = Math.floor(rand() * 5e6);
      flags = rand() < 0.01 ? 1 : 0;
    } else {
      result = 0;
    }
    // as the program prints them: a process's name once, then packed event lines
    if (!named.has(p.pid)) {
      named.add(p.pid);
      buf += `${TOKEN}N\t${p.pid}\t${p.comm}\t${TOKEN}\n`;
    }
    const a =
      BigInt(p.pid) | (BigInt(flags) << 22n) | (BigInt(op) << 24n) | (BigInt(fd >>> 0) << 32n);
    const b = BigInt(length >>> 0) | (BigInt(result >>> 0) << 32n);
    buf += `${TOKEN}E\t${mono}\t${latency}\t${a.toString(16)}\t${offset}\t${b.toString(16)}\t${TOKEN}\n`;
    if (buf.length >= 65536) {
      chunks.push(buf.slice(0, 65536));
      buf = buf.slice(65536);
    }
  }
  if (buf.length > 0) chunks.push(buf);
  // Flatten the cons-strings the concatenation built, as strings read from a pipe are flat.
  return chunks.map((c) => Buffer.from(c, 'latin1').toString('latin1'));
}

function splitOnly(chunks: readonly string[]): number {
  let lines = 0;
  let rest = '';
  let sink = 0;
  for (const chunk of chunks) {
    const text = rest.length > 0 ? rest + chunk : chunk;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      sink += text.slice(start, nl).length;
      lines++;
      start = nl + 1;
    }
    rest = start < text.length ? text.slice(start) : '';
  }
  if (sink === 0) console.log('');
  return lines;
}

/** Feeds the chunks through parse → model (→ sink), ticking the model once per simulated second. */
function run(chunks: readonly string[], model: Model, extra?: (ev: IoEvent) => void): number {
  let lastTs = 0;
  const parser = new LineParser({
    token: TOKEN,
    monoToWallOffsetUs: OFFSET_US,
    onEvent: extra
      ? (ev) => {
          model.push(ev);
          extra(ev);
          lastTs = ev.tsUs;
        }
      : (ev) => {
          model.push(ev);
          lastTs = ev.tsUs;
        },
    onNotice: (line) => {
      throw new Error(`unexpected notice: ${line}`);
    },
  });
  let nextTick = 0;
  for (const chunk of chunks) {
    parser.feed(chunk);
    if (lastTs >= nextTick) {
      if (nextTick > 0) {
        model.advance(lastTs);
        model.snapshot();
      }
      nextTick = (Math.floor(lastTs / 1e6) + 1) * 1e6;
    }
  }
  parser.end();
  return parser.events;
}

/**
 * The real CLI, `iouringtop --replay FILE --headless`, on the CSV just written: its own rows/s
 * report, the wall time, and its peak RSS (VmHWM, polled from /proc while it runs), which shows
 * whether the file is streamed (the peak stays flat as the file grows) or loaded.
 */
async function replayHeadless(file: string, size: number, rows: number): Promise<void> {
  const cli = path.resolve(import.meta.dirname, '../../cli.js');
  const t = performance.now();
  const child = spawn(process.execPath, [cli, '--replay', file, '--headless'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let hwmKiB = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) hwmKiB = Math.max(hwmKiB, Number(m[1]));
    } catch {
      // exited between two polls
    }
  }, 20);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(poll);
  const ms = performance.now() - t;
  const m = /replayed (\d+) rows in ([\d.]+) s \((\d+) rows\/s\)/.exec(stderr);
  if (code !== 0 || !m || Number(m[1]) !== rows)
    throw new Error(`replay --headless failed (exit ${String(code)}): ${stderr}`);
  console.log(
    `replay --headless:  ${(Number(m[3]) / 1e6).toFixed(2)} M rows/s as it reports (${rows} rows, ` +
      `${(size / 2 ** 20).toFixed(0)} MiB CSV); ${(ms / 1000).toFixed(1)} s wall including start-up; ` +
      `peak RSS ${(hwmKiB / 1024).toFixed(0)} MiB`,
  );
}

/**
 * Replay seeks in the TUI's way (a Model sink), on the same CSV: the first pass to the end, then
 * one step back from the end, ten more seconds back, and start→end again; without checkpoints
 * (each backwards seek re-reads from the start) and with the default ones.
 */
async function seeks(file: string): Promise<void> {
  for (const checkpointEvents of [0, undefined]) {
    const r = await Playback.open(file, new Model(), { speed: 'max', checkpointEvents });
    const time = async (what: () => Promise<void>): Promise<string> => {
      const t = performance.now();
      await what();
      return `${((performance.now() - t) / 1000).toFixed(2)} s`;
    };
    const first = await time(() => r.jumpToEnd());
    const back1 = await time(() => r.step(-1_000_000));
    const back10 = await time(() => r.step(-10_000_000));
    const again = await time(async () => {
      await r.jumpToStart();
      await r.jumpToEnd();
    });
    console.log(
      `replay seeks, ${checkpointEvents === 0 ? 'no checkpoints' : `${r.status.checkpoints} checkpoints`}: ` +
        `first pass to the end ${first}, 1 s back ${back1}, 10 s further back ${back10}, g then G ${again}`,
    );
    r.close();
  }
}

function rate(n: number, ms: number): string {
  return `${((n * 1000) / ms / 1e6).toFixed(2)} M events/s`;
}

function heapMiB(): string {
  const m = process.memoryUsage();
  return `heap used ${(m.heapUsed / 2 ** 20).toFixed(0)} MiB, array buffers ${(m.arrayBuffers / 2 ** 20).toFixed(0)} MiB`;
}

/**
 * Process churn (a build, a CGI server): CHURN_PER_SEC new short-lived processes a second, each
 * with 3 NOPs in one io_uring_enter, delivered as the kernel's counts are (a delta a second),
 * into the live model (a snapshot a second, as the TUI takes) and the --interval reports' model.
 * Beyond 4 096 processes, rows are evicted and new ones made from what they leave.
 */
const CHURN_PER_SEC = 2000;
const CHURN_SECS = 30;
function churn(): void {
  const nop = bucketOf(4_000);
  const enter = bucketOf(9_000);
  const live = new Model({ aggregate: 'counts' });
  const reports = new IntervalReporter({
    everyUs: 1_000_000,
    json: true,
    opcodes: new OpcodeTable(),
    diagnostics: null,
    keeping: { kind: 'none' },
    from: 'counts',
  });
  let pid = 100_000;
  let lines = 0;
  const t = performance.now();
  for (let sec = 1; sec <= CHURN_SECS; sec++) {
    const rows: OpCounts[] = [];
    for (let i = 0; i < CHURN_PER_SEC; i++, pid++) {
      rows.push({ ...emptyOpCounts(pid, 'cc1', 0), ops: 3, latency: [nop, 3] });
      rows.push({ ...emptyOpCounts(pid, 'cc1', 255), ops: 1, submitted: 3, latency: [enter, 1] });
    }
    const d = { tsUs: OFFSET_US + sec * 1_000_000, intervalUs: 1_000_000, rows };
    live.pushCounts(d);
    live.snapshot();
    lines += reports.counts(d).length > 0 ? 1 : 0;
  }
  const ms = performance.now() - t;
  const n = CHURN_PER_SEC * CHURN_SECS;
  const snap = live.snapshot();
  if (snap.totals.total.ops !== 3 * n || lines !== CHURN_SECS)
    throw new Error(`churn: ${snap.totals.total.ops} NOPs of ${3 * n}, ${lines} reports`);
  console.log(
    `churn:              ${((n * 1000) / ms / 1e3).toFixed(1)} K processes/s  (${ms.toFixed(0)} ms for ` +
      `${n} processes, ${CHURN_PER_SEC} new a second, through the live model with a snapshot a ` +
      `second and the --interval reports; ${snap.evictedProcesses} rows evicted)`,
  );
}

async function main(): Promise<void> {
  let t = performance.now();
  const chunks = generate(N);
  const bytes = chunks.reduce((s, c) => s + c.length, 0);
  console.log(
    `generated ${N} events (${(bytes / 2 ** 20).toFixed(0)} MiB of lines, ${PROCS.length} processes) in ${(performance.now() - t).toFixed(0)} ms`,
  );

  t = performance.now();
  const lines = splitOnly(chunks);
  let ms = performance.now() - t;
  console.log(`split only:         ${rate(lines, ms)}  (${ms.toFixed(0)} ms)`);

  let model = new Model();
  t = performance.now();
  let n = run(chunks, model);
  ms = performance.now() - t;
  console.log(
    `parse → model:      ${rate(n, ms)}  (${ms.toFixed(0)} ms; figures from the events, as a replay without counts)`,
  );
  {
    // live: the kernel's counts deliver the figures; the events only fill the buffer
    const live = new Model({ aggregate: 'counts' });
    t = performance.now();
    const k = run(chunks, live);
    ms = performance.now() - t;
    console.log(
      `parse → buffer:     ${rate(k, ms)}  (${ms.toFixed(0)} ms; live, figures from the counts)`,
    );
  }
  t = performance.now();
  const snap = model.snapshot();
  ms = performance.now() - t;
  console.log(
    `  snapshot: ${ms.toFixed(1)} ms for a 1 s window of ${snap.totals.eventsPerSec} events, ` +
      `${snap.processes.length} processes, ${snap.processOpcodes.length} process × opcode rows`,
  );
  const buf = snap.buffer;
  console.log(
    `  buffer: ${buf.events} events, ${buf.bytesPerEvent} bytes per buffered event ` +
      `(${(buf.allocatedBytes / buf.events).toFixed(1)} allocated), ${heapMiB()}`,
  );
  if (n !== N) throw new Error(`parsed ${n} of ${N} events`);
  churn();

  const dir = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-bench-'));
  try {
    // as live capture runs: the events fill the buffer and the recording
    model = new Model({ aggregate: 'counts' });
    t = performance.now();
    const rec = await CsvRecorder.create({ outputDir: dir, startTime: new Date() });
    n = run(chunks, model, (ev) => rec.push(ev));
    await rec.close();
    ms = performance.now() - t;
    const size = statSync(rec.path).size;
    console.log(
      `parse → buffer → CSV: ${rate(n, ms)}  (${ms.toFixed(0)} ms, ${(size / 2 ** 20).toFixed(0)} MiB written; live with recording)`,
    );
    console.log(`  ${heapMiB()}`);
    chunks.length = 0; // the replay below runs in its own process; let this one shrink
    await replayHeadless(rec.path, size, n);
    await seeks(rec.path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
