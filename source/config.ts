/**
 * Command-line flags → a validated Config. Pure: every bad value becomes a one-line message that
 * says what is wrong and how to fix it (the CLI prints it and exits 2).
 */
import { COMM_PATTERN, type CaptureFilter, type EventLines, type Tier } from '../bpf/program.js';
import { OpcodeTable, parseOpcodeList, type OpcodeNames } from './model/opcodes.js';
import { formatFilter } from './model/select.js';
import { parseListenAddress } from './metrics/address.js';
import type { MetricsConfig } from './metrics/exporter.js';
import { DEFAULT_LABELS, parseLabelList, type LabelName } from './metrics/labels.js';
import type { ReplaySpeed } from './record/playback.js';
import { flagDefault, flagExample, repeatHint, type RawFlags } from './flags.js';

/**
 * Events a second recorded by default (operations and io_uring_enter calls together): above it,
 * a sample, chosen and counted in the kernel; every figure stays exact. See docs/performance.md.
 */
export const DEFAULT_EVENT_BUDGET = flagDefault('maxEventsRate');

export type { RawFlags } from './flags.js';

/**
 * The free space a recording leaves on its file system: it stops before there is less. Bytes, a
 * share of the file system, or (the default) the smaller of 1 GiB and 5 %.
 */
export type MinFree = { bytes: number } | { percent: number } | { default: true };

/** The free space below which a recording stops, for a file system of `size` bytes. */
export function minFreeBytes(m: MinFree, size: number): number {
  if ('bytes' in m) return m.bytes;
  if ('percent' in m) return Math.ceil((size * m.percent) / 100);
  return Math.min(2 ** 30, Math.ceil(size * 0.05));
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
};

/** `--min-free` text → a MinFree, or a one-line message. */
export function parseMinFree(text: string): MinFree | string {
  const t = text.trim().toLowerCase();
  const pct = /^([0-9]+(\.[0-9]+)?)%$/.exec(t);
  if (pct) {
    const v = Number(pct[1]);
    if (v <= 50) return { percent: v };
  }
  const m = /^([0-9]+(\.[0-9]+)?)\s*([kmgt]?)(i?b)?$/.exec(t);
  if (!pct && m) return { bytes: Math.round(Number(m[1]) * SIZE_UNITS[m[3]]) };
  return `--min-free ${JSON.stringify(text)}: expected a size (0, 500M, 2G) or a share of the file system (0% to 50%, e.g. 5%)`;
}

/**
 * `--recording-mode` (octal: 600, 640, 0644) → the mode of a recording's files; 0600 without it.
 * The owner reads and writes; group and others may read, never write (a recording others could
 * write is one they could forge). A one-line message when invalid.
 */
export function parseRecordingMode(text: string | undefined): number | string {
  if (text === undefined) return 0o600;
  const t = text.trim().replace(/^0o/i, '');
  const v = /^0?[0-7]{3}$/.test(t) ? parseInt(t, 8) : NaN;
  if (!Number.isInteger(v) || (v & ~0o644) !== 0 || (v & 0o600) !== 0o600)
    return `--recording-mode ${JSON.stringify(text)}: expected an octal mode from 600 to 644 (the owner reads and writes, group and others may read), e.g. 640`;
  return v;
}

export type ExportFormat = 'openmetrics' | 'json';

export interface Config {
  mode: 'live' | 'replay' | 'export' | 'probe' | 'print-program';
  headless: boolean;
  /** Headless: the summary as JSON (every figure exact, in base units). */
  json: boolean;
  /** Seconds to capture (headless); undefined = until SIGINT/SIGTERM. */
  durationSec?: number;
  filter: CaptureFilter;
  /** Per-event lines (and recording rows): every event, none (--no-events), or 1 in N. */
  events: EventLines;
  outputDir: string;
  record: boolean;
  replayFile?: string;
  /** Replay speed: a factor of real time, or as fast as it reads. */
  speed: ReplaySpeed;
  lenient: boolean;
  refreshMs: number;
  bufferSeconds: number;
  bufferEvents: number;
  maxInflight: number;
  /** Force a lower capture tier than the probe would choose. */
  tier?: Tier;
  /** Live if this machine can capture, else replay this recording (npm start). */
  fallbackReplay?: string;
  /** The bpftrace binary to run (--bpftrace; else IOURINGTOP_BPFTRACE, else PATH). */
  bpftrace?: string;
  /** Record gzip-compressed (`.csv.gz`), as the file is written. */
  compress: boolean;
  /** Stop recording before the file system's free space falls below this. */
  minFree: MinFree;
  /** The mode of a recording's files (0600 unless --recording-mode says more). */
  recordingMode: number;
  /** --metrics: serve /metrics there, with these labels. */
  metrics?: MetricsConfig;
  /** --export: write the recording's series (mode 'export'), with these labels. */
  exportFormat?: ExportFormat;
  metricLabels: readonly LabelName[];
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; error: string };

