/**
 * Builds the liburing workloads: the end-to-end tests and the benchmarks run the same binaries.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const gccArgs = (root: string, source: string, bin: string, extra: string[] = []): string[] => [
  '-O2',
  '-Wall',
  ...extra,
  '-o',
  bin,
  path.join(root, `test/workload/${source}.c`),
  '-luring',
];

/**
 * Compiles `root`/test/workload/<name>.c (with liburing) into the system's temp dir; returns the
 * binary's path. (`root`: the checkout, which the callers find from where they run: sources
 * under vitest, dist/ for the benchmarks.)
 */
export function compileWorkload(root: string, name: string): string {
  const dir = path.join(os.tmpdir(), 'iouringtop-workload');
  mkdirSync(dir, { recursive: true });
  const bin = path.join(dir, name);
  // (a name may be under a folder: doctor/doc-punts)
  mkdirSync(path.dirname(bin), { recursive: true });
  execFileSync('gcc', gccArgs(root, name, bin));
  return bin;
}

/**
 * Compiles every program of the corpus (`root`/test/workload/corpus/*.c, issue #31) into `dir`
 * (a temp dir of the caller's: the corpus's binaries find each other there), gcc runs side by
 * side. Returns program name → binary path. A compile error rejects with gcc's message.
 */
export async function compileCorpus(root: string, dir: string): Promise<Map<string, string>> {
  mkdirSync(dir, { recursive: true });
  const names = readdirSync(path.join(root, 'test/workload/corpus'))
    .filter((f) => f.endsWith('.c'))
    .map((f) => f.slice(0, -2))
    .sort();
  const run = promisify(execFile);
  const bins = new Map<string, string>();
  await Promise.all(
    names.map(async (name) => {
      const bin = path.join(dir, name);
      try {
        await run('gcc', gccArgs(root, `corpus/${name}`, bin, ['-pthread']));
      } catch (e) {
        const err = e as { stderr?: string; message: string };
        throw new Error(`gcc corpus/${name}.c: ${err.stderr || err.message}`);
      }
      bins.set(name, bin);
    }),
  );
  return bins;
}
