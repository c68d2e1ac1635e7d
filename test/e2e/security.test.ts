/**
 * iouringtop runs as root on shared machines (issue #30): what another user, or a careless root,
 * can do to it. Each test starts the real CLI (live capture with real bpftrace, as root, or a
 * replay) and attacks it as that user would: a signal, a flood of clients that never read, FIFOs
 * and devices beside a recording, links planted as nobody in a shared directory, bpftrace killed
 * under a recording. The promises these tests hold are listed in docs/security.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_CONNECTIONS } from '../../source/metrics/server.js';
import {
  bpftraceUnder,
  programFileOf,
  captureWorkload,
  collectOutput,
  eventually,
  exitOf,
  fioFile,
  recordedRows,
  requireOrSkip,
  ROOT,
  runCli,
  startFio,
  tempDir,
  uniqueCommand,
  waitFor,
  waitGone,
} from './env.js';
import { freePort, httpGet } from './prometheus.js';

const run = requireOrSkip('security end-to-end tests');
/** The tests that trace fio need it too. */
const runFio = run && requireOrSkip('security end-to-end tests with fio', ['fio']);
/** The replay tests need no capture: only the built CLI. */
const runReplay = requireOrSkip('security end-to-end tests of replay', [], false);

/** The exporter's server alone, compiled (see the file). */
const ALONE = path.join(ROOT, 'dist/test/e2e/metrics-server-alone.js');

/** The resident memory of `pid`, in bytes. */
function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** The TCP ports `pid` listens on (its sockets in /proc/net/tcp{,6} in state LISTEN). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address rem_address st … inode (field 9); 0A = LISTEN
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9]))
        ports.push(parseInt(f[1].split(':')[1], 16));
    }
  }
  return ports;
}

/** Starts the exporter as a service runs it (counters only, no recording) on a free port. */
async function startExporter(extra: string[] = []) {
  const port = await freePort();
  const cli = runCli([
    '--headless',
    '--no-record',
    '--no-events',
    '--metrics',
    `127.0.0.1:${port}`,
    ...extra,
  ]);
  const out = collectOutput(cli);
  await waitFor(cli, 'stderr', /^capturing$/m);
  return { cli, port, out, bpftrace: bpftraceUnder(cli.pid!) };
}

/** Stops it with SIGINT; asserts exit 0 and no bpftrace left. */
async function stopExporter(e: Awaited<ReturnType<typeof startExporter>>): Promise<void> {
  e.cli.kill('SIGINT');
  expect((await exitOf(e.cli)).code, e.out.stderr()).toBe(0);
  expect(await waitGone(e.bpftrace)).toEqual([]);
}

