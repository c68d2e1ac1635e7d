#!/usr/bin/env node
// React's development build is ~4x slower and leaks performance entries in a long-running
// process: choose production before anything loads React (the UI is imported dynamically).
process.env.NODE_ENV ??= 'production';

import meow from 'meow';
import { buildConfig, emptyOption } from './source/config.js';
import { main } from './source/main.js';
import { exitIfTerminalGone, guardStdio } from './source/stdio.js';

guardStdio();

const FLAGS = {
  probe: { type: 'boolean' },
  headless: { type: 'boolean' },
  duration: { type: 'string' },
  pid: { type: 'string', isMultiple: true },
  comm: { type: 'string' },
  opcode: { type: 'string' },
  outputDir: { type: 'string' },
  record: { type: 'boolean', default: true },
  replay: { type: 'string' },
  speed: { type: 'string' },
  lenient: { type: 'boolean' },
  refresh: { type: 'string' },
  bufferSeconds: { type: 'string' },
  bufferEvents: { type: 'string' },
  maxInflight: { type: 'string' },
  tier: { type: 'string' },
  printProgram: { type: 'boolean' },
  orReplay: { type: 'string' },
} as const;

const cli = meow(
  `
  Usage
    $ sudo iouringtop [options]             live TUI (headless when stdout is not a terminal)
    $ iouringtop --replay FILE.csv[.gz]     replay a recording (no root, no bpftrace needed)

  Live capture
    --headless              record and print a summary at the end, no TUI
    --duration SECONDS      stop after this long (headless)
    --pid N                 only this process (repeatable, or comma-separated)
    --comm NAME             only processes with this command name
    --opcode LIST           only these operations, e.g. READ,WRITE,IO_URING_ENTER
    --output-dir DIR        where iouring/iouring_<stamp>.csv goes (default: current directory)
    --no-record             do not write a recording
    --max-inflight N        in-flight request map size (default 65536); overruns are counted
    --tier 1|2|3            force a lower capture tier than the probe picks
    --probe                 print what this machine supports for capture, and exit
    --print-program         print the generated bpftrace program, and exit
    --or-replay FILE        live capture where possible, else replay FILE (npm start)

  Replay
    --replay FILE           a recording (.csv or .csv.gz)
    --speed X               0.1 to 1000, or max (default 1)
    --lenient               skip rows that do not parse (they are counted), instead of stopping

  Display and model
    --refresh SECONDS       UI refresh interval, 0.25 to 10 (default 1)
    --buffer-seconds N      rolling buffer length in seconds (default 60)
    --buffer-events N       rolling buffer capacity in events (default 1000000)

  Exit status: 0 success, 1 failure, 2 bad usage.
`,
  {
    importMeta: import.meta,
    allowUnknownFlags: true,
    flags: FLAGS,
  },
);

// meow puts unknown flags into cli.flags too (allowUnknownFlags), so check against the declared
// ones: a mistyped flag must not silently start a capture without the filter it meant to set.
const known = new Set(Object.keys(FLAGS));
const unknown = Object.keys(cli.unnormalizedFlags).find(
  (name) => !known.has(name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())),
);
if (unknown !== undefined) {
  const dash = unknown.length === 1 ? '-' : '--';
  process.stderr.write(`iouringtop: unknown option ${dash}${unknown}; see iouringtop --help\n`);
  process.exit(2);
}
if (cli.input.length > 0) {
  process.stderr.write(
    `iouringtop: unexpected argument ${JSON.stringify(cli.input[0])}; see iouringtop --help\n`,
  );
  process.exit(2);
}
const empty = emptyOption(
  process.argv.slice(2),
  Object.entries(FLAGS)
    .filter(([, f]) => f.type === 'string')
    .map(([name]) => name),
);
if (empty !== undefined) {
  process.stderr.write(`iouringtop: ${empty}\n`);
  process.exit(2);
}
const built = buildConfig(cli.flags, Boolean(process.stdout.isTTY));
if (!built.ok) {
  process.stderr.write(`iouringtop: ${built.error}\n`);
  process.exit(2);
}
process.exitCode = await main(built.config);
await exitIfTerminalGone();
