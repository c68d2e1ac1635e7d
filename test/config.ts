/** buildConfig in tests: the config of flags that must work, or the error of flags that must not. */
import { buildConfig } from '../source/config.js';

type Flags = Parameters<typeof buildConfig>[0];

/** The config these flags give (stdin a terminal unless `tty` is false); throws on an error. */
export function configOf(flags: Flags, tty = true) {
  const r = buildConfig(flags, tty);
  if (!r.ok) throw new Error(r.error);
  return r.config;
}

/** The one-line error these flags give; throws when they give a config. */
export function configError(flags: Flags): string {
  const r = buildConfig(flags, true);
  if (r.ok) throw new Error('expected an error');
  return r.error;
}
