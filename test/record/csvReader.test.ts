import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

process.env.TZ = 'Asia/Kolkata';

const { CsvEventReader, CsvFormatError, readRecording } =
  await import('../../source/record/csvReader.js');
type IoEvent = import('../../source/model/event.js').IoEvent;
type CsvReaderOptions = import('../../source/record/csvReader.js').CsvReaderOptions;
type Reader = import('../../source/record/csvReader.js').CsvEventReader;

const HEADER = 'timestamp,pid,command,opcode,fd,offset,length,result,latency_ms\n';
const ROW = '2024-01-02 08:34:05.000007,4242,fio,READ,5,8192,4096,4096,0.042517\n';
const T0 = Date.parse('2024-01-02T03:04:05Z') * 1000;

const dir = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-r-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string | Buffer, name = `f${n++}.csv`): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function read(p: string, opts: CsvReaderOptions = {}) {
  const events: IoEvent[] = [];
  const stats = await readRecording(p, { push: (ev) => events.push({ ...ev }) }, opts);
  return { events, stats };
}

async function failure(p: string, opts: CsvReaderOptions = {}): Promise<string> {
  const err = await read(p, opts).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CsvFormatError);
  return (err as Error).message;
}

describe('CsvEventReader decoding', () => {
  it('converts a row into an IoEvent (local time, opcode code, ns latency)', async () => {
    const { events, stats } = await read(file(HEADER + ROW));
    expect(events).toEqual([
      {
        tsUs: T0 + 7,
        pid: 4242,
        comm: 'fio',
        opcode: 22,
        fd: 5,
        fixedFile: false,
        offset: 8192,
        length: 4096,
        result: 4096,
        hasResult: true,
        latencyNs: 42_517,
      },
    ]);
    expect(stats).toMatchObject({ rows: 1, skipped: 0, truncatedLine: null, lines: 2 });
  });

  it('reads empty fields as 0, and an empty result as unavailable', async () => {
    const { events } = await read(
      file(
        `${HEADER}2024-01-02 08:34:05.000007,1,x,IO_URING_ENTER,,,,,\n2024-01-02 08:34:05.000007,1,x,OP_77,-100,-1,3,0,0.0000004\n`,
      ),
    );
    expect(events[0]).toMatchObject({
      opcode: 255,
      fd: 0,
      offset: 0,
      length: 0,
      result: 0,
      hasResult: false,
      latencyNs: 0,
    });
    expect(events[1]).toMatchObject({
      opcode: 77,
      fd: -100,
      offset: -1,
      length: 3,
      result: 0,
      hasResult: true,
      latencyNs: 0,
    });
  });

  it('rounds latency to whole nanoseconds and accepts exponents from other tools', async () => {
    const rows = ['1.5', '0.0000015', '0.000001', '12', '4.2517e-2', '9007199254.740991'];
    const { events } = await read(
      file(HEADER + rows.map((l) => `2024-01-02 08:34:05.000007,1,x,READ,,,,,${l}\n`).join('')),
    );
    expect(events.map((e) => e.latencyNs)).toEqual([
      1_500_000,
      2,
      1,
      12_000_000,
      42_517,
      2 ** 53 - 1,
    ]);
  });

  it('handles quoted fields: commas, doubled quotes, embedded newlines, CRLF line ends', async () => {
    const text =
      HEADER.replace('\n', '\r\n') +
      '2024-01-02 08:34:05.000007,1,"a,b",READ,,,,,\r\n' +
      '2024-01-02 08:34:05.000007,2,"say ""hi""",READ,,,,,\r\n' +
      '2024-01-02 08:34:05.000007,3,"two\nlines\r\n",READ,,,,,\n' +
      '2024-01-02 08:34:05.000007,4,bare\rcr,READ,,,,,\n' +
      '"2024-01-02 08:34:05.000007","5","q","READ","","","","","1"\n';
    const { events, stats } = await read(file(text));
    expect(events.map((e) => e.comm)).toEqual([
      'a,b',
      'say "hi"',
      'two\nlines\r\n',
      'bare\rcr',
      'q',
    ]);
    expect(events[4].latencyNs).toBe(1_000_000);
    expect(stats.lines).toBe(8);
  });

  it('decodes the same whatever the chunk size (records split across reads)', async () => {
    const rows: string[] = [];
    for (let i = 0; i < 200; i++) {
      rows.push(
        `2024-01-02 08:34:05.${String(i).padStart(6, '0')},${i},"c,""${i}""\n",WRITE,${i},,1,${i},0.00${i}\n`,
      );
    }
    const p = file(HEADER + rows.join(''));
    const whole = await read(p);
    for (const chunkBytes of [1, 7, 64]) {
      const part = await read(p, { chunkBytes });
      expect(part.events).toEqual(whole.events);
    }
    expect(whole.events).toHaveLength(200);
    expect(whole.events[199].comm).toBe('c,"199"\n');
  });

  it('reads gzip files, by name or by magic, with the same result', async () => {
    const text = HEADER + ROW + ROW;
    const plain = await read(file(text));
    const gz = await read(file(zlib.gzipSync(text), 'r.csv.gz'));
    const disguised = await read(file(zlib.gzipSync(text), 'r2.csv'));
    expect(gz.events).toEqual(plain.events);
    expect(disguised.events).toEqual(plain.events);
  });

  it('ignores blank lines', async () => {
    const { events } = await read(file(`${HEADER}\n${ROW}\r\n\n`));
    expect(events).toHaveLength(1);
  });
});

