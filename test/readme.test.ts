/**
 * Facts the README and docs/ state, against what the tool and its bundled recordings show: where
 * they name Node's libuv ring they say that Node 20 needs UV_USE_IO_URING=1 for it; what BATCH
 * shows for an SQPOLL process; up front in the README, that live capture records by default,
 * where to, at what rate (from the bytes a row of the bundled recording), and how to turn it off;
 * that the README stays short, lists every key of the binding table, and that every relative
 * link of the README and docs/ leads to a file (and heading) that exists.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { helpEntries } from '../source/ui/bindings.js';
import { CLI, ROOT } from './helpers/project.js';

const README = readFileSync(path.join(ROOT, 'readme.md'), 'utf8');
const DOC_FILES = readdirSync(path.join(ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => path.join('docs', f));
const DOCS = DOC_FILES.map((f) => readFileSync(path.join(ROOT, f), 'utf8')).join('\n\n');
const RECORDINGS = readFileSync(path.join(ROOT, 'recordings', 'README.md'), 'utf8');
const DEMO = path.join(ROOT, 'recordings', 'demo.csv.gz');

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

/** The anchors of a markdown file's headings (outside code blocks). */
function anchorsOf(text: string): Set<string> {
  const out = new Set<string>();
  let code = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) code = !code;
    const h = !code && /^#{1,6} (.+)$/.exec(line);
    if (h) out.add(anchor(h[1]));
  }
  return out;
}

/** Paragraphs (and list items, table rows) of a markdown text. */
const paragraphs = (text: string): string[] => text.split(/\n\s*\n|\n(?=- |\| )/);

describe('the README', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does)`);
  });

  it('says UV_USE_IO_URING=1 wherever it names Node’s libuv ring', () => {
    const naming = [...paragraphs(README), ...paragraphs(DOCS), ...paragraphs(RECORDINGS)].filter(
      (p) => /libuv(['’]s)?\s+(SQPOLL\s+)?ring/i.test(p),
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
    const row = DOCS.split('\n').find((l) => l.startsWith('| `batch` (BATCH)'))!;
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

  it('is a README, not a manual: at most 300 lines, the rest in docs/', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(301); // 300 lines and the last newline
    for (const doc of ['capture', 'counting', 'formats', 'metrics', 'performance', 'security'])
      expect(README).toContain(`](docs/${doc}.md)`);
  });

  it('lists every key of the binding table, live and replay', () => {
    const table = README.slice(README.indexOf('| keys | what | where |'));
    const keyCells = table
      .split('\n')
      .filter((l) => l.startsWith('| '))
      .map((l) => l.split(' | ')[0])
      .join(' ');
    const tokens = new Set(
      [...helpEntries(false), ...helpEntries(true)].flatMap((h) => h.keys.split(/\s+/)),
    );
    expect(tokens.size).toBeGreaterThan(30);
    const missing = [...tokens].filter((t) => !keyCells.includes(t));
    expect(missing).toEqual([]);
  });

  it('every relative link of the README and docs/ leads to a file, and a heading there', () => {
    let links = 0;
    const broken: string[] = [];
    for (const file of ['readme.md', ...DOC_FILES]) {
      const text = readFileSync(path.join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        links++;
        const [rel, hash] = target.split('#');
        const dest = rel === '' ? path.join(ROOT, file) : path.join(ROOT, path.dirname(file), rel);
        if (!existsSync(dest)) {
          broken.push(`${file}: ${target} (no such file)`);
          continue;
        }
        if (hash !== undefined && statSync(dest).isFile() && dest.endsWith('.md'))
          if (!anchorsOf(readFileSync(dest, 'utf8')).has(hash))
            broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(links).toBeGreaterThan(20);
    expect(broken).toEqual([]);
  });
});
