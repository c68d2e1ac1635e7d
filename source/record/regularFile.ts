/**
 * Reading the files beside a recording (`.meta.json`, `.counts.jsonl`, `.files.json`) that anyone
 * who could write the recording's directory could have made: only regular files, and only up to a
 * size. A FIFO would block the read forever (and with it the libuv thread it runs on), a device
 * such as /dev/zero never ends; either way replay would hang or eat memory. The file is opened
 * without blocking (O_NONBLOCK: a FIFO without a writer opens at once), looked at through the
 * open descriptor (no swap between a look and the open), and read in chunks up to the limit.
 */
import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';

/** A file that is there but is not to be read: not a regular file, or too big. One line. */
export class RefusedFile extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedFile';
  }
}

/** What a file is, in a few words, from its stat. */
function kindOf(st: {
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isDirectory(): boolean;
}): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 2 : 0)} MiB`;

/**
 * The text of `file` (UTF-8), or undefined when there is no such file. Throws RefusedFile when it
 * is not a regular file or holds more than `maxBytes`, and the file system's error otherwise.
 */
export async function readRegularFile(file: string, maxBytes: number): Promise<string | undefined> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const name = path.basename(file);
  try {
    const st = await fh.stat();
    if (!st.isFile())
      throw new RefusedFile(`${name} is ${kindOf(st)}, not a regular file: not read`);
    if (st.size > maxBytes)
      throw new RefusedFile(
        `${name} holds ${mib(st.size)}, more than the ${mib(maxBytes)} it may: not read`,
      );
    // read to the end, which may come later than the size said (a file still growing): the
    // limit holds whatever the stat said
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes)
        throw new RefusedFile(`${name} holds more than the ${mib(maxBytes)} it may: not read`);
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    await fh.close();
  }
}
