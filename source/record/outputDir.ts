/**
 * Where a recording's files go, and how they are made, when iouringtop runs as root in a
 * directory other users may write (a shared /tmp, a project directory, a colleague's home).
 *
 * Another user who can write the directory could plant, for the names a capture is about to
 * make, symbolic links to any file: root would then write through them. So:
 * - the directory must be one nobody else can change behind us: owned by root or by the user
 *   who ran iouringtop (sudo's SUDO_UID), and not writable by group or others, unless sticky
 *   (then others may add names, but not replace or remove ours). `<output-dir>/iouring`, which
 *   iouringtop makes (0700), must in addition be a directory, not a link to one;
 * - every file is made with O_CREAT|O_EXCL|O_NOFOLLOW: never an existing file, never through a
 *   link; a temporary file has a random name, and is renamed only over a name that is absent or
 *   a regular file of ours (never over a link or another user's file);
 * - files are 0600 and directories 0700 (other users' command names, paths and offsets are in
 *   them) unless --recording-mode asks for more.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';

/** Recordings' files: readable and writable by their owner only. */
export const DEFAULT_FILE_MODE = 0o600;

/** The directory mode that goes with a file mode: x wherever r is (0600 → 0700, 0640 → 0750). */
export function directoryMode(fileMode: number): number {
  return 0o700 | (fileMode & 0o040 ? 0o050 : 0) | (fileMode & 0o004 ? 0o005 : 0);
}

/** The users whose directories may hold recordings: root, ourselves, and who ran sudo. */
export function trustedOwners(env: NodeJS.ProcessEnv = process.env): Set<number> {
  const uid = process.geteuid?.() ?? 0;
  const owners = new Set([0, uid]);
  // (only root's environment is read so: sudo sets it, and no other user can set root's)
  const sudo = uid === 0 && env.SUDO_UID !== undefined ? Number(env.SUDO_UID) : NaN;
  if (Number.isInteger(sudo) && sudo >= 0) owners.add(sudo);
  return owners;
}

/**
 * Why a directory (as stat/lstat found it) is not one to record in, or undefined when it is.
 * `what` names it in the message.
 */
export function directoryProblem(
  st: Stats,
  what: string,
  owners: ReadonlySet<number> = trustedOwners(),
): string | undefined {
  if (st.isSymbolicLink()) return `${what} is a symbolic link`;
  if (!st.isDirectory()) return `${what} is not a directory`;
  if (!owners.has(st.uid))
    return `${what} belongs to uid ${st.uid}, who could put links in it for the files root writes`;
  const sticky = (st.mode & 0o1000) !== 0; // S_ISVTX
  if ((st.mode & 0o022) !== 0 && !sticky)
    return `${what} is writable by ${st.mode & 0o002 ? 'every user' : 'its group'} and not sticky (chmod +t), so others could replace the files root writes`;
  return undefined;
}

/**
 * Opens a new file for writing: O_CREAT|O_EXCL|O_NOFOLLOW, so it fails (EEXIST, ELOOP) rather
 * than open a file or a link that is already there; then gives it exactly `mode` (umask apart).
 */
export async function createExclusive(file: string, mode: number): Promise<fsp.FileHandle> {
  const fh = await fsp.open(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    mode,
  );
  try {
    await fh.chmod(mode);
  } catch (err) {
    await fh.close();
    throw err;
  }
  return fh;
}

/**
 * Opens an existing file of ours for writing without following a link: it must be a regular file
 * owned by us (the metadata rewritten in place on a full disk; a recording cut to whole rows).
 */
export async function openOwnFile(file: string): Promise<fsp.FileHandle> {
  const fh = await fsp.open(file, constants.O_WRONLY | constants.O_NOFOLLOW);
  const st = await fh.stat().catch(async (err: unknown) => {
    await fh.close();
    throw err;
  });
  if (!st.isFile() || st.uid !== (process.geteuid?.() ?? 0)) {
    await fh.close();
    throw Object.assign(new Error(`${path.basename(file)} is not a file of ours: not written`), {
      code: 'EPERM',
    });
  }
  return fh;
}

/**
 * Throws unless `file` is absent or a regular file of ours: what a rename may replace. (A link
 * there, or another user's file, was planted: it is left as it is, and the write fails.)
 */
export async function checkReplaceable(file: string): Promise<void> {
  let st: Stats;
  try {
    st = await fsp.lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const name = path.basename(file);
  const why = st.isSymbolicLink()
    ? 'is a symbolic link'
    : !st.isFile()
      ? 'is not a regular file'
      : st.uid !== (process.geteuid?.() ?? 0)
        ? `belongs to uid ${st.uid}`
        : undefined;
  if (why)
    throw Object.assign(new Error(`${name} ${why}, which iouringtop did not make: not replaced`), {
      code: 'EEXIST',
    });
}

/**
 * Writes `data` to `file` whole or not at all: into a new temporary file beside it (a random
 * name, made exclusively), then renamed over `file` if that may be replaced (checkReplaceable).
 * The temporary file never stays behind.
 */
export async function writeFileAtomically(file: string, data: string, mode: number): Promise<void> {
  let tmp = '';
  let fh: fsp.FileHandle | undefined;
  for (let attempt = 0; fh === undefined; attempt++) {
    tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      fh = await createExclusive(tmp, mode);
    } catch (err) {
      // a name someone planted: another random one (a few times, then give up)
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 4) throw err;
    }
  }
  try {
    try {
      await fh.writeFile(data);
    } finally {
      await fh.close();
    }
    await checkReplaceable(file);
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * `mkdir -p DIR` for a recording, then `DIR/iouring`: directories it makes get `dirMode`; each
 * level must be a directory fit to record in (directoryProblem: DIR as the user named it, links
 * followed; `iouring` itself, not a link). Returns the `iouring` directory; throws an Error whose
 * `code` is the file system's (ENOENT, EACCES, …) or EUNSAFE with a one-line message.
 *
 * (Not fsp.mkdir(…, { recursive: true }): in Node 20 that never settles under /proc, and an
 * --output-dir typo must give an error, not a hang.)
 */
export async function prepareRecordingDir(outputDir: string, dirMode: number): Promise<string> {
  await makeDirs(outputDir, dirMode);
  const unsafe = (message: string) =>
    Object.assign(
      new Error(
        `${message}; choose a directory only you can write with --output-dir DIR (or make this one sticky: chmod +t), or turn recording off with --no-record`,
      ),
      { code: 'EUNSAFE' },
    );
  const top = directoryProblem(await fsp.stat(outputDir), outputDir);
  if (top) throw unsafe(top);
  const dir = path.join(outputDir, 'iouring');
  try {
    await fsp.mkdir(dir, { mode: dirMode });
    await fsp.chmod(dir, dirMode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const sub = directoryProblem(await fsp.lstat(dir), dir);
  if (sub) throw unsafe(sub);
  return dir;
}

async function makeDirs(dir: string, mode: number): Promise<void> {
  try {
    await fsp.mkdir(dir, { mode });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if ((await fsp.stat(dir)).isDirectory()) return;
      throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
    }
    const parent = path.dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    const parentIsDir = await fsp.stat(parent).then(
      (st) => st.isDirectory(),
      () => false,
    );
    if (parentIsDir) throw err; // the parent is there, and still no
    await makeDirs(parent, mode);
    await makeDirs(dir, mode); // (tolerates another process creating it meanwhile)
  }
}
