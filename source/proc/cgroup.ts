/**
 * A process's cgroup (v2) and the container or unit it names: what a fleet asks first ("which
 * service or pod is this?") where a pid says nothing.
 *
 * - /proc/PID/cgroup has one line per hierarchy, `ID:CONTROLLERS:PATH`; the v2 (unified) one is
 *   `0::PATH`, the path relative to the v2 mount's root.
 * - The v2 mount is /sys/fs/cgroup on a unified host; a hybrid host (systemd's "hybrid" layout)
 *   mounts v1 controllers there and v2 at /sys/fs/cgroup/unified. /proc/mounts says which.
 * - A short name, where the path names one: a container's runtime and id (its first 12 hex
 *   digits, as `docker ps` shows them), a Kubernetes pod's UID, a systemd unit.
 *
 * Paths are untrusted bytes (anyone may create a cgroup they are delegated): kept as read, and
 * escaped (escape.ts) where shown.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { decodeComm } from '../model/comm.js';
import { PROC } from './procfs.js';

/** The v2 path in the text of /proc/PID/cgroup (`0::/a/b`), undefined when it has none. */
export function cgroupV2Path(text: string): string | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith('0::')) continue;
    let p = line.slice(3);
    // a cgroup removed while a process was still in it (a zombie's)
    if (p.endsWith(' (deleted)')) p = p.slice(0, -' (deleted)'.length);
    return p.startsWith('/') ? p : undefined;
  }
  return undefined;
}

