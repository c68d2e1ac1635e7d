/**
 * Facts the README states, against what the tool and its bundled recordings show: where it names
 * Node's libuv ring it says that Node 20 needs UV_USE_IO_URING=1 for it; what BATCH shows for an
 * SQPOLL process; and, up front, that live capture records by default, where to, at what rate
 * (from the bytes a row of the bundled recording), and how to turn it off. (The tarball's file
 * count is checked where the tarball is made: test/e2e/install.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from './helpers/project.js';

const README = readFileSync(path.join(ROOT, 'readme.md'), 'utf8');
const RECORDINGS = readFileSync(path.join(ROOT, 'recordings', 'README.md'), 'utf8');
const DEMO = path.join(ROOT, 'recordings', 'demo.csv.gz');

/** Paragraphs (and list items, table rows) of a markdown text. */
const paragraphs = (text: string): string[] => text.split(/\n\s*\n|\n(?=- |\| )/);

describe('the README', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does)`);
  });

  it('says UV_USE_IO_URING=1 wherever it names Node’s libuv ring', () => {
    const naming = [...paragraphs(README), ...paragraphs(RECORDINGS)].filter((p) =>
      /libuv(['’]s)?\s+(SQPOLL\s+)?ring/i.test(p),
    );
    expect(naming.length).toBeGreaterThan(0);
    for (const p of naming) expect(p).toContain('UV_USE_IO_URING=1');
  });

  it('says what BATCH shows for an SQPOLL process: its calls submit (next to) nothing', () => {
    // the demo's demo-node is libuv's SQPOLL ring (recordings/README.md): it calls io_uring_enter
    expect(RECORDINGS).toMatch(/demo-node.*\n.*libuv's SQPOLL ring/);
    const r = spawnSync(process.execPath, [CLI, '--replay', DEMO, '--headless', '--json'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const node = (
      JSON.parse(r.stdout) as {
        processes: { command: string; enter_calls: number; batch: number }[];
      }
    ).processes.find((p) => p.command === 'demo-node')!;
    expect(node.enter_calls).toBeGreaterThan(0);
    expect(node.batch).toBeLessThan(0.1); // shown 0.02: not `-`
    const row = README.split('\n').find((l) => l.startsWith('| `batch` (BATCH)'))!;
    expect(row).not.toMatch(/no calls, e\.g\. SQPOLL/);
    expect(row).toMatch(/SQPOLL process shows `0` or near it/);
  });

  it('says up front that live capture records, where to, at what rate, and how to turn it off', () => {
    const upFront = README.slice(0, README.indexOf('## Quick start'));
    expect(upFront).toMatch(/records every event by default\*\*, to `\.\/iouring\/`/);
    expect(upFront).toContain('`--no-record`');
    // the rate: a row per operation and one per io_uring_enter call, of the bytes a row is
    const csv = gunzipSync(readFileSync(DEMO));
    const rows = csv.toString('latin1').split('\n').length - 2; // header, last newline
    const bytesPerRow = csv.length / rows;
    const said = /about (\d+) MB\/s at 20 K operations a second \((\d+) bytes a row/.exec(upFront);
    expect(said, upFront).not.toBeNull();
    expect(Number(said![2])).toBeGreaterThanOrEqual(bytesPerRow * 0.9);
    expect(Number(said![2])).toBeLessThanOrEqual(bytesPerRow * 1.1);
    expect(Number(said![1])).toBe(Math.round((20_000 * 2 * Number(said![2])) / 1e6));
  });
});