describe('CsvEventReader errors', () => {
  it('refuses a file that is not a recording, naming the expected header', async () => {
    expect(await failure(file('a,b,c\n1,2,3\n'))).toMatch(
      /f\d+\.csv:1: not an iouringtop recording: expected the header "timestamp,pid,command,opcode,fd,offset,length,result,latency_ms", found "a,b,c"$/,
    );
    expect(await failure(file(''))).toMatch(/: empty file: not an iouringtop recording/);
    expect(await failure(file(Buffer.from([0, 1, 2, 0x22, 10, 0xff])))).toMatch(
      /:1: not an iouringtop recording: .*found "\\x00\\x01\\x02/,
    );
  });

  it('accepts a header with a BOM and any case', async () => {
    const { events } = await read(file(`\ufeff${HEADER.toUpperCase()}${ROW}`));
    expect(events).toHaveLength(1);
  });

  it('reports a malformed row as file:line: reason: text with control characters escaped', async () => {
    const p = file(`${HEADER}${ROW}${ROW}2024-01-02 08:34:05.000007,1,x\x1b[2J,fr-ob,,,,,\n${ROW}`);
    expect(await failure(p)).toBe(
      `${p}:4: unknown opcode: 2024-01-02 08:34:05.000007,1,x\\x1b[2J,fr-ob,,,,,`,
    );
  });

  it('names the reason for each kind of bad field', async () => {
    const cases: [string, string][] = [
      ['2024-13-02 08:34:05.000007,1,x,READ,,,,,', 'invalid timestamp'],
      ['2024-01-02 08:34:05,1,x,READ,,,,,', ''],
      [',1,x,READ,,,,,', 'invalid timestamp'],
      ['2024-01-02 08:34:05.000007,,x,READ,,,,,', 'invalid pid'],
      ['2024-01-02 08:34:05.000007,1,x,READ,5x,,,,', 'invalid fd'],
      ['2024-01-02 08:34:05.000007,1,x,READ,,1.5,,,', 'invalid offset'],
      ['2024-01-02 08:34:05.000007,1,x,READ,,,-,,', 'invalid length'],
      ['2024-01-02 08:34:05.000007,1,x,READ,,,,abc,', 'invalid result'],
      ['2024-01-02 08:34:05.000007,1,x,READ,,,,,fast', 'invalid latency_ms'],
      ['2024-01-02 08:34:05.000007,1,x,READ,,,,', 'expected 9 fields, found 8'],
      ['2024-01-02 08:34:05.000007,1,x,READ,,,,,,', 'expected 9 fields, found 10'],
      ['2024-01-02 08:34:05.000007,1,x"y,READ,,,,,', 'quote inside an unquoted field'],
      ['2024-01-02 08:34:05.000007,1,"x"y,READ,,,,,', 'unexpected character after a closing quote'],
    ];
    for (const [row, why] of cases) {
      const p = file(`${HEADER}${row}\n${ROW}`);
      if (why === '') {
        expect((await read(p)).events).toHaveLength(2);
        continue;
      }
      const msg = await failure(p);
      expect(msg.slice(0, p.length + 4 + why.length)).toBe(`${p}:2: ${why}`);
      expect(msg.endsWith(`: ${row}`)).toBe(true);
    }
  });

  it('rejects values the live capture can never write', async () => {
    const cases: [string, string][] = [
      ['2024-01-02 08:34:05.000007,99999999999,x,READ,,,,,', 'invalid pid (expected 0 to 4194304)'],
      ['2024-01-02 08:34:05.000007,1,x,READ,4294967296,,,,', 'invalid fd (a 32-bit int)'],
      [
        '2024-01-02 08:34:05.000007,1,x,READ,,-4096,,,',
        'invalid offset (a 64-bit file offset, or -1)',
      ],
      ['2024-01-02 08:34:05.000007,1,x,READ,,,-1,,', 'invalid length (0 to 2^32-1)'],
      ['2024-01-02 08:34:05.000007,1,x,READ,,,4294967296,,', 'invalid length (0 to 2^32-1)'],
      ['2024-01-02 08:34:05.000007,1,x,READ,,,,2147483648,', 'invalid result (a 32-bit int)'],
      ['2024-01-02 08:34:05.000007,1,x,READ,,,,,1e308', 'invalid latency_ms (0 to 104 days)'],
      ['2024-01-02 08:34:05.000007,1,x,READ,,,,,99999999999', 'invalid latency_ms (0 to 104 days)'],
    ];
    for (const [row, why] of cases) {
      const p = file(`${HEADER}${row}\n${ROW}`);
      expect((await failure(p)).startsWith(`${p}:2: ${why}: `), row).toBe(true);
      // and --lenient skips them
      const { events, stats } = await read(p, { lenient: true });
      expect(events).toHaveLength(1);
      expect(stats.skipped).toBe(1);
    }
    // the extremes the live capture does write are fine
    const edge = file(
      `${HEADER}2024-01-02 08:34:05.000007,4194304,x,READ,-100,9223372036854775807,4294967295,-2147483648,8640000000\n`,
    );
    expect((await read(edge)).events).toHaveLength(1);
  });

  it('rejects rows far outside the recording: in the future, back in time, beyond its span', async () => {
    const future = file(`${HEADER}${ROW}9999-12-31 23:59:59.999999,1,x,READ,,,,,\n${ROW}`);
    expect(await failure(future)).toMatch(
      /:3: timestamp in the future: 9999-12-31 23:59:59\.999999,/,
    );
    const back = file(`${HEADER}${ROW}2024-01-02 08:30:05.000007,1,x,READ,,,,,\n`);
    expect(await failure(back)).toMatch(/:3: timestamp 240 s before an earlier row: /);
    // an IO_URING_ENTER row as much as any other
    const enter = file(
      `${HEADER}${ROW}2024-01-02 08:30:05.000007,1,x,IO_URING_ENTER,6,,2,2,0.03\n`,
    );
    expect(await failure(enter)).toMatch(/:3: timestamp 240 s before an earlier row: /);
    // a little out of order is how events from several CPUs arrive: fine
    const jitter = file(`${HEADER}${ROW}2024-01-02 08:34:04.500000,1,x,READ,,,,,\n`);
    expect((await read(jitter)).events).toHaveLength(2);
    const span = { startUs: T0, endUs: T0 + 10e6 };
    const after = file(`${HEADER}${ROW}2024-01-02 08:40:05.000000,1,x,READ,,,,,\n`);
    expect(await failure(after, { span })).toMatch(/:3: timestamp after the recording ended/);
    const before = file(`${HEADER}2024-01-02 08:30:05.000000,1,x,READ,,,,,\n`);
    expect(await failure(before, { span })).toMatch(/:2: timestamp before the recording began/);
    const { events, stats } = await read(future, { lenient: true });
    expect(events).toHaveLength(2);
    expect(stats.skipped).toBe(1);
  });

  it('with lenient, skips malformed rows, counts them and keeps reading', async () => {
    const p = file(
      `${HEADER}${ROW}bad row\n${ROW}2024-01-02 08:34:05.000007,1,"never closed,READ,,,,,\n${'x'.repeat(5000)}\n${ROW}`,
    );
    const { events, stats } = await read(p, { lenient: true });
    expect(events).toHaveLength(3);
    expect(stats.skipped).toBe(3);
    expect(stats.skippedSamples[0]).toBe(`${p}:3: expected 9 fields, found 1: bad row`);
    expect(stats.skippedSamples[1]).toMatch(new RegExp(`^${p}:5: unterminated quoted field: `));
  });

  it('tolerates and reports a truncated last line (cut mid-row, no newline)', async () => {
    const p = file(`${HEADER}${ROW}${ROW}2024-01-02 08:3`);
    const { events, stats } = await read(p);
    expect(events).toHaveLength(2);
    expect(stats.truncatedLine).toBe(
      `${p}:4: truncated last line, 1 row skipped (expected 9 fields, found 1): 2024-01-02 08:3`,
    );
    expect(stats.truncatedRows).toBe(1);
  });

  it('tolerates an unterminated quote at the end of the file', async () => {
    const p = file(`${HEADER}${ROW}2024-01-02 08:34:05.000007,1,"ab`);
    const { events, stats } = await read(p);
    expect(events).toHaveLength(1);
    expect(stats.truncatedLine).toMatch(
      /:3: truncated last line, 1 row skipped \(unterminated quoted field\)/,
    );
  });

  it('skips and reports a last row without its newline, however well it reads: it was cut', async () => {
    // the latency 0.042517 cut to 0.04: still a number, not the row that was written
    const p = file(HEADER + ROW + ROW.slice(0, -6));
    const { events, stats } = await read(p);
    expect(events).toHaveLength(1);
    expect(stats.rows).toBe(1);
    expect(stats.truncatedRows).toBe(1);
    expect(stats.truncatedLine).toBe(
      `${p}:3: truncated last line, 1 row skipped (no newline at the end of the file): ${ROW.slice(0, -6)}`,
    );
    // whole, it is read
    const whole = await read(file(HEADER + ROW + ROW));
    expect(whole.events).toHaveLength(2);
    expect(whole.stats).toMatchObject({ truncatedLine: null, truncatedRows: 0 });
  });

  it('rejects a year before 1970, which no capture wrote (0000 to 0099 would read as 1900 to 1999)', async () => {
    for (const year of ['0000', '0050', '0099', '1969']) {
      const p = file(`${HEADER}${year}-01-02 08:34:05.000007,1,x,READ,,,,,\n`);
      expect(await failure(p), year).toMatch(
        /:2: invalid timestamp \(expected YYYY-MM-DD HH:MM:SS\.ffffff, from the year 1970\): /,
      );
    }
    expect(
      (await read(file(`${HEADER}1970-01-02 08:34:05.000007,1,x,READ,,,,,\n`))).events,
    ).toHaveLength(1);
  });

  it('tolerates a gzip file cut short', async () => {
    const text = HEADER + ROW.repeat(2000);
    const gz = zlib.gzipSync(text);
    const { events, stats } = await read(
      file(gz.subarray(0, Math.floor(gz.length * 0.6)), 'cut.csv.gz'),
    );
    expect(events.length).toBeGreaterThan(100);
    expect(events.length).toBeLessThan(2000);
    expect(events.every((e) => e.latencyNs === 42_517)).toBe(true);
    expect(stats.truncatedLine).not.toBeNull();
  });

  it('says why a file cannot be opened', async () => {
    const p = path.join(dir, 'missing.csv');
    expect(await failure(p)).toBe(`${p}: cannot open the recording: no such file`);
  });

  it('hands rows out one by one through a reused event', async () => {
    const reader = await CsvEventReader.open(file(HEADER + ROW + ROW));
    expect(reader.peekTsUs()).toBe(T0 + 7);
    expect(reader.buffered).toBe(2);
    reader.close();
  });
});

