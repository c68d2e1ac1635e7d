/**
 * Where iouringtop's own files are: the package root (a clone, or where npm installed it), its
 * package.json (the version), and the recordings bundled with it, as absolute paths (a user may
 * run iouringtop from anywhere).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'iouringtop')
          return dir;
      } catch {
        // not ours: look further up
      }
    }
    if (path.dirname(dir) === dir) return from;
  }
}

/** The package's root directory. */
export const PACKAGE_ROOT = findRoot(import.meta.dirname);

/** iouringtop's version, from its package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The recording replayed when live capture is not possible here (a real session, bundled). */
export const DEMO_RECORDING = path.join(PACKAGE_ROOT, 'recordings', 'demo.csv.gz');
