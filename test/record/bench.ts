/**
 * Throughput of the recorder, the reader and headless replay on synthetic events.
 * Not part of the test suite. Build and run:
 *   npx tsc -p tsconfig.json --outDir node_modules/.cache/rec-bench
 *   node node_modules/.cache/rec-bench/test/record/bench.js [rows]
 */
import { mkdtempSync, rmSync, statSync, createReadStream, createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { emptyEvent } from '../../source/model/event.js';
import { CsvRecorder } from '../../source/record/csvWriter.js';
import { readRecording } from '../../source/record/csvReader.js';
import { Playback } from '../../source/record/playback.js';

const rows = Number(process.argv[2] ?? 2_000_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-bench-'));
const comms = ['fio', 'postgres', 'node', 'iou-sqp-1234', 'nginx: worker', 'weird,"name"'];

async function main(): Promise<void> {
  const ev = emptyEvent();
  const rec = await CsvRecorder.create({ outputDir: dir, startTime: new Date() });
  let t = performance.now();
  const t0 = Date.now() * 1000;
  for (let i = 0; i < rows; i++) {
    ev.tsUs = t0 + i * 2;
    ev.pid = 1000 + (i % 7);
    ev.comm = comms[i % comms.length];
    ev.opcode = i % 5 === 0 ? 255 : 22 + (i & 1);
    ev.fd = i % 3 === 0 ? 0 : 5;
    ev.offset = (i * 4096) % 1e9;
    ev.length = 4096;
    ev.result = 4096;
    ev.hasResult = i % 5 !== 0;
    ev.latencyNs = i % 5 === 0 ? 0 : 1000 + (i % 100_000) * 7;
    rec.push(ev);
    // Let the stream drain now and then, as a live capture does between batches.
    if (i % 65_536 === 65_535) await new Promise((r) => setImmediate(r));
  }
  await rec.close();
  let ms = performance.now() - t;
  const size = statSync(rec.path).size;
  console.log(
    `write: ${rows} rows in ${ms.toFixed(0)} ms = ${Math.round((rows * 1000) / ms)} rows/s, ${(size / 1e6).toFixed(1)} MB`,
  );

  let n = 0;
  let heapPeak = 0;
  const sample = () => {
    if (++n % 500_000 === 0) {
      const m = process.memoryUsage();
      heapPeak = Math.max(heapPeak, m.heapUsed + m.arrayBuffers);
    }
  };
  t = performance.now();
  await readRecording(rec.path, { push: sample });
  ms = performance.now() - t;
  console.log(
    `read csv: ${n} rows in ${ms.toFixed(0)} ms = ${Math.round((n * 1000) / ms)} rows/s, ` +
      `heap+buffers peak while reading ${(heapPeak / 1e6).toFixed(0)} MB`,
  );

  const gz = `${rec.path}.gz`;
  await pipeline(createReadStream(rec.path), zlib.createGzip({ level: 1 }), createWriteStream(gz));
  n = 0;
  t = performance.now();
  await readRecording(gz, { push: () => void n++ });
  ms = performance.now() - t;
  console.log(
    `read csv.gz: ${n} rows in ${ms.toFixed(0)} ms = ${Math.round((n * 1000) / ms)} rows/s`,
  );

  let advances = 0;
  const replay = await Playback.open(rec.path, {
    push: () => void n++,
    advance: () => void advances++,
    reset: () => (n = 0),
  });
  const stats = await replay.runToEnd();
  replay.close();
  console.log(
    `replay --headless: ${stats.events} events in ${stats.elapsedMs.toFixed(0)} ms = ${Math.round(stats.eventsPerSecond)} events/s (${advances} advance calls)`,
  );
  console.log(`rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
}

main()
  .finally(() => rmSync(dir, { recursive: true, force: true }))
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
