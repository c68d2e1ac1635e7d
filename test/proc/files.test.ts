/**
 * The fd resolver against real processes: a child shell holds files and sockets on known fds
 * (bash's `exec N<file`), changes them on command, and exits; the resolver reads the real /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { escape } from '../../source/escape.js';
import { FdResolver, fileLabel, MAX_ENTRIES, REVALIDATE_MS } from '../../source/proc/files.js';
import { fileText } from '../../source/render/procSummary.js';
import { ev } from '../model/helpers.js';

/** The built resolver (npm test builds first), for a process of another user to load. */
const DIST_FILES = path.resolve(import.meta.dirname, '../../dist/source/proc/files.js');

const dir = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-files-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A bash that runs `steps` one at a time: the first at once, each next one when a line comes on
 * its stdin; it says "ok N" after step N, and exits after the last.
 */
async function shell(
  steps: string[],
): Promise<{ pid: number; next(): Promise<void>; child: ChildProcess }> {
  const script = steps
    .map((s, i) => `${s}; echo ok ${i}; ${i < steps.length - 1 ? 'read x' : ''}`)
    .join('\n');
  const child = spawn('bash', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    waiters.splice(0).forEach((w) => w());
  });
  const said = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (out.includes(`ok ${n}\n`) ? resolve() : waiters.push(check));
      check();
    });
  let step = 0;
  await said(0);
  return {
    pid: child.pid!,
    child,
    next: async () => {
      step++;
      child.stdin.write('\n');
      await said(step);
    },
  };
}

const file = (name: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, 'x');
  return p;
};

/** Events on (pid, fd) with increasing times, and a resolve at a time past revalidation. */
let clock = 1_700_000_000_000_000;
let nowMs = 1_000_000;
async function touch(r: FdResolver, pid: number, fd: number, extra: object = {}): Promise<void> {
  clock += 1000;
  r.note(ev({ pid, fd, tsUs: clock, comm: 'bash', ...extra }));
  nowMs += REVALIDATE_MS;
  await r.resolve(nowMs);
}

