/**
 * Builds the liburing workloads: the end-to-end tests and the benchmarks run the same binaries.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Compiles `root`/test/workload/<name>.c (with liburing) into the system's temp dir; returns the
 * binary's path. (`root`: the checkout, which the callers find from where they run: sources
 * under vitest, dist/ for the benchmarks.)
 */
export function compileWorkload(root: string, name: string): string {
  const dir = path.join(os.tmpdir(), 'iouringtop-workload');
  mkdirSync(dir, { recursive: true });
  const bin = path.join(dir, name);
  execFileSync('gcc', [
    '-O2',
    '-Wall',
    '-o',
    bin,
    path.join(root, `test/workload/${name}.c`),
    '-luring',
  ]);
  return bin;
}
