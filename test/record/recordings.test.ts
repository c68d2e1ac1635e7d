/**
 * The bundled recordings (recordings/, made by recordings/make-recordings.sh) are what `npm run
 * demo` and `npm start` without root show: they must stay readable, small, described by their
 * metadata, and hold what recordings/README.md says they hold.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../source/config.js';
import { copyEvent, type IoEvent } from '../../source/model/event.js';
import { OpcodeTable } from '../../source/model/opcodes.js';
import { readCountsFile } from '../../source/record/countsFile.js';
import { readRecording } from '../../source/record/csvReader.js';
import { readSessionMeta } from '../../source/record/meta.js';
import { ReplaySource } from '../../source/sources/replay.js';

const opcodeName = (code: number): string => new OpcodeTable().name(code);

const DIR = path.resolve(import.meta.dirname, '../../recordings');

const loaded = new Map<string, ReturnType<typeof readWhole>>();
/** A bundled recording, its rows, read stats, metadata and events per opcode (read once). */
function load(name: string) {
  let p = loaded.get(name);
  if (!p) loaded.set(name, (p = readWhole(name)));
  return p;
}

async function readWhole(name: string) {
  const file = path.join(DIR, name);
  const rows: IoEvent[] = [];
  const stats = await readRecording(file, { push: (ev) => rows.push(copyEvent(ev)) });
  const meta = await readSessionMeta(file);
  const ops: Record<string, number> = {};
  for (const r of rows) ops[opcodeName(r.opcode)] = (ops[opcodeName(r.opcode)] ?? 0) + 1;
  return { file, rows, stats, meta, ops };
}

const BUNDLED = ['demo.csv.gz', 'fio-randrw.csv', 'node-sqpoll.csv', 'workload-mix.csv'];

describe.each(BUNDLED)('%s', (name) => {
  it('is under 2 MB, parses whole, and its metadata matches it', async () => {
    const { file, rows, stats, meta } = await load(name);
    expect(statSync(file).size).toBeLessThan(2_000_000);
    expect(stats.skipped).toBe(0);
    expect(stats.truncatedLine ?? null).toBeNull();
    expect(meta).not.toBeNull();
    expect(meta!.csvFile).toBe(name);
    expect(meta!.events).toBe(rows.length);
    expect(meta!.captureTier).toMatch(/^tier 1/);
    expect([meta!.lost, meta!.dropped, meta!.overflow]).toEqual([0, 0, 0]);
    expect(Date.parse(meta!.endedAt!)).toBeGreaterThan(Date.parse(meta!.startedAt));
    // Every row lies within the session. The CSV's times are the recording host's local time
    // and are read as this machine's: compare with the metadata's times read the same way.
    const local = (iso: string) => Date.parse(iso.slice(0, 23)) * 1000;
    const from = local(meta!.startedAt) - 1000;
    const to = local(meta!.endedAt!) + 1000;
    expect(rows.filter((r) => r.tsUs < from || r.tsUs > to)).toEqual([]);
  });
});

