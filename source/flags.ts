/**
 * Every command-line flag, declared once: its name, type, default, help text and example. The
 * flag parser (cli.tsx, meow), `--help` (help.ts) and the config (config.ts: the flags' types,
 * the defaults, the examples in its messages) all read this table.
 *
 * `usage` is the flag as `--help` shows it (with its value's name); `help` is its text there, one
 * string per line, where `{default}` stands for the default. A flag's place in the table is its
 * place in `--help`, under its `section`.
 */
import type { AnyFlags } from 'meow';

export type FlagSection =
  'Live capture' | 'Replay' | 'Metrics (Prometheus)' | 'Display and model' | 'Other';

interface FlagSpec {
  /** camelCase, as the parser gives it (`--output-dir` is outputDir). */
  readonly name: string;
  readonly type: 'boolean' | 'string';
  /** Repeatable (its values are a list). */
  readonly multiple?: boolean;
  /** The parser's default (a boolean on by default is turned off with --no-NAME). */
  readonly parsed?: boolean;
  /** The value used when the flag is not given (numbers in the flag's unit). */
  readonly default?: number;
  readonly short?: string;
  readonly section: FlagSection;
  readonly usage: string;
  readonly help: readonly string[];
  /** How to give it, for the message when it is given empty. */
  readonly example?: string;
  /** What to do instead of repeating it, when there is more to say than "once". */
  readonly repeatHint?: string;
}

