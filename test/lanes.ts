/**
 * `npm test`'s runner (after lint and build): the two projects of vitest.config.ts at once, one
 * vitest each, one file at a time in each. The capture lane (the end-to-end tests that trace) is
 * shown as it runs; the other lane (unit tests, replays, the install) is shown when it ends, whole,
 * so that the two never interleave. Exits with the first failing lane's status.
 *
 * vitest's projects cannot do this alone: projects of one group share one pool, whose one worker
 * count is for both, so it is one file at a time in all, or two at a time in the capture lane too.
 *
 * With arguments (`npm test -- test/e2e/exact.test.ts`), one plain `vitest run` with them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const VITEST = path.join(ROOT, 'node_modules', '.bin', 'vitest');

const children = new Set<ChildProcess>();

function run(args: string[], shown: boolean): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(VITEST, ['run', ...args], {
      cwd: ROOT,
      stdio: shown ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: stopped whole, with whatever its tests started
    });
    children.add(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (err) => (out += `${String(err)}\n`));
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code: code ?? (signal ? 128 : 1), out });
    });
  });
}

function stopAll(signal: NodeJS.Signals): void {
  for (const c of children) {
    try {
      if (c.pid !== undefined) process.kill(-c.pid, signal);
    } catch {
      // already gone
    }
  }
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    stopAll(sig);
    process.exitCode = 130;
  });
}

const extra = process.argv.slice(2);
if (extra.length > 0) {
  process.exitCode = (await run(extra, true)).code;
} else {
  const started = Date.now();
  const beside = run(['--project', 'beside'], false);
  const capture = await run(['--project', 'capture'], true);
  const other = await beside;
  process.stdout.write(
    `\n──── the other lane (unit tests, replays, the install) ────\n${other.out}`,
  );
  const secs = Math.round((Date.now() - started) / 1000);
  process.stdout.write(
    `\nnpm test: capture lane ${capture.code === 0 ? 'passed' : 'FAILED'}, ` +
      `other lane ${other.code === 0 ? 'passed' : 'FAILED'}, ${secs} s in all\n`,
  );
  process.exitCode = capture.code !== 0 ? capture.code : other.code;
}