describe('what each recording holds', () => {
  it('fio-randrw: fio READ and WRITE of 4 KiB at 4 KiB-aligned offsets, with latency', async () => {
    const { rows, ops } = await load('fio-randrw.csv');
    expect(Object.keys(ops).sort()).toEqual(['IO_URING_ENTER', 'READ', 'WRITE']);
    expect(ops.READ).toBeGreaterThan(1000);
    expect(ops.WRITE).toBeGreaterThan(1000);
    for (const r of rows) {
      expect(r.comm).toBe('fio');
      if (r.opcode === 255) continue;
      expect(r.length).toBe(4096);
      expect(r.result).toBe(4096);
      expect(r.offset % 4096).toBe(0);
      expect(r.latencyNs).toBeGreaterThan(0);
    }
  });

  it('node-sqpoll: libuv file operations, attributed to node, almost no io_uring_enter', async () => {
    const { rows, ops } = await load('node-sqpoll.csv');
    expect(rows.every((r) => r.comm === 'node')).toBe(true);
    expect(new Set(rows.map((r) => r.pid)).size).toBe(1);
    for (const op of ['OPENAT', 'WRITEV', 'READV', 'FSYNC', 'STATX', 'CLOSE'])
      expect(ops[op] ?? 0, `${op} in ${JSON.stringify(ops)}`).toBeGreaterThan(0);
    // SQPOLL: the kernel thread submits; node enters the ring only to wake it, rarely.
    const operations = rows.length - (ops.IO_URING_ENTER ?? 0);
    expect(ops.IO_URING_ENTER ?? 0).toBeLessThan(operations / 100);
  });

  it('workload-mix: five runs of the end-to-end workload, 26 operations each', async () => {
    const { rows, ops } = await load('workload-mix.csv');
    const byPid = new Map<number, number>();
    for (const r of rows) if (r.opcode !== 255) byPid.set(r.pid, (byPid.get(r.pid) ?? 0) + 1);
    expect([...byPid.values()]).toEqual([26, 26, 26, 26, 26]);
    expect(ops).toMatchObject({ READ: 20, WRITE: 20, NOP: 15, POLL_ADD: 15, TIMEOUT: 5 });
    expect(rows.filter((r) => r.result === -9)).toHaveLength(5); // the -EBADF read of each run
  });

  describe('demo: 75 s of four processes, with a slow server from 30 s to 45 s', () => {
    it('is gzipped, spans over a minute, and holds four processes and many opcodes', async () => {
      const { file, rows, ops, meta } = await load('demo.csv.gz');
      expect(readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      const span = (Date.parse(meta!.endedAt!) - Date.parse(meta!.startedAt)) / 1000;
      expect(span).toBeGreaterThanOrEqual(60);
      let first = Infinity;
      let last = -Infinity;
      const names = new Map<number, string>();
      for (const r of rows) {
        first = Math.min(first, r.tsUs);
        last = Math.max(last, r.tsUs);
        names.set(r.pid, r.comm);
      }
      expect((last - first) / 1e6).toBeGreaterThanOrEqual(60);
      expect([...names.values()].sort()).toEqual(['demo-db', 'demo-net', 'demo-node', 'demo-wal']);
      // the capture followed exactly these pids
      expect((meta!.filters.pid as number[]).sort()).toEqual([...names.keys()].sort());
      for (const op of [
        'READ',
        'WRITE',
        'FSYNC',
        'READV',
        'WRITEV',
        'OPENAT',
        'CLOSE',
        'STATX',
        'SEND',
        'RECV',
        'IO_URING_ENTER',
      ])
        expect(ops[op] ?? 0, `${op} in ${JSON.stringify(ops)}`).toBeGreaterThan(500);
      expect(ops).toMatchObject({ ACCEPT: 1, CONNECT: 1 });
      expect(rows.every((r) => r.result >= 0)).toBe(true);
    });

    it("has the kernel's counts beside it, which replay uses, and they match the events", async () => {
      const { file, rows, meta } = await load('demo.csv.gz');
      expect(meta!.counts).toMatchObject({ file: 'demo.counts.jsonl', complete: true });
      const counts = await readCountsFile(path.join(DIR, meta!.counts!.file));
      expect(counts).toHaveLength(meta!.counts!.intervals);
      const counted: Record<string, number> = {};
      for (const d of counts)
        for (const r of d.rows)
          counted[opcodeName(r.opcode)] = (counted[opcodeName(r.opcode)] ?? 0) + r.ops;
      const events: Record<string, number> = {};
      for (const r of rows) events[opcodeName(r.opcode)] = (events[opcodeName(r.opcode)] ?? 0) + 1;
      // no event lost or sampled: the events are exactly what the kernel counted
      expect(counted).toEqual(events);

      const { source, snap } = await replayed(file);
      const facts = source.summaryFacts().figures!;
      expect(facts.counted).toBe(true);
      expect(facts.countedEvents).toBe(rows.length);
      expect(facts.events).toBe(rows.length);
      const totals = Object.fromEntries(snap.opcodes.map((o) => [o.opName, o.total.ops]));
      expect(totals).toEqual(events);
    });

    it("shows the slow server: demo-net's p99 rises a hundredfold from 30 s to 45 s", async () => {
      const { file, meta } = await load('demo.csv.gz');
      const { snap } = await replayed(file);
      const net = snap.processes.find((p) => p.comm === 'demo-net')!;
      const p99 = net.series.p99Ns;
      // second i of the series starts at (endSec - length + 1 + i) s; the session at startedAt
      const startSec = Date.parse(meta!.startedAt) / 1000;
      const at = (i: number) => snap.series.endSec - p99.length + 1 + i - startSec;
      const slow: number[] = [];
      const normal: number[] = [];
      p99.forEach((v, i) => {
        const t = at(i);
        if (t >= 31 && t < 44) slow.push(v);
        else if ((t >= 16 && t < 29) || (t >= 47 && t < 74)) normal.push(v);
      });
      expect(slow.length).toBeGreaterThanOrEqual(12);
      expect(normal.length).toBeGreaterThanOrEqual(30);
      // normal: ~0.1 ms; slow: the 60-120 ms the server takes to reply
      expect(Math.max(...normal)).toBeLessThan(2e6);
      expect(Math.min(...slow)).toBeGreaterThan(50e6);
      expect(Math.min(...slow)).toBeGreaterThan(100 * Math.max(...normal));
    });
  });
});

const played = new Map<string, ReturnType<typeof play>>();
/** A recording played as the headless replay plays it, to its end: its source and last snapshot. */
function replayed(file: string) {
  let p = played.get(file);
  if (!p) played.set(file, (p = play(file)));
  return p;
}

async function play(file: string) {
  const cfg = buildConfig({ replay: file }, false);
  if (!cfg.ok) throw new Error(cfg.error);
  const source = new ReplaySource(cfg.config, { asFastAsPossible: true });
  await source.start();
  while (!source.exhausted) await source.tick();
  const snap = source.snapshot();
  await source.stop();
  return { source, snap };
}
