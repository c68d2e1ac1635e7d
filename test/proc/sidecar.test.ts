/**
 * The file-names sidecar: written whole (no .tmp left), read back exactly (names with any
 * bytes), and used by replay to name files and to mark registered-file rows the CSV cannot mark.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FileRecord } from '../../source/proc/files.js';
import { filesPathFor, readFilesSidecar, writeFilesSidecar } from '../../source/proc/sidecar.js';
import { ev } from '../model/helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-sidecar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T = 1_700_000_000_000_000;
const rec = (r: Partial<FileRecord>): FileRecord => ({
  pid: 100,
  comm: 'app',
  fd: 5,
  fixed: false,
  name: '/data/a',
  firstUs: T,
  lastUs: T + 1_000_000,
  ops: 3,
  ...r,
});

describe('the .files.json sidecar', () => {
  it('is named after the recording, written atomically, and read back exactly', async () => {
    const csv = path.join(dir, 'iouring_20250101_000000.csv.gz');
    expect(filesPathFor(csv)).toBe(path.join(dir, 'iouring_20250101_000000.files.json'));
    const records = [
      rec({}),
      rec({ fd: 0, fixed: true, name: '/data/\x1b[31mred\ud800x', ops: 2 }),
      rec({ fd: 9, name: null, state: 'closed', ops: 1 }),
    ];
    const written = await writeFilesSidecar(csv, records, 4);
    expect(written).toBe(filesPathFor(csv));
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const back = await readFilesSidecar(csv);
    expect(back?.records).toEqual(records.map((r) => ({ ...r, state: r.state })));
  });

  it('is optional, and a broken one is a one-line error', async () => {
    expect(await readFilesSidecar(path.join(dir, 'none.csv'))).toBeUndefined();
    writeFileSync(path.join(dir, 'bad.files.json'), '{ not json');
    await expect(readFilesSidecar(path.join(dir, 'bad.csv'))).rejects.toThrow(
      /bad\.files\.json is not JSON: remove it/,
    );
  });

  it('marks replayed rows as registered files only where the record covers them, and never fd-less rows', async () => {
    const csv = path.join(dir, 'mark.csv');
    await writeFilesSidecar(
      csv,
      [
        rec({ fd: 0, fixed: true, firstUs: T, lastUs: T + 10 }),
        rec({ fd: 3, fixed: true, firstUs: T, lastUs: T + 10 }),
        rec({ fd: 3, fixed: false, firstUs: T + 5, lastUs: T + 20 }),
      ],
      0,
    );
    const files = (await readFilesSidecar(csv))!;
    expect(files.hasFixed).toBe(true);
    expect(files.isFixed(ev({ fd: 0, opcode: 23, tsUs: T + 1 }))).toBe(true);
    expect(files.isFixed(ev({ fd: 0, opcode: 0, tsUs: T + 1 }))).toBe(false); // a NOP
    expect(files.isFixed(ev({ fd: 0, opcode: 23, tsUs: T + 11 }))).toBe(false); // after its time
    expect(files.isFixed(ev({ fd: 3, opcode: 23, tsUs: T + 1 }))).toBe(true);
    // index 3 and descriptor 3 both in use then: not marked (the CSV cannot say which)
    expect(files.isFixed(ev({ fd: 3, opcode: 23, tsUs: T + 6 }))).toBe(false);
    expect(files.isFixed(ev({ pid: 101, fd: 0, opcode: 23, tsUs: T + 1 }))).toBe(false);
    expect(files.nameAt(100, 3, false, T + 30)?.name).toBe('/data/a');
  });
});
