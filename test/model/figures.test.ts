/**
 * The counted figures' registry (source/model/figures.ts) against every consumer: each entry
 * must reach the program's maps and probes, the collector, the counts file, the model's rows,
 * the columns, the summaries, the JSON and the metric families, at the place its entry says. A
 * new entry that one of them misses fails here.
 */
import { describe, expect, it } from 'vitest';
import { COUNTER_MAPS } from '../../bpf/maps.js';
import {
  diagnosticsOf,
  generateProgram,
  NO_DIAGNOSTICS,
  type KernelFeatures,
} from '../../bpf/program.js';
import { CountsCollector } from '../../source/collect/counts.js';
import { describeDiagnostics } from '../../source/collect/report.js';
import { metricFamilies, type ScalarFamily } from '../../source/metrics/families.js';
import { MetricTotals } from '../../source/metrics/totals.js';
import { emptyOpCounts, type CountsDelta, type OpCounts } from '../../source/model/counts.js';
import {
  FIGURE_KEYS,
  FIGURES,
  type Diagnostics,
  type Figure,
  type FigureKey,
} from '../../source/model/figures.js';
import { Model } from '../../source/model/model.js';
import { IO_URING_ENTER, OpcodeTable } from '../../source/model/opcodes.js';
import { formatCountsLine, parseCountsLine } from '../../source/record/countsFile.js';
import { opcodeDiagColumns, processDiagColumns } from '../../source/render/columns.js';
import { formatSummary } from '../../source/render/summary.js';
import { formatSummaryJson } from '../../source/render/summaryJson.js';
import { MODERN_FEATURES } from '../helpers/features.js';

const T = 1_700_000_000_000_000;
const SEC = 1_000_000;
const READ = 22;
const figures = FIGURES as readonly Figure[];
const ALL = Object.fromEntries(FIGURE_KEYS.map((k) => [k, true])) as Diagnostics;
/** A distinct value per figure, so that one read at another's place shows. */
const valueOf = (k: FigureKey): number => 11 + FIGURE_KEYS.indexOf(k);
const onEnterRow = (f: Figure): boolean => f.scope === 'ring';

/** One interval with every figure at its value: opcode figures on READ, ring ones on the enter row. */
function delta(): CountsDelta {
  const read: OpCounts = { ...emptyOpCounts(100, 'app', READ), ops: 100 };
  const enter: OpCounts = { ...emptyOpCounts(100, 'app', IO_URING_ENTER), ops: 3, submitted: 100 };
  for (const f of figures) {
    const row = onEnterRow(f) ? enter : read;
    row[f.key as FigureKey] = valueOf(f.key as FigureKey);
    if (f.counts.errnosField !== undefined) row.failedErrnos = [22, valueOf(f.key as FigureKey)];
  }
  return { tsUs: T + SEC, intervalUs: SEC, rows: [read, enter] };
}

function snapshot() {
  const m = new Model({ aggregate: 'counts' });
  m.setDiagnostics(ALL);
  m.advance(T);
  m.pushCounts(delta());
  m.advance(T + SEC);
  return m.snapshot();
}

