/**
 * The bundled recordings (recordings/, made by recordings/make-recordings.sh) are what `npm run
 * demo` and `npm start` without root show: they must stay readable, small, described by their
 * metadata, and hold what recordings/README.md says they hold.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyEvent, type IoEvent } from '../../source/model/event.js';
import { OpcodeTable } from '../../source/model/opcodes.js';

const opcodeName = (code: number): string => new OpcodeTable().name(code);
import { readRecording } from '../../source/record/csvReader.js';
import { readSessionMeta } from '../../source/record/meta.js';

const DIR = path.resolve(import.meta.dirname, '../../recordings');

async function load(name: string) {
  const file = path.join(DIR, name);
  const rows: IoEvent[] = [];
  const stats = await readRecording(file, { push: (ev) => rows.push(copyEvent(ev)) });
  const meta = await readSessionMeta(file);
  const ops: Record<string, number> = {};
  for (const r of rows) ops[opcodeName(r.opcode)] = (ops[opcodeName(r.opcode)] ?? 0) + 1;
  return { file, rows, stats, meta, ops };
}

describe.each(['fio-randrw.csv', 'node-sqpoll.csv', 'workload-mix.csv'])('%s', (name) => {
  it('is under 2 MB, parses whole, and its metadata matches it', async () => {
    const { file, rows, stats, meta } = await load(name);
    expect(statSync(file).size).toBeLessThan(2_000_000);
    expect(stats.skipped).toBe(0);
    expect(stats.truncatedLine ?? null).toBeNull();
    expect(meta).not.toBeNull();
    expect(meta!.csvFile).toBe(name);
    expect(meta!.events).toBe(rows.length);
    expect(meta!.captureTier).toMatch(/^tier 1/);
    expect(meta!.lost + meta!.dropped + meta!.overflow).toBe(0);
    expect(Date.parse(meta!.endedAt!)).toBeGreaterThan(Date.parse(meta!.startedAt));
    // Every row lies within the session. The CSV's times are the recording host's local time
    // and are read as this machine's: compare with the metadata's times read the same way.
    const local = (iso: string) => Date.parse(iso.slice(0, 23)) * 1000;
    for (const r of rows) {
      expect(r.tsUs).toBeGreaterThanOrEqual(local(meta!.startedAt) - 1000);
      expect(r.tsUs).toBeLessThanOrEqual(local(meta!.endedAt!) + 1000);
    }
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
});
