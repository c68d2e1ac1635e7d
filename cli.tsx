#!/usr/bin/env node
// React's development build is ~4x slower and leaks performance entries in a long-running
// process: choose production before anything loads React (the UI is imported dynamically).
process.env.NODE_ENV ??= 'production';

// first: SIGUSR1 must not open Node's inspector in a root process (see the module)
import './source/noInspector.js';
import meow from 'meow';
import { buildConfig, emptyOption, repeatedOption, typedOption } from './source/config.js';
import { knownFlagNames, parserFlags, singleValueFlags, valueFlags } from './source/flags.js';
import { helpText } from './source/help.js';
import { main } from './source/main.js';
import { runVersion } from './source/commands.js';
import { exitIfTerminalGone, guardStdio } from './source/stdio.js';

guardStdio();

const FLAGS = parserFlags();

function usage(line: string): never {
  process.stderr.write(`iouringtop: ${line}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
// An option of one value given twice is bad usage, said in one line (meow would throw).
const repeated = repeatedOption(argv, singleValueFlags());
if (repeated !== undefined) usage(repeated);

const cli = (() => {
  try {
    return meow(helpText(), {
      importMeta: import.meta,
      allowUnknownFlags: true,
      autoHelp: false,
      autoVersion: false,
      flags: FLAGS,
    });
  } catch (e) {
    // whatever else the flag parser refuses: one line, not a stack trace
    return usage(`${(e as Error).message.replace(/\.$/, '')}; see iouringtop --help`);
  }
})();

if (cli.flags.help) {
  process.stdout.write(`${helpText().replace(/^\n/, '')}`);
  process.exit(0);
}
if (cli.flags.version) process.exit(await runVersion());

// meow puts unknown flags into cli.flags too (allowUnknownFlags), so check against the declared
// ones: a mistyped flag must not silently start a capture without the filter it meant to set.
const known = knownFlagNames();
const unknown = Object.keys(cli.unnormalizedFlags).find(
  (name) => !known.has(name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())),
);
// (quoted as typed: meow names `--bogus-flag` bogusFlag)
if (unknown !== undefined)
  usage(`unknown option ${typedOption(argv, unknown)}; see iouringtop --help`);
if (cli.input.length > 0)
  usage(`unexpected argument ${JSON.stringify(cli.input[0])}; see iouringtop --help`);
const empty = emptyOption(argv, valueFlags());
if (empty !== undefined) usage(empty);
const built = buildConfig(cli.flags, Boolean(process.stdout.isTTY));
if (!built.ok) usage(built.error);
process.exitCode = await main(built.config);
await exitIfTerminalGone();