describe('the counted figures registry', () => {
  it('has unique keys, map names, map ids, counts fields, titles, stems and JSON names', () => {
    const unique = (xs: readonly unknown[]) => expect(new Set(xs).size).toBe(xs.length);
    unique(figures.map((f) => f.key));
    unique(figures.flatMap((f) => f.program.maps.map((m) => m.name)));
    unique(COUNTER_MAPS.map((m) => m.id));
    unique(figures.flatMap((f) => [f.counts.field, f.counts.errnosField ?? -1 - f.counts.field]));
    unique(figures.map((f) => f.column.title));
    unique(figures.map((f) => f.metric.stem));
    unique(figures.map((f) => f.json));
  });

  it('declares every map in the program, and the program writes it where the kernel counts it', () => {
    const features: KernelFeatures = {
      ...MODERN_FEATURES,
      hasAsyncWork: true,
      hasPollArm: true,
      hasFailLink: true,
    };
    const counted = diagnosticsOf(1, features);
    const program = generateProgram({
      tier: 1,
      token: 'abcdef01',
      features,
      filter: { pids: [] },
      events: { kind: 'all' },
    });
    for (const f of figures) {
      expect(NO_DIAGNOSTICS[f.key as FigureKey]).toBe(false);
      expect(counted[f.key as FigureKey], f.key).toBe(true);
      expect(program).toContain(`tracepoint:io_uring:${f.program.tracepoint}`);
      for (const m of f.program.maps) {
        expect(COUNTER_MAPS).toContainEqual(m);
        expect(program, m.name).toMatch(new RegExp(`@${m.name}\\[[^\\]]*\\] = `));
        expect(program, m.name).toContain(`print(@${m.name});`);
      }
    }
  });

  it('reaches the collector: each map into its figure, on its row', () => {
    const c = new CountsCollector(T);
    c.add('c', [100, READ, 4096], 1);
    for (const f of figures)
      for (const m of f.program.maps) {
        const keys = m.keys.map((k) => (k === 'tgid' ? 100 : k === 'opcode' ? READ : 22));
        // (a figure of two maps, one per row kind: each holds the value, on its own row)
        c.add(m.name, keys, valueOf(f.key as FigureKey));
      }
    const d = c.end(T + SEC, () => 'app')!;
    const row = (op: number) => d.rows.find((r) => r.opcode === op)!;
    for (const f of figures) {
      const maps = f.program.maps.map((m) => m.keys.length);
      const v = valueOf(f.key as FigureKey);
      if (maps.includes(1)) expect(row(IO_URING_ENTER)[f.key as FigureKey], f.key).toBe(v);
      if (maps.some((n) => n > 1)) expect(row(READ)[f.key as FigureKey], f.key).toBe(v);
      if (f.counts.errnosField !== undefined) expect(row(READ).failedErrnos).toEqual([22, v]);
    }
  });

  it('has its place in the counts file, and reads back', () => {
    const d = delta();
    const line = formatCountsLine(d);
    const raw = JSON.parse(line) as { r: unknown[][] };
    for (const f of figures) {
      const row = raw.r[onEnterRow(f) ? 1 : 0];
      const diag = row[10] as unknown[];
      expect(diag[f.counts.field], f.key).toBe(valueOf(f.key as FigureKey));
      if (f.counts.errnosField !== undefined)
        expect(diag[f.counts.errnosField]).toEqual([22, valueOf(f.key as FigureKey)]);
    }
    const back = parseCountsLine(line) as CountsDelta;
    for (const f of figures)
      expect(back.rows[onEnterRow(f) ? 1 : 0][f.key as FigureKey]).toBe(
        valueOf(f.key as FigureKey),
      );
  });

  it('reaches the model: the process, the opcode row where it has one, and the totals', () => {
    const s = snapshot();
    const p = s.processes[0];
    const read = s.opcodes.find((o) => o.opcode === READ)!;
    for (const f of figures) {
      const v = valueOf(f.key as FigureKey);
      expect(p.total[f.key as FigureKey], f.key).toBe(v);
      expect(p.window[f.key as FigureKey], f.key).toBe(v);
      expect(s.totals.total[f.key as FigureKey], f.key).toBe(v);
      expect(read.total[f.key as FigureKey], f.key).toBe(onEnterRow(f) ? 0 : v);
    }
  });

  it('has its column, its summary title, its JSON name and its metric family', () => {
    const s = snapshot();
    const procCols = processDiagColumns(ALL);
    const opCols = opcodeDiagColumns(ALL);
    const text = formatSummary(s);
    const json = JSON.parse(formatSummaryJson(s)) as {
      totals: Record<string, unknown>;
      processes: Record<string, unknown>[];
      opcodes: Record<string, unknown>[];
    };
    const totals = new MetricTotals(['comm', 'opcode']);
    totals.add(delta());
    const families = metricFamilies(['comm', 'opcode'], new OpcodeTable(), null, {
      diagnostics: ALL,
    });
    const probeReport = describeDiagnostics(ALL);
    for (const f of figures) {
      const v = valueOf(f.key as FigureKey);
      const col = procCols.find((c) => c.key === f.key);
      expect(col?.title, f.key).toBe(f.column.title);
      expect(col?.width).toBe(f.column.width);
      expect(opCols.some((c) => c.key === f.key)).toBe(f.scope !== 'ring');
      expect(text).toMatch(new RegExp(`PID +COMMAND +OPS .*\\b${f.column.summaryTitle}\\b`));
      expect(json.totals[f.json], f.key).toBe(v);
      expect(json.processes[0][f.json], f.key).toBe(v);
      const family = families.find((x) => x.name === `iouringtop_${f.metric.stem}_total`);
      expect(family?.help, f.key).toBe(f.metric.help);
      const values = (family as ScalarFamily).read(totals);
      expect(
        values.reduce((a, x) => a + x.value, 0),
        f.key,
      ).toBe(v);
      if (f.probeNote !== undefined) expect(probeReport).toContain(`${f.key} (${f.probeNote})`);
      // not counted: no family at all, and n/a or null
      const without = metricFamilies(['comm'], new OpcodeTable(), null, {
        diagnostics: { ...ALL, [f.key]: false },
      });
      expect(without.some((x) => x.name === family?.name)).toBe(false);
      const jsonWithout = JSON.parse(
        formatSummaryJson({ ...s, diagnostics: { ...ALL, [f.key]: false } }),
      ) as { totals: Record<string, unknown> };
      expect(jsonWithout.totals[f.json]).toBeNull();
    }
  });
});
