/**
 * How a recording's files are made where other users may write: which directories are fit, and
 * files made exclusively, never through a link, renamed only over files of ours. (Files of another
 * user are made with chown: these tests need root, as iouringtop does to capture.)
 */
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvRecorder, recordingPath } from '../../source/record/csvWriter.js';
import {
  createExclusive,
  directoryMode,
  directoryProblem,
  trustedOwners,
  writeFileAtomically,
} from '../../source/record/outputDir.js';

const root = process.getuid?.() === 0;
if (!root) process.stderr.write('\n!! SKIPPING the outputDir tests that need root (chown)\n');

const top = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-outdir-'));
afterAll(() => rmSync(top, { recursive: true, force: true }));
let n = 0;
const fresh = (mode = 0o700): string => {
  const d = path.join(top, `d${n++}`);
  mkdirSync(d);
  chmodSync(d, mode);
  return d;
};

describe('directoryProblem', () => {
  const owners = new Set([0, 1000]);
  it('takes a directory of root or of the invoking user that only its owner can write, or a sticky one', () => {
    for (const mode of [0o700, 0o755, 0o1777, 0o1770]) {
      const d = fresh(mode);
      expect(directoryProblem(statSync(d), d, owners), mode.toString(8)).toBeUndefined();
    }
  });
  it('refuses one writable by every user or its group and not sticky', () => {
    expect(directoryProblem(statSync(fresh(0o777)), 'D', owners)).toBe(
      'D is writable by every user and not sticky (chmod +t), so others could replace the files root writes',
    );
    expect(directoryProblem(statSync(fresh(0o775)), 'D', owners)).toMatch(
      /^D is writable by its group and not sticky/,
    );
  });
  it.runIf(root)('refuses one of another user, a link, and what is not a directory', () => {
    const d = fresh(0o755);
    chownSync(d, 65534, 65534);
    expect(directoryProblem(statSync(d), 'D', owners)).toBe(
      'D belongs to uid 65534, who could put links in it for the files root writes',
    );
    const link = path.join(top, `link${n++}`);
    symlinkSync(fresh(), link);
    expect(directoryProblem(lstatSync(link), 'L', owners)).toBe('L is a symbolic link');
    const f = path.join(top, `f${n++}`);
    writeFileSync(f, '');
    expect(directoryProblem(statSync(f), 'F', owners)).toBe('F is not a directory');
  });
  it('trusts root, us, and under sudo the user who ran it', () => {
    expect(trustedOwners({ SUDO_UID: '1000' }).has(1000)).toBe(root);
    expect(trustedOwners({}).has(0)).toBe(true);
    expect(trustedOwners({ SUDO_UID: 'x' }).size).toBe(root ? 1 : 2);
  });
  it('gives directories x where files have r', () => {
    expect(directoryMode(0o600)).toBe(0o700);
    expect(directoryMode(0o640)).toBe(0o750);
    expect(directoryMode(0o644)).toBe(0o755);
  });
});

describe('files made where links may be planted', () => {
  it('createExclusive never opens an existing file, nor a link (dangling or not), and sets the mode', async () => {
    const d = fresh();
    const victim = path.join(d, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, path.join(d, 'link'));
    symlinkSync(path.join(d, 'nowhere'), path.join(d, 'dangling'));
    for (const name of ['victim', 'link', 'dangling'])
      await expect(createExclusive(path.join(d, name), 0o600)).rejects.toMatchObject({
        code: 'EEXIST',
      });
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(readdirSync(d).sort()).toEqual(['dangling', 'link', 'victim']);
    const fh = await createExclusive(path.join(d, 'new'), 0o640);
    await fh.close();
    expect(statSync(path.join(d, 'new')).mode & 0o777).toBe(0o640);
  });

  it('writeFileAtomically does not rename over a link, leaves it and its target alone, and no temporary file', async () => {
    const d = fresh();
    const victim = path.join(d, 'victim');
    writeFileSync(victim, 'precious');
    const meta = path.join(d, 'x.meta.json');
    symlinkSync(victim, meta);
    await expect(writeFileAtomically(meta, '{}', 0o600)).rejects.toThrow(
      'x.meta.json is a symbolic link, which iouringtop did not make: not replaced',
    );
    expect(lstatSync(meta).isSymbolicLink()).toBe(true);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(readdirSync(d).sort()).toEqual(['victim', 'x.meta.json']);
    // a file of ours is replaced whole, with the mode asked
    const mine = path.join(d, 'y.json');
    writeFileSync(mine, 'old');
    await writeFileAtomically(mine, 'new', 0o600);
    expect(readFileSync(mine, 'utf8')).toBe('new');
    expect(statSync(mine).mode & 0o777).toBe(0o600);
    expect(readdirSync(d).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it.runIf(root)("writeFileAtomically does not replace another user's file", async () => {
    const d = fresh(0o1777);
    const theirs = path.join(d, 'z.json');
    writeFileSync(theirs, 'theirs');
    chownSync(theirs, 65534, 65534);
    await expect(writeFileAtomically(theirs, 'ours', 0o600)).rejects.toThrow(
      'z.json belongs to uid 65534, which iouringtop did not make: not replaced',
    );
    expect(readFileSync(theirs, 'utf8')).toBe('theirs');
  });

  it('a recording passes over a name any of whose files is there, and makes its own 0600', async () => {
    const out = fresh();
    mkdirSync(path.join(out, 'iouring'), { mode: 0o700 });
    const start = new Date(2026, 0, 2, 3, 4, 5);
    const victim = path.join(out, 'victim');
    writeFileSync(victim, 'precious');
    // the first name: only its counts are taken; the second: its metadata's temporary file is
    symlinkSync(victim, recordingPath(out, start, 0).replace(/\.csv$/, '.counts.jsonl'));
    symlinkSync(victim, recordingPath(out, start, 1).replace(/\.csv$/, '.files.json'));
    const rec = await CsvRecorder.create({
      outputDir: out,
      startTime: start,
      meta: {},
      counts: true,
    });
    await rec.close();
    expect(rec.path).toBe(recordingPath(out, start, 2));
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    for (const f of [rec.path, rec.metaPath!, rec.countsPath!])
      expect(statSync(f).mode & 0o777, f).toBe(0o600);
  });
});
