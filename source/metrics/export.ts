/**
 * A recording's series with a timestamp on every sample (`--export`): OpenMetrics text that
 * `promtool tsdb create-blocks-from openmetrics` imports into Prometheus, or JSON for scripts.
 * The families, label values and `le` bounds are those of the /metrics endpoint (families.ts,
 * read from the same running totals, fed the recording's deltas in order), so a recording loaded
 * into Prometheus graphs beside what the exporters scraped, under the same queries.
 *
 * prom-client has no timestamps, so the text is written here, to the OpenMetrics 1.0 text format:
 * each family whole before the next, each labelset's samples in time order, `# EOF` last. That
 * order means the values are computed one family at a time (one pass over the deltas each),
 * holding that family's numbers only: 8 bytes a sample, an eighth of the text they become.
 *
 * Samples: one at the session's start and one at the end of every delta. A counter series is
 * there from the delta in which its first count falls, with a 0 sample at the time before, so
 * that increase() over the recording counts the first interval too. Pure: deltas in, text out.
 */
import type { CountsDelta } from '../model/counts.js';
import type { OpcodeNames } from '../model/opcodes.js';
import type { Diagnostics } from '../model/snapshot.js';
import { LE_SECONDS } from './buckets.js';
import { metricFamilies, type BuildInfo, type Family, type Labels } from './families.js';
import type { CgroupOf, LabelName } from './labels.js';
import { MetricTotals } from './totals.js';

export interface ExportInput {
  deltas: readonly CountsDelta[];
  /** The counters' zero (µs): the session's start. */
  startUs: number;
  labels: readonly LabelName[];
  names: OpcodeNames;
  info: BuildInfo | null;
  /** Which diagnostics the deltas hold (the recording's metadata says; null: none). */
  diagnostics?: Readonly<Diagnostics> | null;
  /** Each process's cgroup (the recording's sidecar), for the `cgroup` label. */
  cgroupOf?: CgroupOf;
}

/** One labelset of a family over time: its sample values at each time it existed. */
export interface ExportedMetric {
  labels: Labels;
  /** Times (µs), ascending. */
  times: number[];
  /** Per time, the values of the family's samples (see sampleNames). */
  values: number[][];
}

export interface ExportedFamily {
  family: Family;
  metrics: ExportedMetric[];
}

/** The samples of one labelset at one time: name suffix and extra labels, in exposition order. */
export function sampleNames(f: Family): { name: string; labels: Labels }[] {
  if (f.type !== 'histogram') return [{ name: f.name, labels: {} }];
  return [
    ...LE_SECONDS.map((le) => ({ name: `${f.name}_bucket`, labels: { le: String(le) } })),
    { name: `${f.name}_bucket`, labels: { le: '+Inf' } },
    { name: `${f.name}_count`, labels: {} },
    { name: `${f.name}_sum`, labels: {} },
  ];
}

/** Every family's metrics over the recording, one family at a time. */
export function* exportedFamilies(input: ExportInput): Generator<ExportedFamily> {
  const families = metricFamilies(input.labels, input.names, input.info, {
    diagnostics: input.diagnostics,
  });
  for (const family of families) {
    const totals = new MetricTotals(input.labels, input.cgroupOf);
    const width = sampleNames(family).length;
    const metrics = new Map<string, ExportedMetric & { present: boolean }>();
    let prevUs = Number.NaN;
    for (let i = 0; i <= input.deltas.length; i++) {
      if (i > 0) totals.add(input.deltas[i - 1]);
      const t = i === 0 ? input.startUs : input.deltas[i - 1].tsUs;
      const seen = new Set<string>();
      for (const v of readValues(family, totals)) {
        const key = JSON.stringify(v.labels);
        let m = metrics.get(key);
        if (m === undefined) {
          m = { labels: v.labels, times: [], values: [], present: false };
          metrics.set(key, m);
        }
        // a counter appears with a 0 just before, where it was not counted yet
        if (!m.present && family.type !== 'gauge' && !Number.isNaN(prevUs))
          put(m, prevUs, new Array<number>(width).fill(0));
        put(m, t, v.values);
        seen.add(key);
      }
      for (const [key, m] of metrics) m.present = seen.has(key);
      prevUs = t;
    }
    yield {
      family,
      metrics: [...metrics.values()].map(({ labels, times, values }) => ({
        labels,
        times,
        values,
      })),
    };
  }
}

/** Adds a point; a time equal to the last one's (deltas ending together) replaces it. */
function put(m: ExportedMetric, t: number, v: number[]): void {
  const last = m.times.length - 1;
  if (last >= 0 && m.times[last] >= t) {
    m.values[last] = v;
    return;
  }
  m.times.push(t);
  m.values.push(v);
}

/** A family's values now, each as the list of its samples' values (sampleNames order). */
function readValues(f: Family, t: MetricTotals): { labels: Labels; values: number[] }[] {
  if (f.type !== 'histogram')
    return f.read(t).map((v) => ({ labels: v.labels, values: [v.value] }));
  return f.read(t).map((h) => ({
    labels: h.labels,
    values: [...h.buckets, h.count, h.count, h.sum],
  }));
}

// ---- OpenMetrics text ------------------------------------------------------------------------

const escapeLabel = (v: string): string =>
  v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** Seconds since the epoch, to the millisecond (what Prometheus stores). */
const seconds = (us: number): string => (Math.round(us / 1000) / 1000).toFixed(3);

/** The OpenMetrics text, in pieces (a family's metric at a time). */
export function* openMetricsText(input: ExportInput): Generator<string> {
  for (const { family, metrics } of exportedFamilies(input)) {
    // OpenMetrics names a counter family without its _total (its samples keep it)
    const base = family.type === 'counter' ? family.name.replace(/_total$/, '') : family.name;
    yield `# HELP ${base} ${escapeHelp(family.help)}\n# TYPE ${base} ${family.type}\n`;
    const samples = sampleNames(family);
    for (const m of metrics) {
      const prefixes = samples.map((s) => `${s.name}${labelText({ ...m.labels, ...s.labels })} `);
      const lines: string[] = [];
      for (let i = 0; i < m.times.length; i++) {
        const ts = seconds(m.times[i]);
        const v = m.values[i];
        for (let j = 0; j < prefixes.length; j++) lines.push(`${prefixes[j]}${v[j]} ${ts}\n`);
      }
      yield lines.join('');
    }
  }
  yield '# EOF\n';
}

// ---- JSON ------------------------------------------------------------------------------------

/**
 * The same series as JSON, one sample series a line inside the document:
 * `{"recording":…,"from":…,"series":[{"name","type","labels","samples":[[seconds,value],…]},…]}`.
 */
export function* jsonText(
  input: ExportInput,
  head: { recording: string; from: string },
): Generator<string> {
  yield `{"recording":${JSON.stringify(head.recording)},"from":${JSON.stringify(head.from)},"series":[`;
  let first = true;
  for (const { family, metrics } of exportedFamilies(input)) {
    const samples = sampleNames(family);
    for (const m of metrics) {
      const lines: string[] = [];
      samples.forEach((s, j) => {
        const points = m.times.map((t, i) => [Math.round(t / 1000) / 1000, m.values[i][j]]);
        lines.push(
          `${first ? '' : ','}\n${JSON.stringify({
            name: s.name,
            type: family.type,
            labels: { ...m.labels, ...s.labels },
            samples: points,
          })}`,
        );
        first = false;
      });
      yield lines.join('');
    }
  }
  yield '\n]}\n';
}
