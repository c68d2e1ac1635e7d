import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

process.env.TZ = 'Asia/Kolkata';

const { emptyEvent } = await import('../../source/model/event.js');
const { CsvRecorder, describeFsError, RecordError } =
  await import('../../source/record/csvWriter.js');
const { readRecording } = await import('../../source/record/csvReader.js');
const { decodeComm } = await import('../../source/model/comm.js');
const { isoLocal, readSessionMeta } = await import('../../source/record/meta.js');
type IoEvent = import('../../source/model/event.js').IoEvent;

const HEADER = 'timestamp,pid,command,opcode,fd,offset,length,result,latency_ms\n';
const T0 = Date.parse('2024-01-02T03:04:05Z') * 1000; // 08:34:05 in Kolkata

function event(over: Partial<IoEvent> = {}): IoEvent {
  return {
    ...emptyEvent(),
    tsUs: T0 + 7,
    pid: 4242,
    comm: 'fio',
    opcode: 22,
    fd: 5,
    offset: 8192,
    length: 4096,
    result: 4096,
    hasResult: true,
    latencyNs: 42_517,
    ...over,
  };
}

/** A stream that keeps what it is given, finishing each write after `delayMs`. */
class SlowStream extends Writable {
  chunks: Buffer[] = [];
  writes = 0;
  constructor(
    private readonly delayMs: number,
    highWaterMark: number,
  ) {
    super({ highWaterMark });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writes++;
    setTimeout(() => {
      this.chunks.push(chunk);
      cb();
    }, this.delayMs);
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

async function csvOf(events: Partial<IoEvent>[]): Promise<string> {
  const out = new SlowStream(0, 1 << 16);
  const rec = new CsvRecorder(out, '', { flushIntervalMs: 0 });
  const reused = emptyEvent();
  for (const e of events) rec.push(Object.assign(reused, event(e)));
  await rec.close();
  return out.text;
}

describe('CsvRecorder row format', () => {
  it('writes the header then one row per event in the seed format', async () => {
    expect(await csvOf([{}])).toBe(
      `${HEADER}2024-01-02 08:34:05.000007,4242,fio,READ,5,8192,4096,4096,0.042517\n`,
    );
  });

  it('leaves fd, offset, length and latency empty when 0', async () => {
    const text = await csvOf([{ fd: 0 }, { offset: 0 }, { length: 0 }, { latencyNs: 0 }]);
    expect(text.split('\n').slice(1, 5)).toEqual([
      '2024-01-02 08:34:05.000007,4242,fio,READ,,8192,4096,4096,0.042517',
      '2024-01-02 08:34:05.000007,4242,fio,READ,5,,4096,4096,0.042517',
      '2024-01-02 08:34:05.000007,4242,fio,READ,5,8192,,4096,0.042517',
      '2024-01-02 08:34:05.000007,4242,fio,READ,5,8192,4096,4096,',
    ]);
  });

  it('leaves result empty only when unavailable, and writes a 0 or negative result', async () => {
    const text = await csvOf([{ hasResult: false, result: 0 }, { result: 0 }, { result: -11 }]);
    expect(text.split('\n').slice(1, 4)).toEqual([
      '2024-01-02 08:34:05.000007,4242,fio,READ,5,8192,4096,,0.042517',
      '2024-01-02 08:34:05.000007,4242,fio,READ,5,8192,4096,0,0.042517',
      '2024-01-02 08:34:05.000007,4242,fio,READ,5,8192,4096,-11,0.042517',
    ]);
  });

  it('writes opcode names, OP_<n> for unknown codes, and AT_FDCWD as -100', async () => {
    const text = await csvOf([
      { opcode: 255, fd: 3, offset: 0, length: 8, latencyNs: 0 },
      { opcode: 200, fd: -100 },
    ]);
    expect(text.split('\n').slice(1, 3)).toEqual([
      '2024-01-02 08:34:05.000007,4242,fio,IO_URING_ENTER,3,,8,4096,',
      '2024-01-02 08:34:05.000007,4242,fio,OP_200,-100,8192,4096,4096,0.042517',
    ]);
  });

  it('writes hostile command names one line each, safe to grep, and exact to read back', async () => {
    const hostile = [
      'a,b',
      'say "hi"',
      'two\nlines',
      'cr\rlf\r\n',
      '"',
      ',',
      '',
      'tab\tesc\x1b',
      ' sp ',
      'x\x1b]0;owned\x07', // an OSC title sequence
      'back\\slash\\x41', // a backslash, and text that looks like an escape
      'del\x7f c1\u009b bidi\u202e',
      'ünïcödé 日本',
      decodeComm(Buffer.from([0x61, 0xff, 0xc3, 0x28, 0x62])), // invalid UTF-8, kept byte for byte
    ];
    const text = await csvOf(hostile.map((comm) => ({ comm })));
    expect(text).toContain(',"a,b",');
    expect(text).toContain(',"say ""hi""",');
    expect(text).toContain(',two\\x0alines,');
    expect(text).toContain(',"""",');
    expect(text).toContain(',x\\x1b]0;owned\\x07,');
    expect(text).toContain(',back\\\\slash\\\\x41,');
    expect(text).toContain(',del\\x7f c1\\xc2\\x9b bidi\\xe2\\x80\\xae,');
    expect(text).toContain(',ünïcödé 日本,');
    expect(text).toContain(',a\\xff\\xc3(b,');
    // one line per row, and nothing a terminal would act on
    expect(text.trimEnd().split('\n')).toHaveLength(hostile.length + 1);
    expect(text.replaceAll('\n', '')).not.toMatch(
      // eslint-disable-next-line no-control-regex
      /[\x00-\x1f\x7f\u0080-\u009f\u202a-\u202e\ufffd]/,
    );
    const dir = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-w-'));
    try {
      writeFileSync(path.join(dir, 'x.csv'), text);
      const back: string[] = [];
      await readRecording(path.join(dir, 'x.csv'), { push: (ev) => back.push(ev.comm) });
      expect(back).toEqual(hostile);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CsvRecorder streaming', () => {
  it('loses no row behind a slow stream and reports the pending bytes', async () => {
    const out = new SlowStream(2, 1024);
    const rec = new CsvRecorder(out, '', { batchRows: 50, flushIntervalMs: 0 });
    const ev = emptyEvent();
    let maxPending = 0;
    for (let i = 0; i < 2000; i++) {
      rec.push(Object.assign(ev, event({ pid: i + 1 })));
      maxPending = Math.max(maxPending, rec.pendingBytes);
      if (i % 500 === 0) await new Promise((r) => setTimeout(r, 3));
    }
    expect(maxPending).toBeGreaterThan(10_000);
    // Back-pressure is honoured: we did not hand the stream more than one batch past its limit
    // while it was asking us to wait.
    expect(out.writableLength).toBeLessThan(1024 + 50 * 80);
    await rec.close();
    const lines = out.text.split('\n');
    expect(lines).toHaveLength(2002);
    expect(lines.slice(1, -1).map((l) => Number(l.split(',')[1]))).toEqual(
      Array.from({ length: 2000 }, (_, i) => i + 1),
    );
    expect(rec.rows).toBe(2000);
    expect(rec.pendingBytes).toBe(0);
    expect(rec.bytesWritten).toBe(Buffer.byteLength(out.text));
  });

  it('flushes a partial batch on its timer', async () => {
    const out = new SlowStream(0, 1 << 16);
    const rec = new CsvRecorder(out, '', { batchRows: 1000, flushIntervalMs: 10 });
    rec.push(event());
    await new Promise((r) => setTimeout(r, 40));
    expect(out.text.split('\n')).toHaveLength(3);
    await rec.close();
  });

  it('rejects close() with a clear error when the stream fails, and counts the lost rows', async () => {
    const bad = new Writable({
      write(_c, _e, cb) {
        cb(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
      },
    });
    const errors: string[] = [];
    const rec = new CsvRecorder(bad, '/r/x.csv', {
      batchRows: 1,
      onError: (e) => errors.push(e.message),
    });
    await new Promise((r) => setTimeout(r, 5));
    rec.push(event());
    await expect(rec.close()).rejects.toThrow(/no space left on the device \(ENOSPC\)/);
    expect(errors).toHaveLength(1);
    expect(rec.rowsLost).toBe(1);
  });
});

describe('CsvRecorder files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-w-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const start = new Date(Date.parse('2024-01-02T03:04:05Z'));

  it('creates <dir>/iouring/iouring_<stamp>.csv and has every row on disk once close resolves', async () => {
    const rec = await CsvRecorder.create({ outputDir: dir, startTime: start });
    expect(rec.path).toBe(path.join(dir, 'iouring', 'iouring_20240102_083405.csv'));
    for (let i = 0; i < 10_000; i++) rec.push(event({ pid: i }));
    await rec.close();
    const text = readFileSync(rec.path, 'utf8');
    expect(text.startsWith(HEADER)).toBe(true);
    expect(text.split('\n')).toHaveLength(10_002);
    expect(rec.bytesWritten).toBe(Buffer.byteLength(text));
  });

  it('reuses the memory of written batches without changing a row (plain and gzip)', async () => {
    for (const compress of [false, true]) {
      const sub = mkdtempSync(path.join(dir, 'r-'));
      const rec = await CsvRecorder.create({
        outputDir: sub,
        startTime: start,
        compress,
        batchRows: 64,
      });
      // writes finish between the pushes: later batches are written into the memory of earlier
      for (let i = 0; i < 6400; i++) {
        rec.push(event({ pid: i + 1, offset: i * 4096 }));
        if (i % 200 === 199) await new Promise((r) => setTimeout(r, 1));
      }
      await rec.close();
      const raw = readFileSync(rec.path);
      const lines = (compress ? gunzipSync(raw) : raw).toString('utf8').split('\n').slice(1, -1);
      expect(lines, `compress ${compress}`).toHaveLength(6400);
      expect(lines.map((l) => l.split(',')[1] + ':' + l.split(',')[5])).toEqual(
        Array.from({ length: 6400 }, (_, i) => `${i + 1}:${i === 0 ? '' : i * 4096}`),
      );
    }
  });

  it('--compress: writes .csv.gz that reads back row for row, its sidecars named as for .csv', async () => {
    const rec = await CsvRecorder.create({
      outputDir: dir,
      startTime: start,
      compress: true,
      meta: {},
      counts: true,
      batchRows: 1000,
    });
    expect(rec.path).toBe(path.join(dir, 'iouring', 'iouring_20240102_083405.csv.gz'));
    for (let i = 0; i < 10_000; i++) rec.push(event({ pid: i + 1 }));
    await rec.close();
    const raw = readFileSync(rec.path);
    expect(raw.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip
    const text = gunzipSync(raw).toString('utf8');
    expect(text.startsWith(HEADER)).toBe(true);
    expect(text.split('\n')).toHaveLength(10_002);
    // much smaller than the text, and the size the header shows is the file's
    expect(raw.length).toBeLessThan(Buffer.byteLength(text) / 4);
    expect(rec.fileBytes).toBe(raw.length);
    const rows: IoEvent[] = [];
    const stats = await readRecording(rec.path, { push: (ev) => rows.push({ ...ev }) });
    expect(stats.truncatedLine).toBeNull();
    expect(rows.map((r) => r.pid)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    expect(readdirSync(path.join(dir, 'iouring')).sort()).toEqual([
      'iouring_20240102_083405.counts.jsonl',
      'iouring_20240102_083405.csv.gz',
      'iouring_20240102_083405.meta.json',
    ]);
    expect((await readSessionMeta(rec.path))?.events).toBe(10_000);
  });

  it('creates missing parent directories, and fails with a reason where it cannot (never hangs)', async () => {
    const deep = path.join(dir, 'a', 'b', 'c');
    const rec = await CsvRecorder.create({ outputDir: deep, startTime: start });
    await rec.close();
    expect(rec.path).toBe(path.join(deep, 'iouring', 'iouring_20240102_083405.csv'));
    // Node 20's recursive mkdir never settles under /proc; ours says ENOENT.
    await expect(CsvRecorder.create({ outputDir: '/proc/iouringtop-x' })).rejects.toThrow(
      'cannot write /proc/iouringtop-x/iouring: no such directory (ENOENT)',
    );
    const file = path.join(dir, 'plain-file');
    writeFileSync(file, '');
    await expect(CsvRecorder.create({ outputDir: path.join(file, 'x') })).rejects.toThrow(
      /ENOTDIR/,
    );
    await expect(CsvRecorder.create({ outputDir: file })).rejects.toThrow(/EEXIST|ENOTDIR/);
  });

  it('never overwrites: a second start in the same second gets _1, then _2', async () => {
    const a = await CsvRecorder.create({ outputDir: dir, startTime: start });
    const b = await CsvRecorder.create({ outputDir: dir, startTime: start });
    const c = await CsvRecorder.create({ outputDir: dir, startTime: start });
    await Promise.all([a.close(), b.close(), c.close()]);
    expect(path.basename(b.path)).toBe('iouring_20240102_083405_1.csv');
    expect(path.basename(c.path)).toBe('iouring_20240102_083405_2.csv');
  });

  it('writes session metadata beside the CSV at start and rewrites it with final counts', async () => {
    const rec = await CsvRecorder.create({
      outputDir: dir,
      startTime: start,
      meta: {
        host: 'h1',
        kernel: '6.18.0',
        bpftraceVersion: 'v0.17.0',
        captureTier: 'tracepoints',
        filters: { pid: 42 },
      },
    });
    const early = await readSessionMeta(rec.path);
    expect(early).toMatchObject({
      host: 'h1',
      events: 0,
      endedAt: null,
      csvFile: 'iouring_20240102_083405.csv',
    });
    expect(early?.startedAt).toBe('2024-01-02T08:34:05.000+05:30');
    rec.push(event());
    rec.push(event());
    await rec.close({ lost: 3, dropped: 1, overflow: 2 });
    const meta = await readSessionMeta(rec.path);
    expect(meta).toMatchObject({
      kernel: '6.18.0',
      bpftraceVersion: 'v0.17.0',
      captureTier: 'tracepoints',
      filters: { pid: 42 },
      events: 2,
      lost: 3,
      dropped: 1,
      overflow: 2,
    });
    expect(meta?.endedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(readdirSync(path.join(dir, 'iouring')).sort()).toEqual([
      'iouring_20240102_083405.csv',
      'iouring_20240102_083405.meta.json',
    ]);
  });

  it.each([
    { how: 'plain', compress: false },
    { how: 'gzip', compress: true },
  ])(
    '$how: a size limit stops it at the last whole row under the limit, once; later rows are not counted',
    async ({ compress }) => {
      const rec = await CsvRecorder.create({
        outputDir: dir,
        startTime: new Date(2024, 0, 2, 10, 0, 0),
        compress,
        batchRows: 100,
      });
      let reached = 0;
      rec.limitFileTo(20_000, () => reached++);
      for (let i = 0; i < 5000; i++) rec.push(event({ pid: i + 1 }));
      expect(reached).toBe(1);
      expect(rec.limitReached).toBe(true);
      await rec.close();
      const size = statSync(rec.path).size;
      expect(size).toBeLessThanOrEqual(20_000);
      const rows: IoEvent[] = [];
      const stats = await readRecording(rec.path, { push: (ev) => rows.push({ ...ev }) });
      expect(stats.truncatedLine).toBeNull();
      expect(rows.length).toBe(rec.rows);
      expect(rec.rowsLost).toBe(0);
      expect(rows.map((r) => r.pid)).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
      // plain: as close to the limit as a row's room allows
      if (!compress) expect(size).toBeGreaterThan(20_000 - 2 * 200);
      // a limit already passed is reached at once
      const late = await CsvRecorder.create({
        outputDir: dir,
        startTime: new Date(2024, 0, 2, 10, 0, 1),
      });
      for (let i = 0; i < 100; i++) late.push(event({ pid: i + 1 }));
      let now = 0;
      late.limitFileTo(10, () => now++);
      expect(now).toBe(1);
      late.push(event({ pid: 999 }));
      await late.close();
      expect(late.rows).toBe(100);
    },
  );

  it('counts marked incomplete: the metadata says so, why and since when; else whole', async () => {
    const start = new Date(2024, 0, 2, 9, 0, 0);
    const rec = await CsvRecorder.create({
      outputDir: dir,
      startTime: start,
      meta: {},
      counts: true,
    });
    rec.markCountsIncomplete(
      'bpftrace exited unexpectedly (SIGKILL)',
      new Date(2024, 0, 2, 9, 0, 7),
    );
    rec.markCountsIncomplete('a later reason does not replace the first');
    await rec.close();
    const meta = JSON.parse(readFileSync(rec.metaPath!, 'utf8')) as { counts: unknown };
    expect(meta.counts).toEqual({
      file: 'iouring_20240102_090000.counts.jsonl',
      intervals: 0,
      complete: false,
      reason: 'bpftrace exited unexpectedly (SIGKILL)',
      at: isoLocal(new Date(2024, 0, 2, 9, 0, 7)),
    });
    expect((await readSessionMeta(rec.path))?.counts).toEqual(meta.counts);
    const whole = await CsvRecorder.create({
      outputDir: dir,
      startTime: start,
      meta: {},
      counts: true,
    });
    await whole.close();
    expect((await readSessionMeta(whole.path))?.counts).toEqual({
      file: 'iouring_20240102_090000_1.counts.jsonl',
      intervals: 0,
      complete: true,
    });
  });

  it('fails with one line that says what to do when the directory cannot be made', async () => {
    const file = path.join(dir, 'plainfile');
    writeFileSync(file, '');
    const err = await CsvRecorder.create({ outputDir: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecordError);
    expect((err as Error).message).toMatch(
      /^cannot write .*plainfile\/iouring: .*ENOTDIR.*--output-dir DIR.*--no-record$/,
    );
    expect((err as Error).message).not.toContain('\n');
  });

  it('names the cause and the way out for EACCES, ENOENT and ENOSPC', () => {
    const msg = (code: string) =>
      describeFsError(Object.assign(new Error('x'), { code }), '/d').message;
    expect(msg('EACCES')).toBe(
      'cannot write /d: permission denied (EACCES); choose another directory with --output-dir DIR, or turn recording off with --no-record',
    );
    expect(msg('ENOENT')).toMatch(
      /^cannot write \/d: no such directory \(ENOENT\); choose another/,
    );
    expect(msg('ENOSPC')).toMatch(
      /^cannot write \/d: no space left on the device \(ENOSPC\); free some space/,
    );
  });
});