/** `\040`-style octal escapes of /proc/mounts fields back into their bytes. */
function unescapeMountField(f: string): string {
  return f.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * Where cgroup v2 is mounted, from the text of /proc/mounts: the first cgroup2 mount, preferring
 * /sys/fs/cgroup and then /sys/fs/cgroup/unified (a hybrid host) over any other. Undefined when
 * there is none (a v1-only host).
 */
export function cgroup2Mount(mounts: string): string | undefined {
  const found: string[] = [];
  for (const line of mounts.split('\n')) {
    const f = line.split(' ');
    if (f.length >= 3 && f[2] === 'cgroup2') found.push(unescapeMountField(f[1]));
  }
  for (const usual of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'])
    if (found.includes(usual)) return usual;
  return found[0];
}

/** This host's cgroup v2 mount point (read once), or undefined when it has none. */
let mountOnce: Promise<string | undefined> | undefined;
export function findCgroup2Mount(procRoot = PROC): Promise<string | undefined> {
  const read = (): Promise<string | undefined> =>
    readFile(`${procRoot}/mounts`, 'latin1').then(cgroup2Mount, () => undefined);
  if (procRoot !== PROC) return read();
  mountOnce ??= read();
  return mountOnce;
}

/** A process's cgroup v2 path, or undefined (gone, unreadable, or no v2 hierarchy). */
export async function readCgroup(pid: number, procRoot = PROC): Promise<string | undefined> {
  try {
    const bytes = await readFile(`${procRoot}/${pid}/cgroup`);
    return cgroupV2Path(decodeComm(bytes));
  } catch {
    return undefined;
  }
}

/** What a cgroup path names, as far as it names anything. */
export interface CgroupIdentity {
  /** The container runtime and id (12 hex digits) of the deepest container scope. */
  container?: { runtime: string; id: string };
  /** The Kubernetes pod's UID (with dashes), when the path is under a pod. */
  pod?: string;
  /** The deepest systemd unit (`nginx.service`, `session-3.scope`). */
  unit?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const UID = /^[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}$/;

/** Scope names of container runtimes (systemd cgroup driver): prefix → runtime. */
const SCOPES: readonly [string, string][] = [
  ['docker-', 'docker'],
  ['cri-containerd-', 'containerd'],
  ['crio-conmon-', 'crio-conmon'],
  ['crio-', 'crio'],
  ['libpod-conmon-', 'podman-conmon'],
  ['libpod-', 'podman'],
];

/** A path component as a container (runtime, id), if it is one. */
function containerOf(part: string, parent: string | undefined): CgroupIdentity['container'] {
  if (part.endsWith('.scope')) {
    const stem = part.slice(0, -'.scope'.length);
    for (const [prefix, runtime] of SCOPES) {
      const id = stem.slice(prefix.length);
      if (stem.startsWith(prefix) && HEX64.test(id)) return { runtime, id: id.slice(0, 12) };
    }
    return undefined;
  }
  // the cgroupfs driver: /docker/<id>, /kubepods/<qos>/pod<uid>/<id>
  if (HEX64.test(part)) {
    const runtime = parent === 'docker' ? 'docker' : 'container';
    return { runtime, id: part.slice(0, 12) };
  }
  return undefined;
}

/** A path component as a pod UID (`kubepods-burstable-pod<uid>.slice`, `pod<uid>`), if one. */
function podOf(part: string): string | undefined {
  const m = /^(?:kubepods(?:-[a-z]+)*-)?pod([0-9a-f_-]{36})(?:\.slice)?$/.exec(part);
  return m && UID.test(m[1]) ? m[1].replace(/_/g, '-') : undefined;
}

/** What a cgroup v2 path names: its container, pod and systemd unit. */
export function cgroupIdentity(path: string): CgroupIdentity {
  const parts = path.split('/').filter((p) => p.length > 0);
  const out: CgroupIdentity = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const container = containerOf(part, parts[i - 1]);
    if (container) {
      out.container = container;
      continue;
    }
    const pod = podOf(part);
    if (pod) out.pod = pod;
    else if (part.endsWith('.service') || part.endsWith('.scope')) out.unit = part;
  }
  return out;
}

/**
 * A short name for a cgroup path: its container (`docker:0123456789ab`), with its pod where it
 * has one (`containerd:0123456789ab pod:1b2c…`), a pod alone (`pod:<uid>`), the deepest systemd
 * unit (`nginx.service`), or else the path's last component (`/` for the root).
 */
export function cgroupName(path: string): string {
  const id = cgroupIdentity(path);
  const pod = id.pod !== undefined ? `pod:${id.pod}` : undefined;
  if (id.container) {
    const c = `${id.container.runtime}:${id.container.id}`;
    return pod ? `${c} ${pod.slice(0, 12)}` : c;
  }
  if (pod) return pod;
  if (id.unit) return id.unit;
  const parts = path.split('/').filter((p) => p.length > 0);
  return parts.length > 0 ? parts[parts.length - 1] : '/';
}

/** Processes whose cgroup is kept at most (the oldest read is dropped past it). */
export const MAX_CGROUPS = 65_536;

/**
 * Each process's cgroup, read from /proc at the first ask (a small file: microseconds), again
 * once `maxAgeMs` old (a process can be moved), and kept after the process has gone (a summary
 * and a recording's sidecar name the cgroups of processes that exited). At most MAX_CGROUPS
 * processes. The capture asks as soon as a process is named (its first operations), so that a
 * short-lived one is read while it runs; the exporter asks at each counts delta, the /proc
 * watcher at each sample.
 */
export class CgroupLookup {
  private readonly known = new Map<number, { path?: string; atMs: number }>();

  constructor(
    private readonly root = PROC,
    private readonly maxAgeMs = 10_000,
  ) {}

  get(pid: number, nowMs = Date.now()): string | undefined {
    const k = this.known.get(pid);
    if (k !== undefined && nowMs - k.atMs < this.maxAgeMs) return k.path;
    let path: string | undefined;
    try {
      path = cgroupV2Path(decodeComm(readFileSync(`${this.root}/${pid}/cgroup`)));
    } catch {
      path = undefined; // gone, or not readable: what was read before stays
    }
    path ??= k?.path;
    this.known.delete(pid);
    this.known.set(pid, { path, atMs: nowMs });
    if (this.known.size > MAX_CGROUPS) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    return path;
  }

  /** pid → cgroup path, of every process read so far. */
  all(): Map<number, string> {
    const out = new Map<number, string>();
    for (const [pid, k] of this.known) if (k.path !== undefined) out.set(pid, k.path);
    return out;
  }
}

/** The processes' cgroups of this session (live capture), shared by its readers. */
export const sessionCgroups = new CgroupLookup();