describe('CsvEventReader.position / open at a position', () => {
  // Rows with quoted names (a comma, an embedded newline) so that lines and bytes differ.
  const rows: string[] = [];
  for (let i = 0; i < 400; i++) {
    const comm = i % 7 === 0 ? '"we,ird\nname"' : i % 5 === 0 ? '"quo""te"' : `p${i % 9}`;
    rows.push(
      `2024-01-02 08:34:${String(5 + Math.floor(i / 100)).padStart(2, '0')}.${String(i).padStart(6, '0')},${100 + (i % 9)},${comm},READ,5,${i * 4096},4096,4096,0.0${i + 1}`,
    );
  }

  async function drain(r: Reader, n = Infinity): Promise<IoEvent[]> {
    const out: IoEvent[] = [];
    const ev = { ...emptyRow };
    while (out.length < n && (await r.fill())) {
      while (out.length < n && r.next(ev)) out.push({ ...ev });
    }
    return out;
  }
  const emptyRow = {} as IoEvent;

  it('resumes at exactly the next row, with line numbers, from anywhere (small chunks)', async () => {
    const p = file(HEADER + rows.join('\n') + '\n');
    const whole = await drain(await CsvEventReader.open(p));
    expect(whole).toHaveLength(400);
    for (const at of [0, 1, 13, 99, 100, 250, 399, 400]) {
      const r = await CsvEventReader.open(p, { chunkBytes: 97 });
      const head = await drain(r, at);
      const pos = r.position();
      expect(pos).not.toBeNull();
      expect(pos!.rows).toBe(at);
      r.close();
      const resumed = await CsvEventReader.open(p, { chunkBytes: 61 }, pos!);
      const tail = await drain(resumed);
      expect([...head, ...tail]).toEqual(whole);
    }
  });

  it('keeps line numbers: an error after the resume point names the same line', async () => {
    const bad = [...rows.slice(0, 300), 'garbage,row', ...rows.slice(300)];
    const p = file(HEADER + bad.join('\n') + '\n');
    const full = await failure(p);
    const r = await CsvEventReader.open(p, { chunkBytes: 200 });
    await drain(r, 150);
    const pos = r.position()!;
    r.close();
    // (decoding is a chunk ahead: the error may already come from open)
    const err = await CsvEventReader.open(p, {}, pos)
      .then((resumed) => drain(resumed))
      .then(
        () => 'no error',
        (e: Error) => e.message,
      );
    expect(err).toBe(full);
    expect(full).toMatch(/:\d+: /);
  });

  it('gives no position for gzip, nor once rows were skipped', async () => {
    const gz = file(zlib.gzipSync(HEADER + rows.join('\n') + '\n'), 'p.csv.gz');
    const g = await CsvEventReader.open(gz);
    expect(g.position()).toBeNull();
    g.close();
    const p = file(HEADER + ['x,y', ...rows].join('\n') + '\n');
    const l = await CsvEventReader.open(p, { lenient: true });
    expect(l.position()).toBeNull();
    l.close();
  });

  it('resumes before a cut last line: met again, or read whole once the file has grown', async () => {
    const p = file(HEADER + rows.slice(0, 3).join('\n') + '\n' + rows[3].slice(0, 20));
    const r = await CsvEventReader.open(p);
    expect(await drain(r)).toHaveLength(3);
    expect(r.stats.truncatedLine).toMatch(/:\d+: truncated last line/);
    const pos = r.position()!;
    r.close();
    const again = await CsvEventReader.open(p, {}, pos);
    expect(await drain(again)).toEqual([]);
    expect(again.stats.truncatedLine).toBe(r.stats.truncatedLine);
    // the capture went on writing: the cut line is whole now, and one more follows
    writeFileSync(p, HEADER + rows.slice(0, 5).join('\n') + '\n');
    const grown = await CsvEventReader.open(p, {}, pos);
    const tail = await drain(grown);
    const whole = await drain(await CsvEventReader.open(p));
    expect(tail).toEqual(whole.slice(3));
    expect(grown.stats.truncatedLine ?? null).toBeNull();
  });
});
