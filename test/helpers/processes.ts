/** Processes the tests start or need: root to run as another user, a Node holding io_uring rings. */
import { spawn, type ChildProcess } from 'node:child_process';

/** true when root (to run a command as another user); otherwise a loud skip, or under CI a failure. */
export function requireRootOrSkip(suite: string): boolean {
  if (process.getuid?.() === 0) return true;
  if (process.env.IOURINGTOP_E2E_REQUIRED) throw new Error(`CI must run ${suite}, as root`);
  process.stderr.write(
    `\n${'!'.repeat(78)}\n!! SKIPPING ${suite}: it needs root\n${'!'.repeat(78)}\n`,
  );
  return false;
}

/**
 * A Node process holding libuv's io_uring rings (UV_USE_IO_URING=1: an SQPOLL ring where the
 * kernel and Node give one): it reads a file through them, then waits on stdin. Resolves once it
 * has read.
 */
export async function holdNodeRings(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      "require('fs').promises.readFile(process.execPath).then(() => { console.log('ready'); process.stdin.resume(); })",
    ],
    { env: { ...process.env, UV_USE_IO_URING: '1' }, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return child;
}
