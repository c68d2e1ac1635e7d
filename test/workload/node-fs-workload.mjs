// A Node.js file-system workload. Run with UV_USE_IO_URING=1 and libuv sends these operations
// through an SQPOLL io_uring (OPENAT, READ/WRITE, STATX, CLOSE, FSYNC …), submitted by the
// kernel's iou-sqp-<pid> thread: the case that must still be attributed to "node".
// Usage: UV_USE_IO_URING=1 node node-fs-workload.mjs DIR SECONDS [ROUNDS_PER_SECOND]
// Each round is 27 operations on one of 8 files (an fsync every fourth round); without
// ROUNDS_PER_SECOND it runs as fast as it can, with a 20 ms pause every 50 rounds.
import { open, stat, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

const [dir = '/tmp/iouringtop-node-fs', seconds = '10', rate] = process.argv.slice(2);
if (rate !== undefined && !(Number(rate) > 0))
  throw new Error(`ROUNDS_PER_SECOND must be a positive number, not ${rate}`);
const roundMs = rate === undefined ? 0 : 1000 / Number(rate);
await mkdir(dir, { recursive: true });
const start = Date.now();
const end = start + Number(seconds) * 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const block = Buffer.alloc(16384, 0x61);
let ops = 0;
for (let round = 0; Date.now() < end; round++) {
  const file = path.join(dir, `f${round % 8}.dat`);
  const fh = await open(file, 'w+');
  for (let i = 0; i < 8; i++) await fh.write(block, 0, block.length, i * block.length);
  if (round % 4 === 0) await fh.sync();
  const buf = Buffer.alloc(4096);
  for (let i = 0; i < 16; i++) await fh.read(buf, 0, buf.length, ((i * 7) % 32) * 4096);
  await fh.close();
  await stat(file);
  ops += 27;
  if (roundMs > 0) await sleep(start + (round + 1) * roundMs - Date.now());
  else if (round % 50 === 49) await sleep(20);
}
await rm(dir, { recursive: true, force: true });
process.stdout.write(`${ops} operations\n`);