function num(
  name: string,
  text: string | undefined,
  opts: { min: number; max: number; integer?: boolean },
): number | string | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  const v = /^[0-9]+(\.[0-9]+)?$/.test(t) ? Number(t) : NaN;
  const kind = opts.integer ? 'a whole number' : 'a number';
  if (
    !Number.isFinite(v) ||
    (opts.integer && !Number.isInteger(v)) ||
    v < opts.min ||
    v > opts.max
  ) {
    return `--${name} ${JSON.stringify(text)}: expected ${kind} from ${opts.min} to ${opts.max}`;
  }
  return v;
}

/**
 * The first option of `names` (camelCase) given with no value on the command line (`--pid=`, or
 * `--pid` last or before another option), as a one-line message; undefined when there is none.
 * meow reads such an option as absent, so `--pid $EMPTY` would capture every process.
 */
export function emptyOption(argv: readonly string[], names: readonly string[]): string | undefined {
  const dashed = new Map(names.map((n) => [n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), n]));
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z][a-z-]*)(=(.*))?$/.exec(argv[i]);
    if (!m || !dashed.has(m[1])) continue;
    const value = m[2] !== undefined ? m[3] : argv[i + 1];
    if (value === undefined || value === '' || (m[2] === undefined && value.startsWith('--'))) {
      return `--${m[1]} needs a value (e.g. ${flagExample(m[1]) ?? `--${m[1]} VALUE`}); an empty one would mean everything`;
    }
    if (m[2] === undefined) i++;
  }
  return undefined;
}

/** An option's name as the flag parser folds it: `--output-dir`, `--outputDir`, `--output_dir`. */
const folded = (name: string): string => name.replace(/[-_]/g, '').toLowerCase();

/**
 * The first option of `names` (camelCase: the options that take one value) given twice, in any
 * spelling (`--output-dir a --outputDir b`), as a one-line message quoting what was typed;
 * undefined when there is none. Options after `--` are arguments, not options.
 */
export function repeatedOption(
  argv: readonly string[],
  names: readonly string[],
): string | undefined {
  const wanted = new Set(names.map(folded));
  const seen = new Map<string, { typed: string; value: string | undefined }>();
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') break;
    const m = /^--([^=]+)(=([\s\S]*))?$/.exec(argv[i]);
    if (!m || !wanted.has(folded(m[1]))) continue;
    let value: string | undefined = m[3];
    if (m[2] === undefined) {
      // the next word is its value, unless it is missing (emptyOption tells that)
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      }
    }
    const typed = `--${m[1]}`;
    const first = seen.get(folded(m[1]));
    if (first) {
      const values =
        first.value !== undefined && value !== undefined
          ? ` (${JSON.stringify(first.value)}, then ${JSON.stringify(value)})`
          : '';
      const hint = repeatHint(folded(m[1]));
      return `${first.typed === typed ? typed : `${first.typed} and ${typed}`} given twice${values}: give it once${hint}`;
    }
    seen.set(folded(m[1]), { typed, value });
  }
  return undefined;
}

/**
 * An option as it was typed on the command line, from the name the flag parser gave it
 * (camelCase: `bogusFlag` for `--bogus-flag`, `bogus` for `--no-bogus`): the word before any
 * `=value`, or `--kebab-case` of the name when it cannot be found.
 */