describe('FdResolver on real processes', () => {
  it('names a file, sees the fd reused for another file, then closed, then the process gone', async () => {
    const a = file('a.dat');
    const b = file('b.dat');
    const sh = await shell([`exec 7<'${a}'`, `exec 7<'${b}'`, 'exec 7<&-', 'true']);
    const r = new FdResolver();
    await touch(r, sh.pid, 7);
    expect(r.get(sh.pid, 7, false)).toMatchObject({ name: a, state: 'named', ops: 1 });
    await touch(r, sh.pid, 7); // unchanged: the dev/ino check keeps the name
    expect(r.get(sh.pid, 7, false)).toMatchObject({ name: a, ops: 2 });

    // fd 7 reused (as dup2 / open after close outside io_uring would): caught by dev and inode
    // at the next look; the operation seen before that look still counts under the old name
    await sh.next();
    await touch(r, sh.pid, 7);
    expect(r.get(sh.pid, 7, false)).toMatchObject({ name: b, state: 'named', ops: 0 });
    expect(r.history).toEqual([expect.objectContaining({ pid: sh.pid, fd: 7, name: a, ops: 3 })]);

    // closed: no name now, the old one kept in the history
    await sh.next();
    await touch(r, sh.pid, 7);
    const closed = r.get(sh.pid, 7, false)!;
    expect(closed.state).toBe('closed');
    expect(fileLabel(closed)).toBe('(closed before it was read)');
    expect(r.history.map((h) => h.name)).toEqual([a, b]);

    // the process exits: an fd of it first seen now cannot be read, and says why
    await sh.next();
    await new Promise((resolve) => sh.child.once('exit', resolve));
    await touch(r, sh.pid, 9);
    expect(r.get(sh.pid, 9, false)?.state).toBe('exited');
    expect(fileLabel(r.get(sh.pid, 9, false)!)).toBe('(process exited)');
    // every record for the sidecar (what had operations)
    expect(r.records().map((x) => [x.fd, x.name, x.state, x.ops])).toEqual([
      [7, a, undefined, 3],
      [7, b, undefined, 1],
      [9, null, 'exited', 1],
    ]);
  });

  it('an OPENAT returning the fd, or a CLOSE of it, ends what was known of that number, in event order', async () => {
    const a = file('c.dat');
    const sh = await shell([`exec 5<'${a}'`, 'true']);
    const r = new FdResolver();
    await touch(r, sh.pid, 5);
    expect(r.get(sh.pid, 5, false)?.name).toBe(a);
    // OPENAT (18) whose result is 5: the entry ends (its fd field is the dfd, AT_FDCWD)
    r.note(ev({ pid: sh.pid, opcode: 18, fd: -100, result: 5, tsUs: (clock += 1000) }));
    expect(r.get(sh.pid, 5, false)).toBeUndefined();
    expect(r.history.at(-1)).toMatchObject({ fd: 5, name: a, ops: 1 });
    await touch(r, sh.pid, 5);
    // CLOSE (19) of fd 5, result 0
    r.note(ev({ pid: sh.pid, opcode: 19, fd: 5, result: 0, tsUs: (clock += 1000) }));
    expect(r.get(sh.pid, 5, false)).toBeUndefined();
    expect(r.history.length).toBe(2);
    await sh.next();
  });

  it('describes a TCP socket by its addresses and state, from the process’s /proc/<pid>/net', async () => {
    const server = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const sh = await shell([`exec 8<>/dev/tcp/127.0.0.1/${port}`, 'true']);
      const r = new FdResolver();
      await touch(r, sh.pid, 8);
      expect(r.get(sh.pid, 8, false)?.name).toMatch(
        new RegExp(`^TCP 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${port} ESTABLISHED$`),
      );
      await sh.next();
    } finally {
      server.close();
    }
  });

  it('keeps a name holding control characters exactly, and every way out escapes it', async () => {
    const evil = file('x\x1b]0;owned\x07\nline2\u202e.dat');
    const sh = await shell([`exec 6<"$(printf '%s' '${evil.replace(/'/g, "'\\''")}')"`, 'true']);
    const r = new FdResolver();
    await touch(r, sh.pid, 6);
    const e = r.get(sh.pid, 6, false)!;
    expect(e.name).toBe(evil); // the bytes, unchanged
    const shown = escape(fileLabel(e));
    expect(shown).toContain('x\\x1b]0;owned\\x07\\nline2\\u202e.dat');
    // eslint-disable-next-line no-control-regex
    expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    const line = fileText({ ...r.records()[0] });
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    await sh.next();
  });

  it('never looks a registered-file index up as an fd: its name comes from the ring’s table', async () => {
    const r = new FdResolver();
    r.note(ev({ pid: process.pid, fd: 0, fixedFile: true, tsUs: (clock += 1000) }));
    r.note(ev({ pid: process.pid, fd: 1, fixedFile: true, tsUs: (clock += 1000) }));
    await r.resolve((nowMs += REVALIDATE_MS), (_pid, i) =>
      i === 0 ? '/data/table.db' : undefined,
    );
    expect(r.reads).toBe(0);
    expect(r.get(process.pid, 0, true)).toMatchObject({
      name: '/data/table.db',
      state: 'registered',
    });
    expect(fileLabel(r.get(process.pid, 1, true)!)).toBe('(registered file)');
    // the descriptor 0 of the same process is another entry
    expect(r.get(process.pid, 0, false)).toBeUndefined();
  });

  it('stays within its bounds: at most MAX_ENTRIES entries, the least recently used let go', async () => {
    const r = new FdResolver();
    const gone = 4194000; // a pid nobody has: every read fails fast
    for (let fd = 1; fd <= MAX_ENTRIES + 100; fd++)
      r.note(ev({ pid: gone, fd, tsUs: 1_700_000_000_000_000 + fd }));
    await r.resolve((nowMs += REVALIDATE_MS));
    expect(r.entries.size).toBeLessThanOrEqual(MAX_ENTRIES);
    expect(r.evicted).toBeGreaterThan(100);
    expect(r.get(gone, 1, false)).toBeUndefined(); // the oldest went
    expect(r.get(gone, MAX_ENTRIES + 100, false)).toBeDefined();
    expect(r.reads).toBeLessThanOrEqual(256 * 2); // bounded work per tick
  });

  it('says "no access" when /proc/<pid>/fd is not readable (another user’s process)', async () => {
    if (process.getuid?.() !== 0) {
      process.stderr.write('!! skipping the permission test: it needs root to run as nobody\n');
      return;
    }
    // the resolver runs as nobody against this (root) process: the kernel refuses
    const code = `
      const { FdResolver, fileLabel } = await import(${JSON.stringify(DIST_FILES)});
      const r = new FdResolver();
      r.note({ tsUs: 1, pid: ${process.pid}, comm: 'x', opcode: 22, fd: 0, fixedFile: false, offset: 0, length: 0, result: 0, hasResult: true, latencyNs: 0 });
      r.note({ tsUs: 1, pid: ${process.pid}, comm: 'x', opcode: 22, fd: 1, fixedFile: false, offset: 0, length: 0, result: 0, hasResult: true, latencyNs: 0 });
      await r.resolve(Date.now());
      console.log(fileLabel(r.get(${process.pid}, 1, false)));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      uid: 65534,
      gid: 65534,
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: os.tmpdir(),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    expect(out.trim(), err).toBe('(no access)');
  });
});
