/**
 * cgroup v2 paths as /proc/PID/cgroup writes them on real hosts (Docker and Podman, Kubernetes
 * with the systemd and cgroupfs drivers, containerd and CRI-O, systemd services and sessions),
 * the v2 mount on unified and hybrid hosts, and the reading of this machine's own /proc.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFilesSidecar, writeFilesSidecar } from '../../source/proc/sidecar.js';
import {
  CgroupLookup,
  cgroup2Mount,
  cgroupIdentity,
  cgroupName,
  cgroupV2Path,
  findCgroup2Mount,
  readCgroup,
} from '../../source/proc/cgroup.js';

const ID = '4a3f6b9c2d1e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a';
const UID = '5d8c2f3a-1b2c-4d5e-8f9a-0b1c2d3e4f5a';
const UID_ = UID.replace(/-/g, '_');

describe('cgroupV2Path', () => {
  it('takes the 0:: line of a hybrid host, not the v1 controllers', () => {
    const text = [
      '12:pids:/system.slice/nginx.service',
      '4:memory:/system.slice/nginx.service',
      '1:name=systemd:/system.slice/nginx.service',
      '0::/system.slice/nginx.service',
      '',
    ].join('\n');
    expect(cgroupV2Path(text)).toBe('/system.slice/nginx.service');
  });
  it('reads a unified host, a removed cgroup, and a host without v2', () => {
    expect(cgroupV2Path('0::/\n')).toBe('/');
    expect(cgroupV2Path('0::/user.slice/gone (deleted)\n')).toBe('/user.slice/gone');
    expect(cgroupV2Path('4:memory:/x\n1:name=systemd:/x\n')).toBeUndefined();
    expect(cgroupV2Path('')).toBeUndefined();
  });
  it('keeps a path with colons whole', () => {
    expect(cgroupV2Path('0::/a:b/c::d\n')).toBe('/a:b/c::d');
  });
});

describe('cgroup2Mount', () => {
  it('finds /sys/fs/cgroup/unified on a hybrid host', () => {
    const mounts = [
      'tmpfs /sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec,mode=755 0 0',
      'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0',
      'cgroup /sys/fs/cgroup/systemd cgroup rw,nosuid,nodev,noexec,relatime,xattr,name=systemd 0 0',
      'cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0',
    ].join('\n');
    expect(cgroup2Mount(mounts)).toBe('/sys/fs/cgroup/unified');
  });
  it('prefers /sys/fs/cgroup on a unified host, and reads escaped mount points', () => {
    const mounts = [
      'cgroup2 /opt/chroot/sys/fs/cgroup cgroup2 rw 0 0',
      'cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate,memory_recursiveprot 0 0',
    ].join('\n');
    expect(cgroup2Mount(mounts)).toBe('/sys/fs/cgroup');
    expect(cgroup2Mount('none /mnt/my\\040cgroups cgroup2 rw 0 0\n')).toBe('/mnt/my cgroups');
    expect(cgroup2Mount('cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n')).toBeUndefined();
  });
});

describe('cgroupName', () => {
  const cases: [string, string][] = [
    [`/system.slice/docker-${ID}.scope`, 'docker:4a3f6b9c2d1e'],
    [`/docker/${ID}`, 'docker:4a3f6b9c2d1e'],
    [
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`,
      'containerd:4a3f6b9c2d1e pod:5d8c2f3a',
    ],
    [
      `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-${ID}.scope`,
      'crio:4a3f6b9c2d1e pod:5d8c2f3a',
    ],
    [
      `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-conmon-${ID}.scope`,
      'crio-conmon:4a3f6b9c2d1e pod:5d8c2f3a',
    ],
    [
      `/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${ID}.scope`,
      'containerd:4a3f6b9c2d1e pod:5d8c2f3a',
    ],
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`, `pod:${UID}`],
    [`/kubepods/burstable/pod${UID}/${ID}`, 'container:4a3f6b9c2d1e pod:5d8c2f3a'],
    [`/kubepods/besteffort/pod${UID}`, `pod:${UID}`],
    [
      `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope/container`,
      'podman:4a3f6b9c2d1e',
    ],
    ['/system.slice/nginx.service', 'nginx.service'],
    ['/system.slice/system-getty.slice/getty@tty1.service', 'getty@tty1.service'],
    [
      '/system.slice/system-systemd\\x2dfsck.slice/systemd-fsck@dev-sda1.service',
      'systemd-fsck@dev-sda1.service',
    ],
    ['/user.slice/user-1000.slice/session-3.scope', 'session-3.scope'],
    [
      '/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Terminal.slice/vte-spawn-1f2e.scope',
      'vte-spawn-1f2e.scope',
    ],
    ['/user.slice/user-1000.slice/user@1000.service/init.scope', 'init.scope'],
    ['/init.scope', 'init.scope'],
    ['/iouringtop-test/child', 'child'],
    ['/', '/'],
  ];
  for (const [p, name] of cases) {
    it(`names ${p.length > 60 ? `${p.slice(0, 28)}…${p.slice(-28)}` : p} ${name}`, () => {
      expect(cgroupName(p)).toBe(name);
    });
  }
  it('does not take a short or non-hex id for a container', () => {
    expect(cgroupName('/system.slice/docker-abc.scope')).toBe('docker-abc.scope');
    expect(cgroupName(`/system.slice/docker-${ID.toUpperCase()}.scope`)).toBe(
      `docker-${ID.toUpperCase()}.scope`,
    );
    expect(cgroupName('/kubepods/burstable/podnot-a-uid')).toBe('podnot-a-uid');
  });
  it('gives the pod UID with dashes, whichever driver wrote it', () => {
    expect(cgroupIdentity(`/kubepods.slice/kubepods-pod${UID_}.slice`).pod).toBe(UID);
    expect(cgroupIdentity(`/kubepods/pod${UID}`).pod).toBe(UID);
    expect(cgroupIdentity('/system.slice/docker.service')).toEqual({ unit: 'docker.service' });
  });
});

describe('reading /proc', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-cgroup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a live process, and says nothing for one that is gone', async () => {
    const own = await readCgroup(process.pid);
    expect(own).toMatch(/^\//);
    const child = spawn('true');
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    // (reaped: the pid is free)
    expect(await readCgroup(pid)).toBeUndefined();
  });
  it('finds the mount in a /proc/mounts', async () => {
    mkdirSync(path.join(dir, '42'));
    writeFileSync(path.join(dir, 'mounts'), 'cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n');
    writeFileSync(path.join(dir, '42', 'cgroup'), '1:name=systemd:/a\n0::/a/b.service\n');
    expect(await findCgroup2Mount(dir)).toBe('/sys/fs/cgroup/unified');
    expect(await readCgroup(42, dir)).toBe('/a/b.service');
    expect(await findCgroup2Mount(path.join(dir, 'none'))).toBeUndefined();
  });
});

describe('CgroupLookup', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-cglookup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const put = (pid: number, p: string): void => {
    mkdirSync(path.join(dir, String(pid)), { recursive: true });
    writeFileSync(path.join(dir, String(pid), 'cgroup'), `1:name=systemd:/\n0::${p}\n`);
  };

  it('reads a process once, again when its reading is old, and keeps it when it is gone', () => {
    const s = new CgroupLookup(dir, 10_000);
    put(1, '/a.service');
    put(2, '/b.scope');
    expect([1, 2, 3].map((pid) => s.get(pid, 0))).toEqual(['/a.service', '/b.scope', undefined]);
    expect(s.all()).toEqual(
      new Map([
        [1, '/a.service'],
        [2, '/b.scope'],
      ]),
    );
    put(1, '/moved');
    expect(s.get(1, 5_000)).toBe('/a.service'); // not due yet
    expect(s.get(1, 10_000)).toBe('/moved');
    rmSync(path.join(dir, '2'), { recursive: true });
    expect(s.get(2, 30_000)).toBe('/b.scope');
    // one that appears after a first look that found nothing
    put(3, '/late');
    expect(s.get(3, 5_000)).toBeUndefined();
    expect(s.get(3, 10_000)).toBe('/late');
  });

  it('go into the recording sidecar and back, for replay', async () => {
    const csv = path.join(dir, 'iouring_x.csv');
    const cgroups = new Map([
      [10, '/system.slice/nginx.service'],
      [11, '/evil\u001b[2J'],
    ]);
    await writeFilesSidecar(csv, [], 0, 0o600, cgroups);
    expect((await readFilesSidecar(csv))?.cgroups).toEqual(cgroups);
  });
});