describe.runIf(run)("SIGUSR1 does not open Node's inspector", () => {
  it('a plain node process opens it on SIGUSR1 (what the test looks for), iouringtop does not', async () => {
    // The control: node as it is opens the inspector when signalled (here on a port of its own
    // choosing, so that another process holding 9229 cannot make the control fail).
    const plain = spawn(
      process.execPath,
      ['--inspect-port=0', '-e', 'process.stderr.write("ready\\n"); setInterval(() => {}, 1000)'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const t0 = performance.now();
    try {
      await waitFor(plain, 'stderr', /^ready$/m, 10_000);
      plain.kill('SIGUSR1');
      await waitFor(plain, 'stderr', /Debugger listening on ws:\/\//, 10_000);
      expect(listeningPorts(plain.pid!).length).toBe(1);
    } finally {
      plain.kill('SIGKILL');
      await exitOf(plain);
    }
    // How long node took to open it: iouringtop is given ten times that, and at least 2 s.
    const opensWithinMs = Math.max(2000, (performance.now() - t0) * 10);

    const e = await startExporter();
    try {
      const before = listeningPorts(e.cli.pid!);
      expect(before).toEqual([e.port]);
      e.cli.kill('SIGUSR1');
      // the signal has been taken once a scrape after it is answered
      expect((await httpGet(e.port, '/metrics')).status).toBe(200);
      const end = performance.now() + opensWithinMs;
      while (performance.now() < end) {
        expect(listeningPorts(e.cli.pid!)).toEqual([e.port]);
        expect(e.out.stderr()).not.toMatch(/Debugger listening|inspector/i);
        await new Promise((r) => setTimeout(r, 50));
      }
      // still capturing and serving
      expect((await httpGet(e.port, '/metrics')).status).toBe(200);
    } finally {
      await stopExporter(e);
    }
  });
});

/** Sockets `pid` holds open (its fds that are sockets). */
function socketCount(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

interface Flood {
  /** Clients whose request was written; the resident memory before and at its peak. */
  asked: number;
  baseRss: number;
  peakRss: number;
  /** The sockets it held before (its own: listening, bpftrace's pipes are not), and the most at once. */
  baseSockets: number;
  peakSockets: number;
  /** A normal scrape after all of them: its status, size and time. */
  scrape: { status: number; bytes: number; ms: number };
}

/**
 * 2 000 clients at once against the exporter `pid` listens for on `port`: each connects, asks for
 * /metrics and never reads a byte of the answer. Then one normal scrape. Memory and sockets of
 * `pid` are sampled throughout; the clients are closed at the end.
 */
async function flood(pid: number, port: number): Promise<Flood> {
  const clients: net.Socket[] = [];
  const baseRss = rssOf(pid);
  let peakRss = baseRss;
  const baseSockets = socketCount(pid);
  let peakSockets = baseSockets;
  const sample = (): void => {
    peakRss = Math.max(peakRss, rssOf(pid));
    peakSockets = Math.max(peakSockets, socketCount(pid));
  };
  const sampler = setInterval(sample, 20);
  try {
    const asked = await Promise.all(
      Array.from(
        { length: 2000 },
        () =>
          new Promise<boolean>((resolve) => {
            const c = net.connect(port, '127.0.0.1', () => {
              c.pause();
              c.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n', (err) => resolve(!err));
            });
            c.on('error', () => resolve(false)); // closed by the exporter to make room
            clients.push(c);
          }),
      ),
    );
    const t0 = performance.now();
    const r = await httpGet(port, '/metrics');
    const ms = performance.now() - t0;
    sample();
    return {
      asked: asked.filter(Boolean).length,
      baseRss,
      peakRss,
      baseSockets,
      peakSockets,
      scrape: { status: r.status, bytes: r.body.length, ms },
    };
  } finally {
    clearInterval(sampler);
    for (const c of clients) c.destroy();
  }
}

const MiB = 2 ** 20;

function tell(what: string, f: Flood): void {
  process.stderr.write(
    `${what}: ${f.asked} of 2000 clients asked; RSS ${(f.baseRss / MiB).toFixed(0)} MiB, peak ${(f.peakRss / MiB).toFixed(0)} MiB (+${((f.peakRss - f.baseRss) / MiB).toFixed(0)}); at most ${f.peakSockets - f.baseSockets} client sockets; then a scrape of ${f.scrape.bytes} bytes in ${f.scrape.ms.toFixed(0)} ms\n`,
  );
}

describe.runIf(run)('the exporter under clients that never read', () => {
  it('its server, serving a megabyte a scrape: 2 000 clients that never read grow it by at most 64 MiB, and a scrape is answered', async () => {
    // The server alone (metrics-server-alone.ts), over the totals of 500 processes labelled by
    // pid: apart from a capture's own allocations, what the clients make it hold is all that grows.
    const server = spawn(process.execPath, [ALONE, '500'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const sOut = collectOutput(server);
    try {
      const port = Number((await waitFor(server, 'stdout', /^port (\d+)$/m))[1]);
      const size = (await httpGet(port, '/metrics')).body.length;
      expect(size).toBeGreaterThan(1_000_000);
      const f = await flood(server.pid!, port);
      tell(`metrics server alone, ${size} bytes a scrape`, f);
      expect(f.scrape.status).toBe(200);
      expect(f.scrape.bytes).toBe(size);
      expect(f.peakRss - f.baseRss).toBeLessThanOrEqual(64 * MiB);
      // (one more: a connection accepted closes the oldest just after)
      expect(f.peakSockets - f.baseSockets).toBeLessThanOrEqual(MAX_CONNECTIONS + 1);
    } finally {
      server.kill('SIGKILL');
      await exitOf(server);
    }
    expect(sOut.stderr()).toBe('');
  });

  it('the live exporter: 2 000 clients that never read grow it by at most 64 MiB, it holds at most its connection limit, and a scrape is answered', async () => {
    const e = await startExporter();
    try {
      const f = await flood(e.cli.pid!, e.port);
      tell('live exporter', f);
      expect(f.scrape.status).toBe(200);
      expect(f.scrape.ms).toBeLessThan(10_000);
      expect(f.peakRss - f.baseRss).toBeLessThanOrEqual(64 * MiB);
      expect(f.peakSockets - f.baseSockets).toBeLessThanOrEqual(MAX_CONNECTIONS + 1);
      // still capturing and serving once they are gone
      expect((await httpGet(e.port, '/metrics')).status).toBe(200);
    } finally {
      await stopExporter(e);
    }
  });
});

/**
 * The demo recording copied into a fresh directory, its sidecars as they are unless `planted`
 * puts something else in the place of one (a FIFO, a link to a device).
 */
function demoCopy(planted: (dir: string) => void): string {
  const dir = tempDir('iouringtop-sec-replay-');
  for (const f of ['demo.csv.gz', 'demo.meta.json', 'demo.counts.jsonl'])
    copyFileSync(path.join(ROOT, 'recordings', f), path.join(dir, f));
  planted(dir);
  return path.join(dir, 'demo.csv.gz');
}

/** A FIFO at `file`, in place of what was there; nothing ever writes to it. */
function fifo(file: string): void {
  rmSync(file, { force: true });
  execFileSync('mkfifo', [file]);
}

describe.runIf(runReplay)('replay of a recording whose sidecars are not files', () => {
  it.each([
    {
      what: 'the metadata is a FIFO',
      plant: (d: string) => fifo(path.join(d, 'demo.meta.json')),
      note: /metadata demo\.meta\.json is a FIFO, not a regular file: not read/,
    },
    {
      what: 'the counts are a FIFO',
      plant: (d: string) => fifo(path.join(d, 'demo.counts.jsonl')),
      note: /cannot use the counts beside this recording \(demo\.counts\.jsonl is a FIFO, not a regular file: not read\): figures come from its events/,
    },
    {
      what: 'the counts are a link to /dev/zero',
      plant: (d: string) => {
        rmSync(path.join(d, 'demo.counts.jsonl'));
        symlinkSync('/dev/zero', path.join(d, 'demo.counts.jsonl'));
      },
      note: /cannot use the counts beside this recording \(demo\.counts\.jsonl is a device, not a regular file: not read\)/,
    },
    {
      what: 'the file names are a FIFO',
      plant: (d: string) => fifo(path.join(d, 'demo.files.json')),
      note: /file names not shown: demo\.files\.json is a FIFO, not a regular file: not read/,
    },
  ])('$what: refused at once, said in one line, and the replay plays', async ({ plant, note }) => {
    const file = demoCopy(plant);
    const t0 = performance.now();
    const cli = runCli(['--replay', file, '--headless']);
    const out = collectOutput(cli);
    let code: number | null;
    let noted: number;
    try {
      // the note comes before the replay plays (node's own start-up included in the time)
      await waitFor(cli, 'stderr', note, 10_000);
      noted = performance.now() - t0;
      code = (await exitOf(cli)).code;
    } finally {
      cli.kill('SIGKILL'); // (gone already, unless it hung)
    }
    expect(code, out.stderr()).toBe(0);
    expect(out.stdout()).toMatch(/^By opcode$/m);
    process.stderr.write(
      `replay (${note.source.slice(0, 40)}…): note after ${noted.toFixed(0)} ms\n`,
    );
    expect(noted).toBeLessThan(5000);
  });

  it('a FIFO in place of the recording itself is refused, and so is a device', async () => {
    const dir = tempDir('iouringtop-sec-replay-');
    fifo(path.join(dir, 'r.csv'));
    symlinkSync('/dev/zero', path.join(dir, 'z.csv'));
    for (const [f, what] of [
      ['r.csv', 'a FIFO'],
      ['z.csv', 'a device'],
    ]) {
      const cli = runCli(['--replay', path.join(dir, f), '--headless']);
      const out = collectOutput(cli);
      expect((await exitOf(cli)).code).toBe(1);
      expect(out.stderr()).toContain(`it is ${what}; give a recording file`);
    }
  });
});

/** Whether `pid` has a handler for SIGUSR1 (node's, once it has started), from its SigCgt mask. */
function catchesUsr1(pid: number): boolean {
  try {
    const m = /^SigCgt:\s+([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m !== null && (BigInt(`0x${m[1]}`) & (1n << 9n)) !== 0n; // SIGUSR1 is 10: bit 9
  } catch {
    return false;
  }
}

describe.runIf(runReplay)("SIGUSR1 during the launcher's start-up", () => {
  it('bin/iouringtop: a SIGUSR1 as soon as node takes one, before iouringtop has loaded, opens nothing', async () => {
    const cli = spawn(
      path.join(ROOT, 'bin/iouringtop'),
      ['--replay', path.join(ROOT, 'recordings/demo.csv.gz'), '--headless'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const o = collectOutput(cli);
    const pid = cli.pid!;
    // node installs its SIGUSR1 handler (the inspector's) early in its start-up, long before
    // the CLI's modules are loaded: signal it the moment the handler is there
    const end = performance.now() + 10_000;
    while (!catchesUsr1(pid) && performance.now() < end && cli.exitCode === null)
      await new Promise((r) => setImmediate(r));
    expect(catchesUsr1(pid)).toBe(true);
    cli.kill('SIGUSR1');
    let ports: number[] = [];
    while (cli.exitCode === null) {
      try {
        ports = ports.concat(listeningPorts(pid));
      } catch {
        // gone meanwhile
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await exitOf(cli)).code, o.stderr()).toBe(0);
    expect(ports).toEqual([]);
    expect(o.stderr()).not.toMatch(/Debugger listening/);
  });
});

/** Runs `cmd` as the user nobody (uid and gid 65534, no groups), `input` on stdin. */
function asNobody(cmd: string[], input = ''): void {
  execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...cmd], {
    input,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
}

/** Node, as nobody, making the links of `pairs` ([link, target], …) in one go. */
function linksAsNobody(pairs: [string, string][]): void {
  asNobody(
    [
      process.execPath,
      '-e',
      'const fs = require("fs"); for (const [l, t] of JSON.parse(fs.readFileSync(0, "utf8"))) fs.symlinkSync(t, l);',
    ],
    JSON.stringify(pairs),
  );
}

/** A directory as an attacker finds it: `mode` (1777 is /tmp's), owned by root. */
function sharedDir(mode: number): string {
  const dir = tempDir('iouringtop-sec-shared-');
  chmodSync(dir, mode);
  return dir;
}

/** Root's files the attacker aims at, in a directory only root can enter: name → content. */
function victims(): { dir: string; files: Map<string, string> } {
  const dir = tempDir('iouringtop-sec-victim-');
  const files = new Map<string, string>();
  for (const name of ['shadow', 'crontab']) {
    const f = path.join(dir, name);
    writeFileSync(f, `precious ${name}\n`, { mode: 0o600 });
    files.set(f, `precious ${name}\n`);
  }
  return { dir, files };
}

/** Asserts that every victim file holds what it held, and that nothing was added beside them. */
function untouched(v: { dir: string; files: Map<string, string> }): void {
  expect(readdirSync(v.dir).sort()).toEqual(['crontab', 'shadow']);
  for (const [f, content] of v.files) {
    expect(readFileSync(f, 'utf8')).toBe(content);
    expect(lstatSync(f).mode & 0o777).toBe(0o600);
  }
}

/** `YYYYmmdd_HHMMSS` of `ms` since the epoch, local time (the recording's name). */
function stampOf(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * The links an attacker plants in `dir` for the next `seconds` seconds, to `targets` in turn:
 * for the first four names of each second (iouring_<stamp>, _1, _2, _3) the metadata, its
 * temporary file as iouringtop named it, the counts, the file names and theirs; and the .csv
 * and .csv.gz of the first three. (So the first name whose CSV is free, _3, has every other
 * name taken: the name a capture that only avoided existing CSVs would have used.)
 */
function plantLinks(dir: string, targets: string[], seconds: number): number {
  const pairs: [string, string][] = [];
  const now = Date.now();
  let k = 0;
  for (let s = -1; s <= seconds; s++) {
    const stamp = stampOf(now + s * 1000);
    for (const suffix of ['', '_1', '_2', '_3']) {
      const base = path.join(dir, `iouring_${stamp}${suffix}`);
      const names = [
        '.meta.json',
        '.meta.json.tmp',
        '.counts.jsonl',
        '.files.json',
        '.files.json.tmp',
        ...(suffix === '_3' ? [] : ['.csv', '.csv.gz']),
      ];
      for (const n of names) pairs.push([`${base}${n}`, targets[k++ % targets.length]]);
    }
  }
  linksAsNobody(pairs);
  return pairs.length;
}

describe.runIf(run)('a recording in a directory other users can write', () => {
  it('refuses an output directory every user can write that is not sticky', async () => {
    const out = sharedDir(0o777);
    const cli = runCli(['--headless', '--duration', '30', '--output-dir', out]);
    const o = collectOutput(cli);
    expect((await exitOf(cli)).code).toBe(1);
    expect(o.stderr()).toMatch(
      /^iouringtop: cannot record: .* is writable by every user and not sticky \(chmod \+t\), so others could replace the files root writes; choose a directory only you can write with --output-dir DIR .*--no-record$/m,
    );
    expect(readdirSync(out)).toEqual([]);
  });

  it.each([
    {
      what: "iouring is a link to a directory of root's",
      plant: (out: string, v: string) => linksAsNobody([[`${out}/iouring`, v]]),
      says: /iouring is a symbolic link/,
    },
    {
      what: 'iouring is a directory of the attacker, full of links',
      plant: (out: string, v: string) => {
        asNobody(['mkdir', '-m', '777', `${out}/iouring`]);
        plantLinks(path.join(out, 'iouring'), [`${v}/shadow`, `${v}/crontab`], 30);
      },
      says: /iouring belongs to uid 65534, who could put links in it for the files root writes/,
    },
  ])(
    '1777 output directory, $what: refused, and no file outside changes',
    async ({ plant, says }) => {
      const out = sharedDir(0o1777);
      const v = victims();
      try {
        plant(out, v.dir);
        const cli = runCli(['--headless', '--duration', '30', '--output-dir', out]);
        const o = collectOutput(cli);
        expect((await exitOf(cli)).code, o.stderr()).toBe(1);
        expect(o.stderr()).toMatch(says);
        expect(o.stderr()).toMatch(/--output-dir DIR/);
        untouched(v);
      } finally {
        rmSync(path.join(out, 'iouring'), { recursive: true, force: true });
      }
    },
  );

  it('1777 output directory with a sticky iouring/ of root, links planted for every name: records under a free name, 0600, and no file outside changes', async () => {
    const out = sharedDir(0o1777);
    const dir = path.join(out, 'iouring');
    mkdirSync(dir);
    chmodSync(dir, 0o1777);
    const v = victims();
    const planted = plantLinks(dir, [...v.files.keys()], 60);
    const ours = (f: string) => !lstatSync(path.join(dir, f)).isSymbolicLink();
    const cap = await captureWorkload([], undefined, [], out);
    untouched(v);
    // every planted link is still a link of nobody's, and still points where it did
    const links = readdirSync(dir).filter((f) => !ours(f));
    expect(links).toHaveLength(planted);
    for (const f of links) expect(lstatSync(path.join(dir, f)).uid).toBe(65534);
    // the recording took the first name with none of its files planted, and made every file
    // itself: regular files of root's, 0600, no temporary file left
    const made = readdirSync(dir).filter(ours).sort();
    const base = path.basename(cap.recording, '.csv');
    expect(base).toMatch(/^iouring_\d{8}_\d{6}_4$/);
    expect(made).toEqual([
      `${base}.counts.jsonl`,
      `${base}.csv`,
      `${base}.files.json`,
      `${base}.meta.json`,
    ]);
    for (const f of made) {
      const st = lstatSync(path.join(dir, f));
      expect(st.isFile()).toBe(true);
      expect(st.uid).toBe(0);
      expect(st.mode & 0o777, f).toBe(0o600);
    }
    expect(cap.stderr).not.toMatch(/error|cannot/i);
  });
});

describe.runIf(run)('who can read a recording', () => {
  it('made as root: iouring/ 0700 and every file 0600, whatever the umask', async () => {
    const cap = await captureWorkload();
    const dir = path.dirname(cap.recording);
    expect(statSync(dir).mode & 0o7777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toHaveLength(4); // csv, meta.json, counts.jsonl, files.json
    for (const f of files) expect(statSync(path.join(dir, f)).mode & 0o777, f).toBe(0o600);
    // and so nobody else reads it
    expect(() => asNobody(['cat', cap.recording])).toThrow();
  });

  it('--recording-mode 640: the files 0640 and iouring/ 0750, as asked', async () => {
    const cap = await captureWorkload(['--recording-mode', '640']);
    const dir = path.dirname(cap.recording);
    expect(statSync(dir).mode & 0o7777).toBe(0o750);
    for (const f of readdirSync(dir))
      expect(statSync(path.join(dir, f)).mode & 0o777, f).toBe(0o640);
  });
});

describe.runIf(runFio)('bpftrace killed under a recording', () => {
  it('kill -9 of bpftrace: exit 1, and the metadata says the counts are incomplete, why and when; replay then takes the events', async () => {
    const out = tempDir('iouringtop-sec-k9-');
    const work = tempDir('iouringtop-sec-k9-fio-');
    const fio = uniqueCommand('fio', 'iotk9');
    const reader = startFio(fio.path, fioFile(work, '4M'), { iops: 500, runtime: 120 });
    try {
      const cli = runCli(['--headless', '--comm', fio.comm, '--output-dir', out]);
      const o = collectOutput(cli);
      const recording = (await waitFor(cli, 'stderr', /^recording to (.+\.csv)$/m))[1];
      const countsFile = recording.replace(/\.csv$/, '.counts.jsonl');
      // a few seconds of counts and rows in the recording
      await eventually(
        () =>
          existsSync(countsFile) &&
          readFileSync(countsFile, 'utf8').split('\n').length > 3 &&
          recordedRows(recording).length > 0
            ? true
            : undefined,
        'counts and rows in the recording',
      );
      const ours = bpftraceUnder(cli.pid!);
      expect(ours).toHaveLength(1);
      // the program's file (it holds the session's framing token), named on bpftrace's command
      const program = programFileOf(ours[0]);
      expect(program && existsSync(program), 'the program file while it runs').toBe(true);
      const killedAt = Date.now();
      process.kill(ours[0].pid, 'SIGKILL');
      const { code } = await exitOf(cli);
      expect(code, o.stderr()).toBe(1);
      // exit 1 leaves nothing behind in the temporary directory
      expect(existsSync(path.dirname(program!)), 'the program directory after exit 1').toBe(false);
      expect(o.stderr()).toMatch(/bpftrace exited unexpectedly \(SIGKILL\)/);
      const meta = JSON.parse(readFileSync(recording.replace(/\.csv$/, '.meta.json'), 'utf8')) as {
        events: number;
        endedAt: string | null;
        counts: { complete: boolean; reason?: string; at?: string; intervals: number };
      };
      expect(meta.endedAt).not.toBeNull();
      expect(meta.counts.complete).toBe(false);
      expect(meta.counts.reason).toMatch(/^bpftrace exited unexpectedly \(SIGKILL\)/);
      const at = Date.parse(meta.counts.at ?? '');
      expect(at).toBeGreaterThanOrEqual(killedAt - 1000);
      expect(at).toBeLessThanOrEqual(Date.now());
      expect(meta.counts.intervals).toBeGreaterThan(0);
      // the replay says so, and takes its figures from the rows
      const replay = runCli(['--replay', recording, '--headless']);
      const r = collectOutput(replay);
      expect((await exitOf(replay)).code, r.stderr()).toBe(0);
      expect(r.stderr()).toMatch(
        /the counts beside this recording are incomplete \(.*\.counts\.jsonl: bpftrace exited unexpectedly \(SIGKILL\).*\): figures come from its events/,
      );
      expect(r.stdout()).toMatch(/^Figures: from the recording.s [\d.]+K? events/m);
    } finally {
      reader.kill();
    }
  });
});