export function typedOption(argv: readonly string[], name: string): string {
  if (name.length === 1) return `-${name}`;
  const want = folded(name);
  for (const a of argv) {
    if (a === '--') break;
    const m = /^--([^=]+)/.exec(a);
    if (m && (folded(m[1]) === want || folded(m[1]) === `no${want}`)) return `--${m[1]}`;
  }
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export function buildConfig(flags: RawFlags, stdoutIsTty: boolean): ConfigResult {
  const fail = (error: string): ConfigResult => ({ ok: false, error });
  const pids: number[] = [];
  for (const raw of flags.pid ?? []) {
    for (const part of raw.split(',')) {
      const v = num('pid', part, { min: 1, max: 4194304, integer: true });
      if (typeof v === 'string') return fail(v);
      if (v !== undefined && !pids.includes(v)) pids.push(v);
    }
  }
  const filter: CaptureFilter = { pids };
  if (flags.comm !== undefined) {
    if (!COMM_PATTERN.test(flags.comm)) {
      return fail(
        `--comm ${JSON.stringify(flags.comm)}: a command name is 1-15 characters of letters, digits, spaces and _.:+@%=,-/ (a trailing * matches names that begin so)`,
      );
    }
    filter.comm = flags.comm;
  }
  if (flags.opcode !== undefined) {
    const ops = parseOpcodeList(flags.opcode, new OpcodeTable());
    if (typeof ops === 'string') return fail(`--opcode: ${ops}`);
    filter.opcodes = ops;
  }
  const duration = num('duration', flags.duration, { min: 0.1, max: 31_536_000 });
  if (typeof duration === 'string') return fail(duration);
  const refresh = num('refresh', flags.refresh, { min: 0.25, max: 10 });
  if (typeof refresh === 'string') return fail(refresh);
  const bufferSeconds = num('buffer-seconds', flags.bufferSeconds, { min: 1, max: 3600 });
  if (typeof bufferSeconds === 'string') return fail(bufferSeconds);
  const bufferEvents = num('buffer-events', flags.bufferEvents, {
    min: 1000,
    max: 50_000_000,
    integer: true,
  });
  if (typeof bufferEvents === 'string') return fail(bufferEvents);
  const maxInflight = num('max-inflight', flags.maxInflight, {
    min: 1024,
    max: 4_194_304,
    integer: true,
  });
  if (typeof maxInflight === 'string') return fail(maxInflight);
  const tier = num('tier', flags.tier, { min: 1, max: 3, integer: true });
  if (typeof tier === 'string') return fail(tier);
  const events = eventLines(flags);
  if (typeof events === 'string') return fail(events);
  let speed: ReplaySpeed = flagDefault('speed');
  if (flags.speed !== undefined) {
    if (flags.speed.trim().toLowerCase() === 'max') speed = 'max';
    else {
      const s = num('speed', flags.speed, { min: 0.1, max: 1000 });
      if (typeof s === 'string') return fail(`${s}, or max`);
      speed = s ?? flagDefault('speed');
    }
  }
  if (flags.replay !== undefined) {
    if (flags.replay.trim().length === 0)
      return fail('--replay needs a file: --replay recordings/fio-randrw.csv');
    if (pids.length > 0 || filter.comm !== undefined || filter.opcodes !== undefined) {
      return fail('--pid, --comm and --opcode filter live capture; in replay, press / to filter');
    }
    if (
      flags.events === false ||
      flags.sample !== undefined ||
      flags.allEvents ||
      flags.maxEventsRate !== undefined
    )
      return fail(
        '--no-events, --sample, --all-events and --max-events-rate apply to live capture; a recording holds what it holds',
      );
  } else if (flags.speed !== undefined || flags.lenient) {
    return fail('--speed and --lenient apply to --replay FILE only');
  }
  let minFree: MinFree = { default: true };
  if (flags.minFree !== undefined) {
    const m = parseMinFree(flags.minFree);
    if (typeof m === 'string') return fail(m);
    minFree = m;
  }
  if (flags.replay !== undefined && (flags.compress || flags.minFree !== undefined))
    return fail('--compress and --min-free apply to recording live capture, not to --replay');
  const recordingMode = parseRecordingMode(flags.recordingMode);
  if (typeof recordingMode === 'string') return fail(recordingMode);
  if (flags.replay !== undefined && flags.recordingMode !== undefined)
    return fail('--recording-mode applies to recording live capture, not to --replay');
  if (flags.probe && flags.replay !== undefined)
    return fail('--probe and --replay do not go together');
  const metrics = metricsFlags(flags);
  if (typeof metrics === 'string') return fail(metrics);
  const mode: Config['mode'] = flags.probe
    ? 'probe'
    : flags.printProgram
      ? 'print-program'
      : metrics.exportFormat !== undefined
        ? 'export'
        : flags.replay !== undefined
          ? 'replay'
          : 'live';
  return {
    ok: true,
    config: {
      mode,
      headless: Boolean(flags.headless) || Boolean(flags.json) || !stdoutIsTty,
      json: Boolean(flags.json),
      durationSec: duration,
      filter,
      events,
      outputDir: flags.outputDir ?? process.cwd(),
      // counters only: no event rows, so no recording of them
      record: flags.record !== false && mode === 'live' && events.kind !== 'none',
      replayFile: flags.replay,
      speed,
      lenient: Boolean(flags.lenient),
      refreshMs: Math.round((refresh ?? flagDefault('refresh')) * 1000),
      bufferSeconds: bufferSeconds ?? flagDefault('bufferSeconds'),
      bufferEvents: bufferEvents ?? flagDefault('bufferEvents'),
      maxInflight: maxInflight ?? flagDefault('maxInflight'),
      tier: tier as Tier | undefined,
      fallbackReplay: flags.orReplay,
      bpftrace: flags.bpftrace,
      compress: Boolean(flags.compress),
      minFree,
      recordingMode,
      ...metrics,
    },
  };
}

/** Which events are recorded: --no-events, --sample N, --all-events or --max-events-rate N. */
function eventLines(flags: RawFlags): EventLines | string {
  const sample = num('sample', flags.sample, { min: 2, max: 1_000_000, integer: true });
  if (typeof sample === 'string') return sample;
  const budget = num('max-events-rate', flags.maxEventsRate, {
    min: 100,
    max: 10_000_000,
    integer: true,
  });
  if (typeof budget === 'string') return budget;
  const chosen = [
    flags.events === false && '--no-events',
    sample !== undefined && '--sample N',
    flags.allEvents && '--all-events',
    budget !== undefined && '--max-events-rate N',
  ].filter((x): x is string => typeof x === 'string');
  if (chosen.length > 1)
    return `${chosen.join(' and ')} each choose which events are recorded: give one (--all-events: every one; --max-events-rate N: every one up to N a second, a sample above; --sample N: 1 in N; --no-events: none)`;
  return flags.events === false
    ? { kind: 'none' }
    : sample !== undefined
      ? { kind: 'sample', every: sample }
      : flags.allEvents
        ? { kind: 'all' }
        : { kind: 'budget', perSec: budget ?? DEFAULT_EVENT_BUDGET };
}

/** --metrics, --metrics-labels and --export, checked against each other and the mode. */
function metricsFlags(
  flags: RawFlags,
): Pick<Config, 'metrics' | 'exportFormat' | 'metricLabels'> | string {
  let metricLabels = DEFAULT_LABELS;
  if (flags.metricsLabels !== undefined) {
    if (flags.metrics === undefined && flags.export === undefined)
      return '--metrics-labels applies to --metrics and --export';
    const labels = parseLabelList(flags.metricsLabels);
    if (typeof labels === 'string') return `--metrics-labels: ${labels}`;
    metricLabels = labels;
  }
  let exportFormat: ExportFormat | undefined;
  if (flags.export !== undefined) {
    const f = flags.export.trim().toLowerCase();
    if (f !== 'openmetrics' && f !== 'json')
      return `--export ${JSON.stringify(flags.export)}: choose openmetrics or json`;
    if (flags.replay === undefined)
      return '--export writes the series of a recording: --replay FILE --export openmetrics';
    if (flags.json) return '--export json writes the series, --json the summary: choose one';
    if (flags.speed !== undefined)
      return '--export reads the whole recording; --speed does not apply';
    exportFormat = f;
  }
  let metrics: Config['metrics'];
  if (flags.metrics !== undefined) {
    if (flags.replay !== undefined || flags.orReplay !== undefined)
      return "--metrics serves a live capture; a recording's series go to Prometheus with --replay FILE --export openmetrics";
    if (flags.probe || flags.printProgram)
      return '--metrics serves a live capture, not --probe or --print-program';
    const at = parseListenAddress(flags.metrics);
    if (typeof at === 'string') return at;
    metrics = { at, labels: metricLabels };
  }
  return { metrics, exportFormat, metricLabels };
}

/** The capture filter as the filter prompt would write it (`pid:1,2 comm:fio op:READ`). */
export function describeFilter(filter: CaptureFilter, names: OpcodeNames): string {
  return formatFilter(
    {
      pids: filter.pids,
      comms: filter.comm === undefined ? undefined : [filter.comm],
      opcodes: filter.opcodes,
    },
    names,
  );
}
