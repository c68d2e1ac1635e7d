/**
 * Small readers of /proc, every one asynchronous (the UI's thread never waits on the file
 * system) and every one saying why it failed in one word: the descriptor was closed, the process
 * is gone, access was denied. Names read here are untrusted bytes: they are kept losslessly
 * (model/comm.ts: decodeComm) and escaped where shown (escape.ts).
 */
import { readFile, readdir, readlink, stat } from 'node:fs/promises';
import { decodeComm } from '../model/comm.js';

export type ProcFailure = 'closed' | 'exited' | 'denied' | 'error';

/** The root of the proc file system (tests point it elsewhere only to provoke errors). */
export const PROC = '/proc';

/**
 * State kept per process from /proc, read in rounds: a round asked for while one runs is
 * skipped, and the processes a round is not asked for are forgotten.
 */
export abstract class ProcSampler<S> {
  protected readonly procs = new Map<number, S>();
  private running = false;

  constructor(protected readonly root = PROC) {}

  async sample(pids: readonly number[], nowMs: number): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const pid of this.procs.keys()) if (!pids.includes(pid)) this.forget(pid);
      await this.round(pids, nowMs);
    } finally {
      this.running = false;
    }
  }

  /** Drops what is kept of a process (not asked for any more, or gone). */
  protected forget(pid: number): void {
    this.procs.delete(pid);
  }

  /** Reads what it keeps of these processes. */
  protected abstract round(pids: readonly number[], nowMs: number): Promise<void>;
}

/** Why a /proc read failed, for a path under /proc/<pid>. */
export async function failureOf(err: unknown, pid: number, root = PROC): Promise<ProcFailure> {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'denied';
  if (code === 'ENOENT' || code === 'ESRCH') {
    // the descriptor is gone, or the whole process is
    const alive = await stat(`${root}/${pid}`).then(
      () => true,
      () => false,
    );
    return alive ? 'closed' : 'exited';
  }
  return 'error';
}

/** The target of /proc/<pid>/fd/<fd>, as kept bytes, or why not. */
export async function fdTarget(
  pid: number,
  fd: number,
  root = PROC,
): Promise<{ target: string } | { failure: ProcFailure }> {
  try {
    const bytes = await readlink(`${root}/${pid}/fd/${fd}`, { encoding: 'buffer' });
    return { target: decodeComm(bytes) };
  } catch (e) {
    return { failure: await failureOf(e, pid, root) };
  }
}

/** Device and inode of what /proc/<pid>/fd/<fd> refers to (stat follows the link), or why not. */
export async function fdIdentity(
  pid: number,
  fd: number,
  root = PROC,
): Promise<{ dev: number; ino: number } | { failure: ProcFailure }> {
  try {
    const st = await stat(`${root}/${pid}/fd/${fd}`);
    return { dev: st.dev, ino: st.ino };
  } catch (e) {
    return { failure: await failureOf(e, pid, root) };
  }
}

/** The descriptors a process has open, or why not. */
export async function openFds(
  pid: number,
  root = PROC,
): Promise<{ fds: number[] } | { failure: ProcFailure }> {
  try {
    const names = await readdir(`${root}/${pid}/fd`);
    return { fds: names.map(Number).filter((n) => Number.isInteger(n) && n >= 0) };
  } catch (e) {
    return { failure: await failureOf(e, pid, root) };
  }
}

/** A text file under /proc, or undefined when it cannot be read. */
export async function readProcText(p: string): Promise<string | undefined> {
  try {
    return await readFile(p, 'latin1');
  } catch {
    return undefined;
  }
}

// --- sockets: socket:[inode] to a description, from the process's network namespace ---

const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

/** `0100007F:8F29` (IPv4) or 32 hex digits + port (IPv6), as /proc/net/tcp writes them. */
export function procAddress(text: string): string {
  const [hex, portHex] = text.split(':');
  const port = parseInt(portHex ?? '0', 16);
  if (hex.length === 8) {
    // one 32-bit word in host order (little-endian here)
    const b = Buffer.alloc(4);
    b.writeUInt32LE(parseInt(hex, 16) >>> 0);
    return `${b[0]}.${b[1]}.${b[2]}.${b[3]}:${port}`;
  }
  if (hex.length === 32) {
    const b = Buffer.alloc(16);
    for (let w = 0; w < 4; w++)
      b.writeUInt32LE(parseInt(hex.slice(w * 8, w * 8 + 8), 16) >>> 0, w * 4);
    if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff)
      return `${b[12]}.${b[13]}.${b[14]}.${b[15]}:${port}`; // IPv4-mapped
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
    const full = groups.join(':');
    // the longest run of zero groups as ::
    const best = /(?:^|:)0(?::0)+(?::|$)/g;
    let longest = '';
    for (const m of full.matchAll(best)) if (m[0].length > longest.length) longest = m[0];
    const short = longest ? full.replace(longest, '::') : full;
    return `[${short}]:${port}`;
  }
  return text;
}

/**
 * The rows of a /proc/net table (its header line passed over) that have at least `min` fields
 * and a socket inode in field `at`: [inode, fields].
 */
function* socketRows(text: string, min: number, at: number): Generator<[number, string[]]> {
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/);
    if (f.length < min) continue;
    const inode = Number(f[at]);
    if (Number.isInteger(inode) && inode !== 0) yield [inode, f];
  }
}

/** Inode → description, from one /proc/<pid>/net/{tcp,tcp6,udp,udp6} table's text. */
export function parseInetTable(
  text: string,
  proto: 'TCP' | 'UDP',
  into: Map<number, string>,
): void {
  for (const [inode, f] of socketRows(text, 10, 9)) {
    const local = procAddress(f[1]);
    const remote = procAddress(f[2]);
    const unbound = /(^|\[)(0\.0\.0\.0|::)\]?:0$/.test(remote);
    let d = `${proto} ${local}${unbound ? '' : `->${remote}`}`;
    if (proto === 'TCP') d += ` ${TCP_STATES[f[3]] ?? f[3]}`;
    into.set(inode, d);
  }
}

/** Inode → description, from /proc/<pid>/net/unix's text. */
export function parseUnixTable(text: string, into: Map<number, string>): void {
  for (const [inode, f] of socketRows(text, 7, 6)) {
    const p = f.slice(7).join(' ');
    into.set(inode, p ? `UNIX ${p}` : 'UNIX');
  }
}

/** Every inet and unix socket the process's network namespace knows: inode → description. */
export async function socketTable(pid: number, root = PROC): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const base = `${root}/${pid}/net`;
  const [tcp, tcp6, udp, udp6, unix] = await Promise.all(
    ['tcp', 'tcp6', 'udp', 'udp6', 'unix'].map((t) => readProcText(`${base}/${t}`)),
  );
  if (tcp) parseInetTable(tcp, 'TCP', out);
  if (tcp6) parseInetTable(tcp6, 'TCP', out);
  if (udp) parseInetTable(udp, 'UDP', out);
  if (udp6) parseInetTable(udp6, 'UDP', out);
  if (unix) parseUnixTable(unix, out);
  return out;
}

/** The inode of a `socket:[123]` link target, or undefined. */
export function socketInode(target: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(target);
  return m ? Number(m[1]) : undefined;
}
