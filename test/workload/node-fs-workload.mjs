// A Node.js file-system workload. Run with UV_USE_IO_URING=1 and libuv sends these operations
// through an SQPOLL io_uring (OPENAT, READ/WRITE, STATX, CLOSE, FSYNC …), submitted by the
// kernel's iou-sqp-<pid> thread: the case that must still be attributed to "node".
// Usage: UV_USE_IO_URING=1 node node-fs-workload.mjs DIR SECONDS
import { open, stat, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

const [dir = '/tmp/iouringtop-node-fs', seconds = '10'] = process.argv.slice(2);
await mkdir(dir, { recursive: true });
const end = Date.now() + Number(seconds) * 1000;
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
  if (round % 50 === 49) await new Promise((r) => setTimeout(r, 20));
}
await rm(dir, { recursive: true, force: true });
process.stdout.write(`${ops} operations\n`);
