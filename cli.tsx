#!/usr/bin/env node
// React's development build is ~4x slower and leaks performance entries in a long-running
// process: choose production before anything loads React (the UI is imported dynamically).
process.env.NODE_ENV ??= 'production';

import meow from 'meow';
import { buildConfig, emptyOption } from './source/config.js';
import { helpText } from './source/help.js';
import { main } from './source/main.js';
import { runVersion } from './source/commands.js';
import { exitIfTerminalGone, guardStdio } from './source/stdio.js';

guardStdio();

const FLAGS = {
  probe: { type: 'boolean' },
  headless: { type: 'boolean' },
  json: { type: 'boolean' },
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
  events: { type: 'boolean', default: true },
  sample: { type: 'string' },
  allEvents: { type: 'boolean' },
  maxEventsRate: { type: 'string' },
  bpftrace: { type: 'string' },
  compress: { type: 'boolean' },
  minFree: { type: 'string' },
  metrics: { type: 'string' },
  metricsLabels: { type: 'string' },
  export: { type: 'string' },
  help: { type: 'boolean', shortFlag: 'h' },
  version: { type: 'boolean' },
} as const;

const cli = meow(helpText(), {
  importMeta: import.meta,
  allowUnknownFlags: true,
  autoHelp: false,
  autoVersion: false,
  flags: FLAGS,
});

if (cli.flags.help) {
  process.stdout.write(`${helpText().replace(/^\n/, '')}`);
  process.exit(0);
}
if (cli.flags.version) process.exit(await runVersion());

// meow puts unknown flags into cli.flags too (allowUnknownFlags), so check against the declared
// ones: a mistyped flag must not silently start a capture without the filter it meant to set.
const known = new Set([
  ...Object.keys(FLAGS),
  ...Object.values(FLAGS).flatMap((f) => ('shortFlag' in f ? [f.shortFlag] : [])),
]);
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