export const FLAGS = [
  {
    name: 'headless',
    type: 'boolean',
    section: 'Live capture',
    usage: '--headless',
    help: [
      'record and print a summary at the end, no TUI (runs until',
      '--duration, SIGINT or SIGTERM)',
    ],
  },
  {
    name: 'json',
    type: 'boolean',
    section: 'Live capture',
    usage: '--json',
    help: ['headless, with the summary as JSON (exact figures, base units)'],
  },
  {
    name: 'duration',
    type: 'string',
    section: 'Live capture',
    usage: '--duration SECONDS',
    help: ['stop after this long (headless)'],
  },
  {
    name: 'pid',
    type: 'string',
    multiple: true,
    section: 'Live capture',
    usage: '--pid N',
    help: ['only this process (repeatable, or comma-separated)'],
    example: '--pid 1234',
  },
  {
    name: 'comm',
    type: 'string',
    section: 'Live capture',
    usage: '--comm NAME',
    help: ['only processes with this command name (NAME* : names that begin so)'],
    example: '--comm postgres',
    repeatHint: ' (one command name; NAME* matches the names that begin so)',
  },
  {
    name: 'opcode',
    type: 'string',
    section: 'Live capture',
    usage: '--opcode LIST',
    help: ['only these operations, e.g. READ,WRITE,IO_URING_ENTER'],
    example: '--opcode READ,WRITE',
  },
  {
    name: 'outputDir',
    type: 'string',
    section: 'Live capture',
    usage: '--output-dir DIR',
    help: ['where iouring/iouring_<stamp>.csv goes (default: current directory)'],
    example: '--output-dir /var/tmp',
  },
  {
    name: 'record',
    type: 'boolean',
    parsed: true,
    section: 'Live capture',
    usage: '--no-record',
    help: ['do not write a recording'],
  },
  {
    name: 'compress',
    type: 'boolean',
    section: 'Live capture',
    usage: '--compress',
    help: ['write the recording gzip-compressed (.csv.gz, ~5x smaller)'],
  },
  {
    name: 'minFree',
    type: 'string',
    section: 'Live capture',
    usage: '--min-free SIZE|N%',
    help: [
      'stop recording before free space falls below this',
      '(default: 1 GiB or 5 % of the file system, whichever is less)',
    ],
    example: '--min-free 2G',
  },
  {
    name: 'recordingMode',
    type: 'string',
    section: 'Live capture',
    usage: '--recording-mode MODE',
    help: [
      "the recording's files' mode, 600 to 644 (default 600: only you",
      'read them; its directory gets the matching 700 to 755)',
    ],
    example: '--recording-mode 640',
  },
  {
    name: 'maxEventsRate',
    type: 'string',
    default: 20_000,
    section: 'Live capture',
    usage: '--max-events-rate N',
    help: [
      'event rows for every operation up to N a second (default {default}),',
      'a sample above it, chosen in the kernel (totals stay exact)',
    ],
  },
  {
    name: 'allEvents',
    type: 'boolean',
    section: 'Live capture',
    usage: '--all-events',
    help: ['event rows for every operation, whatever it costs the traced'],
  },
  {
    name: 'sample',
    type: 'string',
    section: 'Live capture',
    usage: '--sample N',
    help: ['event rows for 1 operation in N (totals stay exact)'],
  },
  {
    name: 'events',
    type: 'boolean',
    parsed: true,
    section: 'Live capture',
    usage: '--no-events',
    help: [
      'counters only: exact totals and rates, latencies sampled, no rows',
      '(the cheapest capture; nothing to record, the events view is off)',
    ],
  },
  {
    name: 'maxInflight',
    type: 'string',
    default: 65536,
    section: 'Live capture',
    usage: '--max-inflight N',
    help: ['in-flight request map size (default {default}); overruns are counted'],
  },
  {
    name: 'tier',
    type: 'string',
    section: 'Live capture',
    usage: '--tier 1|2|3',
    help: ['force a lower capture tier than the probe picks'],
  },
  {
    name: 'bpftrace',
    type: 'string',
    section: 'Live capture',
    usage: '--bpftrace PATH',
    help: ['the bpftrace binary to run (also IOURINGTOP_BPFTRACE)'],
  },
  {
    name: 'probe',
    type: 'boolean',
    section: 'Live capture',
    usage: '--probe',
    help: ['print what this machine supports for capture, and exit'],
  },
  {
    name: 'printProgram',
    type: 'boolean',
    section: 'Live capture',
    usage: '--print-program',
    help: ['print the generated bpftrace program, and exit'],
  },
  {
    name: 'orReplay',
    type: 'string',
    section: 'Live capture',
    usage: '--or-replay FILE',
    help: ['live capture where possible, else replay FILE (npm start)'],
  },
  {
    name: 'replay',
    type: 'string',
    section: 'Replay',
    usage: '--replay FILE',
    help: ['a recording (.csv or .csv.gz)'],
    example: '--replay recordings/fio-randrw.csv',
  },
  {
    name: 'speed',
    type: 'string',
    default: 1,
    section: 'Replay',
    usage: '--speed X',
    help: ['0.1 to 1000, or max (default {default})'],
  },
  {
    name: 'lenient',
    type: 'boolean',
    section: 'Replay',
    usage: '--lenient',
    help: ['skip rows that do not parse (they are counted), instead of stopping'],
  },
  {
    name: 'metrics',
    type: 'string',
    section: 'Metrics (Prometheus)',
    usage: '--metrics [ADDR:]PORT',
    help: [
      'serve /metrics there during a live capture, headless or beside the',
      'TUI (ADDR: an IP address, default 127.0.0.1; [::1]:PORT for IPv6)',
    ],
    example: '--metrics 9464',
  },
  {
    name: 'metricsLabels',
    type: 'string',
    section: 'Metrics (Prometheus)',
    usage: '--metrics-labels LIST',
    help: [
      'labels of the per-process series: any of pid,comm,opcode',
      '(default comm,opcode; pid makes series per process: see README)',
    ],
    example: '--metrics-labels comm,opcode',
  },
  {
    name: 'export',
    type: 'string',
    section: 'Metrics (Prometheus)',
    usage: '--export FORMAT',
    help: [
      "with --replay FILE: the recording's series with their timestamps on",
      'stdout, openmetrics (for promtool tsdb create-blocks-from openmetrics)',
      'or json',
    ],
    example: '--export openmetrics',
  },
  {
    name: 'refresh',
    type: 'string',
    default: 1,
    section: 'Display and model',
    usage: '--refresh SECONDS',
    help: ['UI refresh interval, 0.25 to 10 (default {default})'],
  },
  {
    name: 'bufferSeconds',
    type: 'string',
    default: 60,
    section: 'Display and model',
    usage: '--buffer-seconds N',
    help: ['rolling buffer length in seconds (default {default})'],
  },
  {
    name: 'bufferEvents',
    type: 'string',
    default: 1_000_000,
    section: 'Display and model',
    usage: '--buffer-events N',
    help: ['rolling buffer capacity in events (default {default})'],
  },
  {
    name: 'help',
    type: 'boolean',
    short: 'h',
    section: 'Other',
    usage: '-h, --help',
    help: ['this text'],
  },
  {
    name: 'version',
    type: 'boolean',
    section: 'Other',
    usage: '--version',
    help: ["iouringtop's version, the bpftrace found and the capture tier"],
  },
] as const satisfies readonly FlagSpec[];

