/**
 * Where the project is, and the scratch directories of a test file: shared by the unit tests and
 * the end-to-end tests (test/e2e/env.ts re-exports them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** The built command (`npm run build`); the tests that run it say so when it is missing. */
export const CLI = path.join(ROOT, 'dist/cli.js');

const made: string[] = [];
// (registered in the suite of each test file that imports this module)
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the system's temp dir, removed when the test file is done. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A summary without its first line (live capture vs replay of …) and its recording path. */
export const summaryBody = (summary: string): string =>
  summary
    .split('\n')
    .slice(1)
    .filter((l) => !l.startsWith('recording: ') && !l.startsWith('Figures: '))
    .join('\n');
