/**
 * `npm test`'s runner (after lint and build): the two projects of vitest.config.ts at once, one
 * vitest each, one file at a time in each. The capture lane (the end-to-end tests that trace) is
 * shown as it runs; the other lane (unit tests, replays, the install) is shown when it ends, whole,
 * so that the two never interleave. A failing lane's failures are shown again at the very end,
 * where a log's tail (all a CI page may keep) still has them. Exits with the first failing lane's
 * status.
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
      stdio: ['ignore', 'pipe', 'pipe'],
      // (piped, so that its failures can be shown again; coloured still where a person watches)
      env: process.stdout.isTTY ? { ...process.env, FORCE_COLOR: '1' } : process.env,
      detached: true, // its own process group: stopped whole, with whatever its tests started
    });
    children.add(child);
    let out = '';
    const keep = (to: NodeJS.WriteStream) => (d: Buffer) => {
      out += d.toString();
      if (shown) to.write(d);
    };
    child.stdout?.on('data', keep(process.stdout));
    child.stderr?.on('data', keep(process.stderr));
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

/** What vitest printed from its failure report on, or the last lines if it printed none. */
function failuresOf(out: string): string {
  // (the header, colours and all: ⎯⎯⎯ Failed Tests 2 ⎯⎯⎯)
  const at = out.search(/⎯[^\n]* Failed (Tests|Suites) \d+ [^\n]*⎯/);
  if (at >= 0) return out.slice(out.lastIndexOf('\n', at) + 1);
  return out.split('\n').slice(-80).join('\n');
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
  for (const [name, lane] of [
    ['capture', capture],
    ['other', other],
  ] as const) {
    if (lane.code !== 0) {
      process.stdout.write(
        `\n──── again: the ${name} lane's failures ────\n${failuresOf(lane.out)}`,
      );
    }
  }
  const secs = Math.round((Date.now() - started) / 1000);
  process.stdout.write(
    `\nnpm test: capture lane ${capture.code === 0 ? 'passed' : 'FAILED'}, ` +
      `other lane ${other.code === 0 ? 'passed' : 'FAILED'}, ${secs} s in all\n`,
  );
  process.exitCode = capture.code !== 0 ? capture.code : other.code;
}
