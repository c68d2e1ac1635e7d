/**
 * The files beside a recording are read only when they are regular files, and only up to a size:
 * a FIFO, a device or a huge file put there by whoever could write the directory is refused at
 * once, in one line.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRegularFile, RefusedFile } from '../../source/record/regularFile.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-regular-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `f`, returning how long it took (ms) and what it threw. */
async function timed(f: () => Promise<unknown>): Promise<{ ms: number; err: unknown }> {
  const t0 = performance.now();
  let err: unknown;
  await f().catch((e: unknown) => (err = e));
  return { ms: performance.now() - t0, err };
}

describe('readRegularFile', () => {
  it('reads a regular file whole, and says when there is none', async () => {
    const f = path.join(dir, 'a.json');
    writeFileSync(f, '{"x": "é"}\n');
    expect(await readRegularFile(f, 100)).toBe('{"x": "é"}\n');
    expect(await readRegularFile(path.join(dir, 'none.json'), 100)).toBeUndefined();
  });

  it('refuses a FIFO without a writer at once, instead of waiting for one', async () => {
    const f = path.join(dir, 'fifo.meta.json');
    execFileSync('mkfifo', [f]);
    const { ms, err } = await timed(() => readRegularFile(f, 1 << 20));
    expect(err).toBeInstanceOf(RefusedFile);
    expect((err as Error).message).toBe('fifo.meta.json is a FIFO, not a regular file: not read');
    expect(ms).toBeLessThan(1000);
  });

  it('refuses a device (a link to /dev/zero, which never ends)', async () => {
    const f = path.join(dir, 'zero.counts.jsonl');
    symlinkSync('/dev/zero', f);
    const { ms, err } = await timed(() => readRegularFile(f, 1 << 20));
    expect((err as Error).message).toBe(
      'zero.counts.jsonl is a device, not a regular file: not read',
    );
    expect(ms).toBeLessThan(1000);
  });

  it('refuses a file over the limit without reading it', async () => {
    const f = path.join(dir, 'big.counts.jsonl');
    writeFileSync(f, '');
    truncateSync(f, 8 * 2 ** 30); // 8 GiB, sparse
    const { ms, err } = await timed(() => readRegularFile(f, 256 << 20));
    expect((err as Error).message).toBe(
      'big.counts.jsonl holds 8192 MiB, more than the 256 MiB it may: not read',
    );
    expect(ms).toBeLessThan(1000);
  });
});