type Flag = (typeof FLAGS)[number];
export type FlagName = Flag['name'];

/** The flags as the parser gives them: each one absent, or its value. */
export type RawFlags = {
  [F in Flag as F['name']]?: F['type'] extends 'boolean'
    ? boolean
    : F extends { multiple: true }
      ? string[]
      : string;
};

const spec = (name: FlagName): FlagSpec => FLAGS.find((f) => f.name === name)!;

/** A flag's default value (the flags with a number for one). */
export function flagDefault(
  name: 'maxEventsRate' | 'maxInflight' | 'speed' | 'refresh' | 'bufferSeconds' | 'bufferEvents',
): number {
  return spec(name).default!;
}

/** `--output-dir` for outputDir. */
export const dashed = (name: string): string =>
  `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** How to give a flag (by its dashed name, without the dashes), for a message; else undefined. */
export function flagExample(dashedName: string): string | undefined {
  const f: FlagSpec | undefined = FLAGS.find((x) => dashed(x.name) === `--${dashedName}`);
  return f?.example;
}

/** What to say instead of "once" when a flag is given twice (by its folded name). */
export function repeatHint(foldedName: string): string {
  const f: FlagSpec | undefined = FLAGS.find((x) => x.name.toLowerCase() === foldedName);
  return f?.repeatHint ?? '';
}

/** The flags in the form the parser (meow) takes them. */
export function parserFlags(): AnyFlags {
  const out: AnyFlags = {};
  for (const f of FLAGS as readonly FlagSpec[]) {
    const shortFlag = f.short ? { shortFlag: f.short } : {};
    out[f.name] =
      f.type === 'boolean'
        ? {
            type: 'boolean',
            ...(f.parsed !== undefined ? { default: f.parsed } : {}),
            ...shortFlag,
          }
        : { type: 'string', ...(f.multiple ? { isMultiple: true } : {}), ...shortFlag };
  }
  return out;
}

/** The flags that take one value (a second one is bad usage). */
export const singleValueFlags = (): string[] =>
  FLAGS.filter((f: FlagSpec) => f.type === 'string' && !f.multiple).map((f) => f.name);

/** The flags that take a value (an empty one is bad usage). */
export const valueFlags = (): string[] =>
  FLAGS.filter((f) => f.type === 'string').map((f) => f.name);

/** Every name the parser may give a declared flag (short ones too). */
export const knownFlagNames = (): Set<string> =>
  new Set(FLAGS.flatMap((f: FlagSpec) => (f.short ? [f.name, f.short] : [f.name])));

/** The usage column is this wide in `--help`; longer help wraps under it. */
const USAGE_WIDTH = 24;

/** `--help`'s flag sections, in the table's order. */
export function flagsHelp(): string {
  const sections = new Map<FlagSection, string[]>();
  for (const f of FLAGS as readonly FlagSpec[]) {
    const lines = sections.get(f.section) ?? [];
    const text = f.help.map((l) => l.replace('{default}', String(f.default)));
    lines.push(`    ${f.usage.padEnd(USAGE_WIDTH)}${text[0]}`);
    for (const l of text.slice(1)) lines.push(`    ${' '.repeat(USAGE_WIDTH)}${l}`);
    sections.set(f.section, lines);
  }
  return [...sections].map(([title, lines]) => `  ${title}\n${lines.join('\n')}`).join('\n\n');
}
